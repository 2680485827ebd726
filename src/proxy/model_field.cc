#include "proxy/model_field.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <simdjson.h>

#include "base/strings.hpp"
#include "proxy/json_tokens.hpp"

namespace warden::proxy {

namespace {

// Boost.JSON's SAX parser, for a body whose strings have no escapes. It reads such strings as
// views of the input, 16 bytes per step (SSE2). A string with an escape it decodes byte by byte
// into its own buffer, at about 3 ns a byte: a real agent turn (code and multi-line prompts, a
// `\n` or `\"` every few dozen bytes) cost ~185 µs per 60 KB that way. So the handler stops at the
// first string it is not given as a view of the input, and the body goes to EscapedScan below.
struct ModelHandler {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  std::string_view input;
  int depth = 0;
  bool root_is_object = false;
  bool at_model_key = false;  // the last top-level key was "model" and its value is next
  bool model_seen = false;
  bool duplicate = false;
  bool model_is_string = false;
  bool escaped = false;  // stopped at a string with an escape: EscapedScan decides
  std::string_view model;

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) {
    if (depth == 0) root_is_object = true;
    ValueSeen(false);
    ++depth;
    return true;
  }
  bool on_object_end(std::size_t, boost::system::error_code&) {
    --depth;
    return true;
  }
  bool on_array_begin(boost::system::error_code&) {
    ValueSeen(false);
    ++depth;
    return true;
  }
  bool on_array_end(std::size_t, boost::system::error_code&) {
    --depth;
    return true;
  }
  // A part arrives only before an escape (or from the parser's own buffer after one).
  bool on_key_part(std::string_view, std::size_t, boost::system::error_code&) { return Stop(); }
  bool on_string_part(std::string_view, std::size_t, boost::system::error_code&) { return Stop(); }
  bool on_key(std::string_view s, std::size_t, boost::system::error_code&) {
    if (!InInput(s)) return Stop();
    if (depth == 1) at_model_key = s == "model";
    return true;
  }
  bool on_string(std::string_view s, std::size_t, boost::system::error_code&) {
    if (!InInput(s)) return Stop();
    if (depth == 1 && at_model_key) {
      model = s;
      ValueSeen(true);
    }
    return true;
  }
  bool on_number_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_int64(std::int64_t, std::string_view, boost::system::error_code&) { return Scalar(); }
  bool on_uint64(std::uint64_t, std::string_view, boost::system::error_code&) { return Scalar(); }
  bool on_double(double, std::string_view, boost::system::error_code&) { return Scalar(); }
  bool on_bool(bool, boost::system::error_code&) { return Scalar(); }
  bool on_null(boost::system::error_code&) { return Scalar(); }
  bool on_comment_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_comment(std::string_view, boost::system::error_code&) { return true; }

  bool InInput(std::string_view s) const {
    return s.data() >= input.data() && s.data() + s.size() <= input.data() + input.size();
  }
  bool Stop() {
    escaped = true;
    return false;
  }
  bool Scalar() {
    ValueSeen(false);
    return true;
  }
  void ValueSeen(bool is_string) {
    if (depth == 1 && at_model_key) {
      if (model_seen) duplicate = true;  // ambiguous: parsers disagree on which one wins
      model_seen = true;
      model_is_string = is_string;
      at_model_key = false;
    }
  }
};

// What either scan found; FindModelField turns it into the result.
struct Scan {
  bool root_is_object = false;
  bool model_seen = false;
  bool duplicate = false;
  bool model_is_string = false;
  std::string model;           // decoded
  std::size_t span_begin = 0;  // the literal, quotes included
  std::size_t span_end = 0;
};

Error InvalidJson(std::string_view reason, std::size_t offset) {
  return Error::Make(ErrorCode::kBodyInvalidJson, "request body is not valid JSON (" +
                                                      std::string(reason) + " at byte " +
                                                      std::to_string(offset) + ")");
}

// The same verdicts as the SAX pass for the bodies with escapes, from simdjson's On-Demand
// parser: its first stage validates UTF-8, refuses control characters in strings and indexes
// every structural character 64 bytes per step whatever the strings hold; the walk below then
// visits every value, so each one is validated (simdjson leaves values it is not asked for
// unchecked). The escapes are checked in one pass over the whole body, the numbers one by one, in
// place (proxy/json_tokens.*) by the rules Boost.JSON applies, so that both paths accept exactly
// the same documents. A backslash outside a string needs no escape rule: it is part of a token
// the walk refuses. Only the top level's keys are decoded (one may spell "model" with escapes).
namespace od = simdjson::ondemand;

constexpr int kMaxDepth = 32;  // boost::json::parse_options{}.max_depth: the SAX pass's limit

// A string value's literal, quotes included: its raw token up to the closing quote (the token
// runs to the next structural character, so whitespace may follow the quote).
std::string_view StringLiteral(std::string_view token) {
  while (token.size() > 1 && token.back() != '"') token.remove_suffix(1);
  return token;
}

simdjson::error_code Validate(od::value value, int depth);

simdjson::error_code ValidateObject(od::object object, int depth) {
  for (auto member : object) {
    od::field field;
    if (auto error = std::move(member).get(field)) return error;
    if (auto error = Validate(field.value(), depth)) return error;
  }
  return simdjson::SUCCESS;
}

// `depth`: the nesting of `value` itself (the root is 1).
simdjson::error_code Validate(od::value value, int depth) {
  od::json_type type;
  if (auto error = value.type().get(type)) return error;
  switch (type) {
    case od::json_type::object: {
      if (depth > kMaxDepth) return simdjson::DEPTH_ERROR;
      od::object object;
      if (auto error = value.get_object().get(object)) return error;
      return ValidateObject(object, depth + 1);
    }
    case od::json_type::array: {
      if (depth > kMaxDepth) return simdjson::DEPTH_ERROR;
      od::array array;
      if (auto error = value.get_array().get(array)) return error;
      for (auto element : array) {
        od::value child;
        if (auto error = std::move(element).get(child)) return error;
        if (auto error = Validate(child, depth + 1)) return error;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string: {
      // Consumed, not left for the iterator to skip: its skip takes a string followed by ':'
      // for a key, and would let `["a":1}]` through. (Its escapes: the whole-body pass.)
      od::raw_json_string consumed;
      return value.get_raw_json_string().get(consumed);
    }
    case od::json_type::number:
      return ValidNumberToken(value.raw_json_token()) ? simdjson::SUCCESS : simdjson::NUMBER_ERROR;
    case od::json_type::boolean: {
      bool flag;
      return value.get_bool().get(flag);
    }
    case od::json_type::null: {
      bool null = false;
      if (auto error = value.is_null().get(null)) return error;
      return null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

// A parser and a padded copy of the body per thread, kept between requests unless a large body
// grew them (simdjson reads up to 64 bytes past the end, so a body without that many zeroed
// bytes after it is copied). The parser's index takes up to 4 bytes per body byte (a body of
// nothing but commas and digits).
struct EscapedScanMemory {
  static constexpr std::size_t kKeptBytes = std::size_t(256) << 10;
  od::parser parser;
  std::string padded;
};

Result<Scan> EscapedScanWith(EscapedScanMemory& memory, std::string_view body,
                             std::size_t zeroed_after) {
  const char* base = body.data();
  std::size_t capacity = body.size() + zeroed_after;
  if (zeroed_after < simdjson::SIMDJSON_PADDING) {
    memory.padded.resize(body.size() + simdjson::SIMDJSON_PADDING);
    std::memcpy(memory.padded.data(), body.data(), body.size());
    std::memset(memory.padded.data() + body.size(), 0, simdjson::SIMDJSON_PADDING);
    base = memory.padded.data();
    capacity = memory.padded.size();
  }
  auto fail = [&](simdjson::error_code error, od::document& doc) -> Error {
    const char* at = nullptr;
    std::size_t offset = body.size();
    if (!doc.current_location().get(at) && at >= base && at <= base + body.size()) {
      offset = std::size_t(at - base);
    }
    return InvalidJson(simdjson::error_message(error), offset);
  };

  if (const std::size_t at = InvalidEscapeOffset(body); at != std::string_view::npos) {
    return InvalidJson("invalid escape", at);
  }
  od::document doc;
  if (auto error = memory.parser.iterate(simdjson::padded_string_view(base, body.size(), capacity))
                       .get(doc)) {
    return InvalidJson(simdjson::error_message(error), 0);
  }
  Scan scan;
  od::json_type type;
  if (auto error = doc.type().get(type)) return fail(error, doc);
  simdjson::error_code error = simdjson::SUCCESS;
  if (type == od::json_type::object) {
    scan.root_is_object = true;
    od::object object;
    if ((error = doc.get_object().get(object))) return fail(error, doc);
    // (An iterator must not be advanced past an error: each failure leaves the loop at once.)
    for (auto member : object) {
      od::field field;
      std::string_view key;
      if ((error = std::move(member).get(field)) || (error = field.unescaped_key().get(key))) {
        break;
      }
      od::value value = field.value();
      if (key != "model") {
        if ((error = Validate(value, 2))) break;
        continue;
      }
      if (scan.model_seen) scan.duplicate = true;
      scan.model_seen = true;
      if ((error = value.type().get(type))) break;
      scan.model_is_string = type == od::json_type::string;
      if (!scan.model_is_string) {
        if ((error = Validate(value, 2))) break;
        continue;
      }
      const std::string_view literal = StringLiteral(value.raw_json_token());
      std::string_view decoded;
      if ((error = value.get_string().get(decoded))) break;
      scan.model.assign(decoded);
      scan.span_begin = std::size_t(literal.data() - base);
      scan.span_end = scan.span_begin + literal.size();
    }
  } else if (type == od::json_type::array) {
    od::array array;
    if ((error = doc.get_array().get(array))) return fail(error, doc);
    for (auto element : array) {
      od::value child;
      if ((error = std::move(element).get(child)) || (error = Validate(child, 2))) break;
    }
  } else if (type == od::json_type::string) {
    std::string_view text;
    error = doc.get_string().get(text);
  } else {
    // A number, true, false or null at the root: the SAX pass never hands such a body over (it
    // stops only inside a string, and a root scalar leaves no room for one), and simdjson's root
    // scalars read what follows them loosely ("true\n" refused, "nullu" taken). So Boost.JSON
    // decides: the body has no string to make that slow.
    boost::system::error_code ec;
    boost::json::parse(body, ec);
    if (ec) return InvalidJson(ec.message(), 0);
    return scan;
  }
  if (error) return fail(error, doc);
  const char* trailing = nullptr;
  if (!doc.current_location().get(trailing)) {
    return InvalidJson("extra data", std::size_t(trailing - base));
  }
  return scan;
}

Result<Scan> EscapedScan(std::string_view body, std::size_t zeroed_after) {
  thread_local EscapedScanMemory memory;
  Result<Scan> scan = EscapedScanWith(memory, body, zeroed_after);
  if (memory.padded.capacity() > EscapedScanMemory::kKeptBytes) {
    memory.parser = od::parser();
    std::string().swap(memory.padded);
  }
  return scan;
}

Result<Scan> SaxScan(std::string_view body, bool& escaped) {
  boost::json::basic_parser<ModelHandler> parser(boost::json::parse_options{});
  ModelHandler& h = parser.handler();
  h.input = body;
  boost::system::error_code ec;
  std::size_t n = parser.write_some(false, body.data(), body.size(), ec);
  escaped = h.escaped;
  if (escaped) return Scan{};
  if (!ec && n < body.size()) ec = boost::json::error::extra_data;
  if (ec) return InvalidJson(ec.message(), n);
  Scan scan{h.root_is_object, h.model_seen, h.duplicate, h.model_is_string, {}, 0, 0};
  if (h.model_is_string) {
    scan.model.assign(h.model);
    scan.span_begin = std::size_t(h.model.data() - body.data()) - 1;
    scan.span_end = scan.span_begin + h.model.size() + 2;
  }
  return scan;
}

}  // namespace

Result<ModelField> FindModelField(std::string_view body, std::size_t zeroed_after) {
  bool escaped = false;
  Result<Scan> scan = SaxScan(body, escaped);
  if (escaped) scan = EscapedScan(body, zeroed_after);
  if (!scan) return scan.error();
  const Scan& s = *scan;
  if (!s.root_is_object)
    return Error::Make(ErrorCode::kBodyNotObject, "request body must be a JSON object");
  if (!s.model_seen)
    return Error::Make(ErrorCode::kModelMissing, "request body has no \"model\" field");
  if (s.duplicate)
    return Error::Make(ErrorCode::kModelDuplicate,
                       "request body has more than one \"model\" field");
  if (!s.model_is_string)
    return Error::Make(ErrorCode::kModelNotString, "\"model\" must be a string");
  return ModelField{s.model, s.span_begin, s.span_end};
}

std::string BodyPieces::ToString() const {
  std::string out;
  out.reserve(size());
  out.append(before);
  out.append(literal);
  out.append(after);
  return out;
}

BodyPieces Unchanged(std::string_view body) { return BodyPieces{body, {}, {}}; }

namespace {

// The JSON string literal of `model`. A name of printable ASCII without '"' or '\\' (every model
// name seen in practice) is its bytes in quotes; anything else goes through Boost.JSON's
// serializer, which costs a string and a serializer per request.
std::string ModelLiteral(std::string_view model) {
  const bool plain = std::all_of(model.begin(), model.end(), [](char ch) {
    return ch >= 0x20 && ch <= 0x7e && ch != '"' && ch != '\\';
  });
  if (!plain) return boost::json::serialize(boost::json::string(model));
  return Quoted(model);
}

}  // namespace

BodyPieces RewriteModel(std::string_view body, const ModelField& field, std::string_view model) {
  return BodyPieces{body.substr(0, field.span_begin), ModelLiteral(model),
                    body.substr(field.span_end)};
}

std::string ReplaceModel(std::string_view body, const ModelField& field, std::string_view model) {
  return RewriteModel(body, field, model).ToString();
}

}  // namespace warden::proxy
