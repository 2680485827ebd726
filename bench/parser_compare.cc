// Beast's HTTP/1.1 parser (what warden's RequestParser and ResponseParser run on) beside
// http-parser (libhttp-parser-dev, the other HTTP/1 parser Debian 12 packages), on the heads
// warden parses per request: the benchmark's small chat request, a request as the OpenAI Python
// SDK sends it (17 fields), and nginx's answer. Both parsers run with callbacks that only count
// what they are handed, so the figure is the parse itself, not the storage of its results.
//
//   parser_compare [ITERATIONS]    default 1,000,000 per head and parser
//
// Prints ns per parse for each head and parser and http-parser's ratio to Beast. Exits 1 if a
// parser fails to parse a head or the two disagree on the bytes they saw.
#include <http_parser.h>

#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace bhttp = boost::beast::http;
using boost::beast::string_view;
using boost::system::error_code;

namespace {

// Counts the bytes of the line parts, names and values it is handed.
template <bool kIsRequest>
class CountingParser final : public bhttp::basic_parser<kIsRequest> {
 public:
  std::size_t seen = 0;

 private:
  void on_request_impl(bhttp::verb, string_view method, string_view target, int,
                       error_code&) override {
    seen += method.size() + target.size();
  }
  void on_response_impl(int, string_view reason, int, error_code&) override {
    seen += reason.size();
  }
  void on_field_impl(bhttp::field, string_view name, string_view value, error_code&) override {
    seen += name.size() + value.size();
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(string_view body, error_code&) override { return body.size(); }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
    return body.size();
  }
  void on_finish_impl(error_code&) override {}
};

std::size_t g_seen = 0;
int CountData(http_parser*, const char*, std::size_t n) {
  g_seen += n;
  return 0;
}
int Nothing(http_parser*) { return 0; }

// Parses `head` once with Beast; returns the bytes its callbacks saw, or 0 on an error.
template <bool kIsRequest>
std::size_t ParseWithBeast(std::string_view head) {
  CountingParser<kIsRequest> p;
  error_code ec;
  p.put(boost::asio::buffer(head.data(), head.size()), ec);
  return ec || !p.is_header_done() ? 0 : p.seen;
}

// The same with http-parser (method and version are not callbacks there: the line's target,
// or status text, and the fields are).
std::size_t ParseWithHttpParser(std::string_view head, http_parser_type type) {
  static const http_parser_settings settings = [] {
    http_parser_settings s{};
    s.on_url = CountData;
    s.on_status = CountData;
    s.on_header_field = CountData;
    s.on_header_value = CountData;
    s.on_body = CountData;
    s.on_message_begin = Nothing;
    s.on_headers_complete = Nothing;
    s.on_message_complete = Nothing;
    return s;
  }();
  http_parser p;
  http_parser_init(&p, type);
  g_seen = 0;
  const std::size_t used = http_parser_execute(&p, &settings, head.data(), head.size());
  return used != head.size() || HTTP_PARSER_ERRNO(&p) != HPE_OK ? 0 : g_seen;
}

template <typename Parse>
double NanosPerParse(Parse parse, long iterations, std::size_t& sink) {
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < iterations; ++i) sink += parse();
  const std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
  return took.count() / static_cast<double>(iterations);
}

struct Head {
  const char* name;
  bool request;
  std::string_view method;  // what Beast reports beyond http-parser (request method)
  std::string bytes;
};

}  // namespace

int main(int argc, char** argv) {
  const long iterations = argc > 1 ? std::atol(argv[1]) : 1000000;
  if (iterations <= 0) {
    std::fprintf(stderr, "usage: parser_compare [ITERATIONS]\n");
    return 2;
  }
  const Head heads[] = {
      {"small chat request", true, "POST",
       "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
       "Accept-Encoding: identity\r\nContent-Length: 70\r\nContent-Type: application/json\r\n"
       "Authorization: Bearer bench-token\r\n\r\n"},
      {"OpenAI SDK request", true, "POST",
       "POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:8080\r\n"
       "accept: application/json\r\ncontent-type: application/json\r\n"
       "user-agent: OpenAI/Python 1.54.4\r\nx-stainless-lang: python\r\n"
       "x-stainless-package-version: 1.54.4\r\nx-stainless-os: Linux\r\n"
       "x-stainless-arch: x64\r\nx-stainless-runtime: CPython\r\n"
       "x-stainless-runtime-version: 3.11.2\r\n"
       "authorization: Bearer caller-token-0123456789abcdefghijklmnopqrstu\r\n"
       "x-stainless-async: false\r\nx-stainless-retry-count: 0\r\n"
       "accept-encoding: gzip, deflate\r\nconnection: keep-alive\r\ncontent-length: 70\r\n\r\n"},
      {"nginx response", false, "",
       "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sat, 28 Nov 2026 11:00:00 GMT\r\n"
       "Content-Type: application/json\r\nContent-Length: 300\r\nConnection: keep-alive\r\n\r\n"},
  };
  std::printf("%-20s %6s %12s %14s %8s\n", "head", "bytes", "Beast ns", "http-parser ns",
              "ratio");
  std::size_t sink = 0;
  int status = 0;
  for (const Head& h : heads) {
    const auto beast = [&h] {
      return h.request ? ParseWithBeast<true>(h.bytes) : ParseWithBeast<false>(h.bytes);
    };
    const auto other = [&h] {
      return ParseWithHttpParser(h.bytes, h.request ? HTTP_REQUEST : HTTP_RESPONSE);
    };
    // Beast also reports the request method, which http-parser gives as a number.
    if (beast() == 0 || other() == 0 || beast() != other() + h.method.size()) {
      std::fprintf(stderr, "parser_compare: the parsers disagree on the %s\n", h.name);
      status = 1;
      continue;
    }
    const double b = NanosPerParse(beast, iterations, sink);
    const double o = NanosPerParse(other, iterations, sink);
    std::printf("%-20s %6zu %12.1f %14.1f %7.2fx\n", h.name, h.bytes.size(), b, o, o / b);
  }
  std::printf("(ratio: http-parser's time over Beast's; %ld parses each; checksum %zu)\n",
              iterations, sink % 10);
  return status;
}
