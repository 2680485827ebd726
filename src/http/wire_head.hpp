// HTTP/1.x message heads as bytes, for the proxied request path: a status line and fields
// appended to one contiguous buffer, and the chunk framing of a relayed body. The proxy writes a
// head and the first body bytes with one gather write instead of running Beast's serializer, whose
// buffer-sequence iterators cost more CPU than the copy. Thread safety: pure functions. Ownership:
// appends to the caller's buffer (reused per connection, so steady-state requests allocate nothing
// here).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "http/net.hpp"

namespace warden::http {

// Appends "HTTP/1.1 code reason\r\n" (the reason Beast would write, "<unknown-status>" for a
// code it does not know) and one "name: value\r\n" field; the head ends with kCrlf.
void AppendStatusLine(unsigned status, std::string& out);
void AppendField(std::string_view name, std::string_view value, std::string& out);

// The line that opens a chunk of `size` bytes ("1a2b\r\n"), written into `out`; returns it.
std::string_view ChunkSizeLine(std::size_t size, std::array<char, 24>& out);
inline constexpr std::string_view kCrlf = "\r\n";
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace warden::http
