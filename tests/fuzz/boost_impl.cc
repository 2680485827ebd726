// Header-only definitions of Boost.JSON for the fuzz build, compiled with the fuzz
// instrumentation so that coverage reaches into its parser (the main build links the compiled
// Debian library instead; same headers, same version), and the BOOST_ASSERT handler.
#include <boost/assert.hpp>
#include <boost/json/src.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>

// The fuzz build keeps BOOST_ASSERT live (BOOST_ENABLE_ASSERT_HANDLER, see CMakeLists.txt): a
// failed internal assertion of Beast or Boost.JSON is a finding, except the one below.
namespace boost {

namespace {

// Known wrong assertion of Boost.Beast 1.81, compiled out of warden's NDEBUG builds (live in the
// `debug` preset): in basic_parser::parse_chunk_header, re-entering after the last chunk "0\r\n"
// with only one more byte buffered trips `BOOST_ASSERT(n >= 5)`, although the code after it
// handles n >= 3 correctly (it returns need_more). Fixed upstream by boostorg/beast#2861.
// Reproducers: tests/fuzz/regressions/{http_request,sse_relay}/beast_chunk_header_assert.
bool KnownFalseAssertion(const char* expr, const char* function) {
  return std::strcmp(expr, "n >= 5") == 0 && std::strstr(function, "parse_chunk_header") != nullptr;
}

}  // namespace

void assertion_failed(char const* expr, char const* function, char const* file, long line) {
  if (KnownFalseAssertion(expr, function)) return;
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed.\n", file, line, function, expr);
  std::abort();
}

void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file,
                          long line) {
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed: %s\n", file, line, function, expr, msg);
  std::abort();
}

}  // namespace boost
