// Finding and rewriting the top-level "model" of a JSON request body in one pass.
//
// The whole body is validated (strict RFC 8259, Boost.JSON's limits), in one of two passes:
// Boost.JSON's SAX parser while no string has an escape (no DOM, no allocation per value), else
// simdjson's On-Demand parser walking every value with the escapes checked in place (Boost.JSON
// decodes an escaped string byte by byte: ~185 µs for a 60 KB agent turn quoting code, against
// ~20). Both accept the same documents; the differential fuzzer and tests hold them to it. The
// top-level "model" string is located by its byte span in the input so it can be replaced without
// re-serialising the rest of the document (the upstream receives the caller's bytes).
// Ownership: none; results hold offsets into, views of, or copies of, the caller's body.
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace warden::proxy {

struct ModelField {
  std::string value;           // the decoded string
  std::size_t span_begin = 0;  // byte offset of the opening quote in the body
  std::size_t span_end = 0;    // one past the closing quote
};

// Errors (code → caller message):
//   BODY_INVALID_JSON  — not a JSON document (message has the parser's reason and offset)
//   BODY_NOT_OBJECT    — the document is not an object
//   MODEL_MISSING      — no top-level "model"
//   MODEL_NOT_STRING   — "model" is not a string
// `zeroed_after`: how many zeroed bytes follow `body` in memory. With 64 or more
// (http::Request::body_padding()) the escaped pass reads the body where it is; with less it reads
// a zero-padded copy. Either way simdjson sees the same bytes. (Zeros, not any bytes: simdjson
// reads into the padding, and other contents there changed which error a malformed body got.)
Result<ModelField> FindModelField(std::string_view body, std::size_t zeroed_after = 0);

// The body sent upstream, as pieces over the caller's bytes: what precedes the model literal, the
// new literal, what follows. The proxy writes the pieces with one gather write, so a large
// prompt is never copied. The views point into the caller's body, which must outlive this.
struct BodyPieces {
  std::string_view before;
  std::string literal;
  std::string_view after;

  std::size_t size() const { return before.size() + literal.size() + after.size(); }
  bool empty() const { return size() == 0; }
  std::string ToString() const;
};

// The body unchanged (one piece).
BodyPieces Unchanged(std::string_view body);
// body with the [span_begin, span_end) bytes replaced by the JSON string literal of `model`.
BodyPieces RewriteModel(std::string_view body, const ModelField& field, std::string_view model);
// The same, as one string.
std::string ReplaceModel(std::string_view body, const ModelField& field, std::string_view model);

}  // namespace warden::proxy
