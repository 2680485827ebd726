#include "proxy/model_field.hpp"

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
  bool at_model_key = false;   // the last top-level key was "model" and its value is next
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
      if (!model_escaped && s.data() >= input.data() && s.data() + s.size() <= input.data() + input.size()) {
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

}  // namespace

Result<ModelField> FindModelField(std::string_view body) {
  boost::json::basic_parser<ModelHandler> parser(boost::json::parse_options{});
  parser.handler().input = body;
  boost::system::error_code ec;
  std::size_t n = parser.write_some(false, body.data(), body.size(), ec);
  if (!ec && n < body.size()) ec = boost::json::error::extra_data;
  if (ec) {
    return Error::Make(ErrorCode::kBodyInvalidJson, "request body is not valid JSON (" + ec.message() +
                                                " at byte " + std::to_string(n) + ")");
  }
  const ModelHandler& h = parser.handler();
  if (!h.root_is_object) return Error::Make(ErrorCode::kBodyNotObject, "request body must be a JSON object");
  if (!h.model_seen) return Error::Make(ErrorCode::kModelMissing, "request body has no \"model\" field");
  if (h.duplicate) return Error::Make(ErrorCode::kModelDuplicate, "request body has more than one \"model\" field");
  if (!h.model_is_string) return Error::Make(ErrorCode::kModelNotString, "\"model\" must be a string");
  ModelField field;
  field.value = h.model;
  if (h.model_ptr != nullptr) {
    field.span_begin = std::size_t(h.model_ptr - body.data()) - 1;
    field.span_end = field.span_begin + h.model.size() + 2;
  } else {
    // The value had escapes, so the parser handed it over decoded (in parts, or from its own
    // buffer): the decoded text does not occur verbatim in the body and has no span to splice.
    // Span 0/0 tells ReplaceModel to re-serialise the document instead.
    field.span_begin = field.span_end = 0;
  }
  return field;
}

std::string ReplaceModel(std::string_view body, const ModelField& field, std::string_view model) {
  std::string literal = boost::json::serialize(boost::json::string(model));
  if (field.span_end > field.span_begin) {
    std::string out;
    out.reserve(body.size() - (field.span_end - field.span_begin) + literal.size());
    out.append(body.substr(0, field.span_begin));
    out.append(literal);
    out.append(body.substr(field.span_end));
    return out;
  }
  // The original value had escapes; re-serialise the document (rare path).
  boost::json::value doc = boost::json::parse(body);
  doc.as_object()["model"] = model;
  return boost::json::serialize(doc);
}

}  // namespace warden::proxy
