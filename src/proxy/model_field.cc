#include "proxy/model_field.hpp"

#include <tuple>
#include <utility>

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

namespace warden::proxy {

namespace {

// SAX handler: tracks nesting depth and captures the top-level "model" value.
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
  bool model_escaped = false;  // value arrived in parts or outside the input buffer
  std::string key_buf;
  std::string model;
  const char* model_ptr = nullptr;

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
  bool on_key_part(std::string_view s, std::size_t, boost::system::error_code&) {
    if (depth == 1) key_buf.append(s);
    return true;
  }
  bool on_key(std::string_view s, std::size_t, boost::system::error_code&) {
    if (depth == 1) {
      key_buf.append(s);
      at_model_key = key_buf == "model";
      key_buf.clear();
    }
    return true;
  }
  bool on_string_part(std::string_view s, std::size_t, boost::system::error_code&) {
    if (depth == 1 && at_model_key) {
      model.append(s);
      model_escaped = true;
    }
    return true;
  }
  bool on_string(std::string_view s, std::size_t, boost::system::error_code&) {
    if (depth == 1 && at_model_key) {
      model.append(s);
      if (!model_escaped && s.data() >= input.data() &&
          s.data() + s.size() <= input.data() + input.size()) {
        model_ptr = s.data();
      } else {
        model_escaped = true;
      }
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

  bool Scalar() {
    ValueSeen(false);
    return true;
  }
  void ValueSeen(bool is_string) {
    if (depth == 1 && at_model_key) {
      if (model_seen) duplicate = true;  // ambiguous: parsers disagree on which one wins
      model_seen = true;
      model_is_string = is_string;
      if (!is_string) model.clear();
      at_model_key = false;
    }
  }
};

// Raw scanning of a body the SAX pass has already validated, to find the byte span of the
// top-level "model" value when the parser could not point at it (an escaped key or value). Only
// valid JSON reaches these functions, so they need no error handling beyond staying in bounds.
std::size_t SkipSpace(std::string_view body, std::size_t i) {
  while (i < body.size() &&
         (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r')) {
    ++i;
  }
  return i;
}

// `i` at an opening quote; returns the index one past the closing quote.
std::size_t EndOfString(std::string_view body, std::size_t i) {
  for (++i; i < body.size(); ++i) {
    if (body[i] == '\\') {
      ++i;
    } else if (body[i] == '"') {
      return i + 1;
    }
  }
  return body.size();
}

// `i` at the first byte of a value; returns the index one past its end.
std::size_t EndOfValue(std::string_view body, std::size_t i) {
  if (i >= body.size()) return i;
  if (body[i] == '"') return EndOfString(body, i);
  if (body[i] != '{' && body[i] != '[') {
    while (i < body.size() && body[i] != ',' && body[i] != '}' && body[i] != ']' &&
           body[i] != ' ' && body[i] != '\t' && body[i] != '\n' && body[i] != '\r') {
      ++i;
    }
    return i;
  }
  int depth = 0;
  while (i < body.size()) {
    const char c = body[i];
    if (c == '"') {
      i = EndOfString(body, i);
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if ((c == '}' || c == ']') && --depth == 0) return i + 1;
    ++i;
  }
  return i;
}

// Whether the raw key literal (without its quotes) decodes to "model". Any escape that does not
// decode to an ASCII letter of "model" makes it another key.
bool KeyIsModel(std::string_view raw) {
  constexpr std::string_view kModel = "model";
  std::size_t matched = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\\') {
      if (i + 1 >= raw.size()) return false;
      const char e = raw[++i];
      if (e != 'u' || i + 4 >= raw.size()) return false;  // \n, \" ... are not in "model"
      unsigned value = 0;
      for (int k = 1; k <= 4; ++k) {
        const char h = raw[i + k];
        const int digit = h >= '0' && h <= '9'   ? h - '0'
                          : h >= 'a' && h <= 'f' ? h - 'a' + 10
                          : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                                 : -1;
        if (digit < 0) return false;
        value = value * 16 + unsigned(digit);
      }
      i += 4;
      if (value >= 0x80) return false;
      c = static_cast<char>(value);
    }
    if (matched >= kModel.size() || c != kModel[matched]) return false;
    ++matched;
  }
  return matched == kModel.size();
}

// [begin, end) of the top-level "model" value's literal, or {0, 0} when there is none.
std::pair<std::size_t, std::size_t> ScanModelSpan(std::string_view body) {
  std::size_t i = SkipSpace(body, 0);
  if (i >= body.size() || body[i] != '{') return {0, 0};
  i = SkipSpace(body, i + 1);
  while (i < body.size() && body[i] == '"') {
    const std::size_t key_end = EndOfString(body, i);
    const bool is_model = KeyIsModel(body.substr(i + 1, key_end - i - 2));
    i = SkipSpace(body, SkipSpace(body, key_end) + 1);  // past the ':'
    const std::size_t value_end = EndOfValue(body, i);
    if (is_model) return {i, value_end};
    i = SkipSpace(body, value_end);
    if (i < body.size() && body[i] == ',') i = SkipSpace(body, i + 1);
  }
  return {0, 0};
}

}  // namespace

Result<ModelField> FindModelField(std::string_view body) {
  boost::json::basic_parser<ModelHandler> parser(boost::json::parse_options{});
  parser.handler().input = body;
  boost::system::error_code ec;
  std::size_t n = parser.write_some(false, body.data(), body.size(), ec);
  if (!ec && n < body.size()) ec = boost::json::error::extra_data;
  if (ec) {
    return Error::Make(
        ErrorCode::kBodyInvalidJson,
        "request body is not valid JSON (" + ec.message() + " at byte " + std::to_string(n) + ")");
  }
  const ModelHandler& h = parser.handler();
  if (!h.root_is_object)
    return Error::Make(ErrorCode::kBodyNotObject, "request body must be a JSON object");
  if (!h.model_seen)
    return Error::Make(ErrorCode::kModelMissing, "request body has no \"model\" field");
  if (h.duplicate)
    return Error::Make(ErrorCode::kModelDuplicate,
                       "request body has more than one \"model\" field");
  if (!h.model_is_string)
    return Error::Make(ErrorCode::kModelNotString, "\"model\" must be a string");
  ModelField field;
  field.value = h.model;
  if (h.model_ptr != nullptr) {
    field.span_begin = std::size_t(h.model_ptr - body.data()) - 1;
    field.span_end = field.span_begin + h.model.size() + 2;
  } else {
    // An escaped value (or key): the parser decoded it into its own buffer, so find the raw
    // literal by scanning the (already validated) body once more — never a DOM parse.
    std::tie(field.span_begin, field.span_end) = ScanModelSpan(body);
  }
  return field;
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

BodyPieces RewriteModel(std::string_view body, const ModelField& field, std::string_view model) {
  return BodyPieces{body.substr(0, field.span_begin),
                    boost::json::serialize(boost::json::string(model)),
                    body.substr(field.span_end)};
}

std::string ReplaceModel(std::string_view body, const ModelField& field, std::string_view model) {
  return RewriteModel(body, field, model).ToString();
}

}  // namespace warden::proxy
