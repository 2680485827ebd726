// Request: a caller's request as the session read it — the request line, the fields in arrival
// order (HeadFields) and the body — in memory one connection reuses from request to request
// (RequestParser fills it; http/server.cc keeps one per session). No Beast message: Beast's
// would allocate the target, one element per field and the body anew for every request.
// Ownership: the views it returns point into it and last until the next request is parsed into
// it (Clear). A copy owns its own memory.
// Thread safety: none; like the session that owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/head_fields.hpp"
#include "http/net.hpp"

namespace warden::http {

class Request {
 public:
  net::http::verb method() const { return method_; }  // verb::unknown for other methods
  std::string_view method_string() const { return std::string_view(line_).substr(0, method_size_); }
  std::string_view target() const { return std::string_view(line_).substr(method_size_); }
  unsigned version() const { return version_; }  // 10 or 11 (other versions fail framing)
  // Whether the caller allows another request on the connection: HTTP/1.1 unless a Connection
  // field says "close", HTTP/1.0 only if one says "keep-alive" (and none "close"); every
  // Connection field counts. A handler may override it.
  bool keep_alive() const { return keep_alive_; }
  void keep_alive(bool keep) { keep_alive_ = keep; }

  const HeadFields& fields() const { return fields_; }
  HeadFields& fields() { return fields_; }
  // The first value of a field, or empty.
  std::string_view operator[](net::http::field id) const { return fields_.Get(id); }
  std::string_view operator[](std::string_view name) const { return fields_.Get(name); }

  std::string_view body() const {
    const auto bytes = body_.data();
    return {static_cast<const char*>(bytes.data()), bytes.size()};
  }
  // Replaces the body (tests and builders; RequestParser appends).
  void SetBody(std::string_view body);
  // Makes room for a body of `bytes` in all (the parser has checked it against body_limit), and
  // for the padding after it.
  void ReserveBody(std::size_t bytes) { body_.reserve(bytes + kBodyPadding); }
  // Appends `bytes` to the body. Bytes read straight into BodyRoom() are already in place: they
  // are only counted, not copied.
  void AppendBody(std::string_view bytes);
  // The reserved memory after the body, at most `max` bytes (empty when none is reserved), for
  // a read straight into the request. Valid until the next body call or Clear.
  net::asio::mutable_buffer BodyRoom(std::size_t max);

  // Zeroed bytes kept after a complete body, so a parser reading ahead in blocks (the JSON pass
  // that finds the model reads up to 64 bytes past its input) needs no padded copy of it.
  static constexpr std::size_t kBodyPadding = 64;
  // Makes kBodyPadding zeroed bytes follow the body in memory (the parser calls it when the
  // request is complete). The body's bytes stay where they are unless it had no room for them.
  void PadBody();
  // kBodyPadding once PadBody ran and the body has not changed since, else 0.
  std::size_t body_padding() const { return padded_ ? kBodyPadding : 0; }

  // Sets the request line. `verb` is Beast's enum for `method` (the parser knows it); the other
  // overload looks it up (tests and builders).
  void SetLine(net::http::verb verb, std::string_view method, std::string_view target,
               unsigned version);
  void SetLine(std::string_view method, std::string_view target, unsigned version) {
    SetLine(net::http::string_to_verb(method), method, target, version);
  }
  // Forgets the request; its memory is kept for the next one unless, line, fields and body
  // together, it grew past HeadFields::kKeptBytes.
  void Clear();
  std::size_t held_bytes() const {
    return line_.capacity() + fields_.held_bytes() + body_.capacity();
  }

 private:
  std::string line_;  // the method, then the target
  std::uint32_t method_size_ = 0;
  net::http::verb method_ = net::http::verb::unknown;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool padded_ = false;  // PadBody ran since the body last changed
  HeadFields fields_;
  // A buffer rather than a string: its memory can be written by a read before it is counted
  // (a string would have to be zero-filled first, or copied into).
  net::beast::flat_buffer body_;
};

}  // namespace warden::http
