// Fuzzes RFC 6901 JSON pointer lookup (src/secrets/json_pointer.{hpp,cc}), used by file
// SecretRefs against a secrets file the user (or whoever can write it) controls.
//
// Input: "<pointer>\n<JSON document>". When the document does not parse, a fixed document
// shaped like a secrets file is used instead, so the pointer logic is exercised either way.
// Invariants: no crash/UB/leak; the result lies inside the document; warden succeeds exactly
// when Boost.JSON's own RFC 6901 implementation (value::find_pointer) does, with the same
// target; error codes are the two documented ones; messages never quote a document value.
#include <boost/json.hpp>
#include <cstdint>
#include <string>

#include "fuzz_util.hpp"
#include "secrets/json_pointer.hpp"

using namespace warden::fuzz;
namespace json = boost::json;

namespace {

constexpr std::string_view kCanary = "SECRETCANARY";

const json::value& FallbackDoc() {
  static const json::value doc = json::parse(R"({
    "providers": {"openai": {"key": "SECRETCANARY-1"}, "a/b": {"m~n": "SECRETCANARY-2"}},
    "keys": ["SECRETCANARY-3", {"x": ["SECRETCANARY-4"]}], "": {"": "SECRETCANARY-5"}, "n": 1
  })");
  return doc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = AsView(data, size);
  std::size_t nl = input.find('\n');
  std::string_view pointer = input.substr(0, nl);
  std::string_view doc_text =
      nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);

  boost::system::error_code ec;
  json::value parsed = json::parse(doc_text, ec);
  const json::value& doc = ec ? FallbackDoc() : parsed;

  auto found = warden::secrets::ResolvePointer(doc, pointer);
  boost::system::error_code bec;
  const json::value* expected = doc.find_pointer(pointer, bec);

  if (found) {
    FUZZ_CHECK(*found != nullptr);
    FUZZ_CHECK(expected != nullptr, "warden resolves a pointer Boost.JSON refuses", bec.message());
    FUZZ_CHECK(*found == expected, "warden and Boost.JSON resolve to different values");
    return 0;
  }
  const auto& e = found.error();
  FUZZ_CHECK(e.code == warden::ErrorCode::kSecretRefInvalid ||
                 e.code == warden::ErrorCode::kSecretRefNotFound,
             std::string(e.CodeName()));
  FUZZ_CHECK(expected == nullptr, "Boost.JSON resolves a pointer warden refuses", e.message);
  // Messages name the pointer, never a value from the document.
  if (ec && pointer.find(kCanary) == std::string_view::npos) {  // fallback document
    FUZZ_CHECK(e.message.find(kCanary) == std::string::npos, "error quotes a document value");
  }
  return 0;
}
