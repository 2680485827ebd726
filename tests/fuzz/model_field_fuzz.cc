// Fuzzes the request-body "model" scanner and rewriter (src/proxy/model_field.{hpp,cc}) the way
// PlanProxy (src/proxy/pipeline.cc) uses them: FindModelField → ParseModelRef → ReplaceModel.
//
// Input: a request body. Invariants, besides no crash/UB/leak/uncaught exception:
//  - FindModelField gives the same answer on a copy and on the body read in place with 64 zeroed
//    bytes after it, as http::Request::PadBody leaves them;
//  - FindModelField succeeds only on JSON that Boost.JSON's DOM parser also accepts, and then the
//    DOM has a top-level string "model" equal to the decoded value;
//  - a span, when given, lies in the body and covers a string literal;
//  - ReplaceModel with the same value returns the body unchanged when a span was given;
//  - ReplaceModel with the ref's model (and with a few hostile values) returns JSON whose
//    top-level "model" is exactly that value and whose other members are unchanged;
//  - the escape checks of json_tokens give the same verdict on the input read as one string's
//    content by either scan (SSE2, and AVX-512BW where the CPU has it).
#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <string>

#include "config/model_ref.hpp"
#include "fuzz_util.hpp"
#include "proxy/json_tokens.hpp"
#include "proxy/model_field.hpp"

using namespace warden::fuzz;
namespace json = boost::json;

namespace {

// Equality where NaN equals NaN: Boost.JSON 1.81 parses "0e400" as NaN, on both sides alike.
bool Same(const json::value& a, const json::value& b) {
  if (a.is_double() && b.is_double()) {
    return a.get_double() == b.get_double() ||
           (std::isnan(a.get_double()) && std::isnan(b.get_double()));
  }
  if (a.is_array() && b.is_array()) {
    const auto& x = a.get_array();
    const auto& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!Same(x[i], y[i])) return false;
    }
    return true;
  }
  if (a.is_object() && b.is_object()) {
    const auto& x = a.get_object();
    const auto& y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& kv : x) {
      const json::value* other = y.if_contains(kv.key());
      if (other == nullptr || !Same(kv.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

// The rewritten body must parse, hold `model` as its "model", and otherwise equal `original`.
void CheckRewritten(const json::object& original, const std::string& out, std::string_view model) {
  boost::system::error_code ec;
  json::value doc = json::parse(out, ec);
  FUZZ_CHECK(!ec, "rewritten body is not JSON", out);
  FUZZ_CHECK(doc.is_object(), "rewritten body is not an object", out);
  const json::object& obj = doc.get_object();
  const json::value* m = obj.if_contains("model");
  FUZZ_CHECK(m != nullptr && m->is_string(), "rewritten body lost \"model\"", out);
  FUZZ_CHECK(std::string_view(m->get_string()) == model, "rewritten model differs", out);
  FUZZ_CHECK(obj.size() == original.size(), "rewritten body has different members", out);
  for (const auto& kv : original) {
    if (kv.key() == "model") continue;
    const json::value* v = obj.if_contains(kv.key());
    FUZZ_CHECK(v != nullptr && Same(*v, kv.value()), "rewritten body changed another member", out);
  }
  auto again = warden::proxy::FindModelField(out);
  FUZZ_CHECK(again.has_value(), "FindModelField rejects its own rewrite", out);
  FUZZ_CHECK(again->value == model, "FindModelField reads a different model after rewrite", out);
}

// Open finding model-dom-reserialize: when the model literal has an escape, ReplaceModel
// re-serialises the whole document, and a number that does not survive Boost.JSON 1.81's
// serialize→parse (1e400 → "Infinity" and 0e400 → "NaN", which are not JSON; 10e24 →
// 9.999999999999999E24; 18446744073709551616 → 1.8446744073709552E19) changes or breaks the body
// sent upstream.
[[maybe_unused]] bool HasUnstableNumber(const json::value& v) {
  switch (v.kind()) {
    case json::kind::double_: {
      boost::system::error_code ec;
      json::value back = json::parse(json::serialize(v), ec);
      return ec || back != v;
    }
    case json::kind::array:
      for (const auto& e : v.get_array()) {
        if (HasUnstableNumber(e)) return true;
      }
      return false;
    case json::kind::object:
      for (const auto& kv : v.get_object()) {
        if (HasUnstableNumber(kv.value())) return true;
      }
      return false;
    default:
      return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = AsView(data, size);
  {
    using warden::proxy::EscapeScan;
    using warden::proxy::ValidStringEscapesWith;
    FUZZ_CHECK(ValidStringEscapesWith(EscapeScan::kPortable, body) ==
                   ValidStringEscapesWith(EscapeScan::kAvx512, body),
               "the two escape scans disagree", body);
  }
  auto field = warden::proxy::FindModelField(body);
  {
    std::string padded(body);
    padded.append(64, '\0');
    auto in_place = warden::proxy::FindModelField(std::string_view(padded.data(), size), 64);
    FUZZ_CHECK(in_place.has_value() == field.has_value(), "in-place scan disagrees", body);
    if (field) {
      FUZZ_CHECK(in_place->value == field->value && in_place->span_begin == field->span_begin &&
                     in_place->span_end == field->span_end,
                 "in-place scan finds another model", body);
    } else {
      FUZZ_CHECK(in_place.error().code == field.error().code &&
                     in_place.error().message == field.error().message,
                 "in-place scan refuses differently", body);
    }
  }

  boost::system::error_code ec;
  json::value dom = json::parse(body, ec);
  if (!field) {
    using warden::ErrorCode;
    const ErrorCode code = field.error().code;
    FUZZ_CHECK(code == ErrorCode::kBodyInvalidJson || code == ErrorCode::kBodyNotObject ||
                   code == ErrorCode::kModelMissing || code == ErrorCode::kModelDuplicate ||
                   code == ErrorCode::kModelNotString,
               "unexpected error code", std::string(field.error().CodeName()));
    if (code == ErrorCode::kBodyInvalidJson)
      FUZZ_CHECK(ec.failed(), "DOM accepts what the scanner refuses");
    if (code != ErrorCode::kBodyInvalidJson)
      FUZZ_CHECK(!ec.failed(), "scanner accepts what the DOM refuses");
    return 0;
  }
  FUZZ_CHECK(!ec.failed(), "scanner accepts what the DOM refuses", ec.message());
  FUZZ_CHECK(dom.is_object());
  const json::object& obj = dom.get_object();
  const json::value* m = obj.if_contains("model");
  FUZZ_CHECK(m != nullptr && m->is_string(), "DOM has no string model");
  FUZZ_CHECK(std::string_view(m->get_string()) == field->value,
             "scanner and DOM disagree on model");

  if (field->span_end > field->span_begin) {
    FUZZ_CHECK(field->span_end <= body.size(), "span past the end");
    FUZZ_CHECK(body[field->span_begin] == '"' && body[field->span_end - 1] == '"',
               "span is not a string literal");
    // Same value → same bytes (when the literal was written without escapes), and every byte
    // outside the span is kept whatever the literal looked like.
    std::string same = warden::proxy::ReplaceModel(body, *field, field->value);
    const std::string literal = boost::json::serialize(boost::json::string(field->value));
    if (body.substr(field->span_begin, field->span_end - field->span_begin) == literal) {
      FUZZ_CHECK(same == body, "ReplaceModel with the same value changed the body");
    }
    FUZZ_CHECK(same.compare(0, field->span_begin, body, 0, field->span_begin) == 0 &&
                   same.size() >= body.size() - (field->span_end - field->span_begin) &&
                   same.compare(same.size() - (body.size() - field->span_end), std::string::npos,
                                body, field->span_end, std::string::npos) == 0,
               "ReplaceModel changed bytes outside the model literal");
  } else {
    FUZZ_CHECK(field->span_begin == 0 && field->span_end == 0, "inverted span");
    CheckRewritten(obj, warden::proxy::ReplaceModel(body, *field, field->value), field->value);
  }

  // PlanProxy: the upstream receives the model part of "provider/model".
  if (auto ref = warden::config::ParseModelRef(field->value)) {
    FUZZ_CHECK(!ref->provider.empty() && !ref->model.empty());
    CheckRewritten(obj, warden::proxy::ReplaceModel(body, *field, ref->model), ref->model);
  }
  // Values needing escapes (valid UTF-8: ReplaceModel serialises, it does not validate).
  for (std::string_view model :
       {std::string_view("a\"b\\c"), std::string_view("\n\x01\x7f"),
        std::string_view("caf\xc3\xa9/\xe2\x82\xac"), std::string_view()}) {
    CheckRewritten(obj, warden::proxy::ReplaceModel(body, *field, model), model);
  }
  return 0;
}
