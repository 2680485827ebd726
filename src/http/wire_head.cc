#include "http/wire_head.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace warden::http {

namespace bhttp = net::http;

void AppendStatusLine(unsigned status, std::string& out) {
  out.append("HTTP/1.1 ");
  std::array<char, 8> code{};
  const auto [end, ec] = std::to_chars(code.data(), code.data() + code.size(), status);
  out.append(code.data(), end);
  out.push_back(' ');
  out.append(bhttp::obsolete_reason(bhttp::int_to_status(status)));
  out.append(kCrlf);
}

void AppendField(std::string_view name, std::string_view value, std::string& out) {
  // One growth check and four copies, not four appends (a response head appends ~10 fields).
  const std::size_t at = out.size();
  const std::size_t size = name.size() + 2 + value.size() + kCrlf.size();
  if (out.capacity() - at < size) out.reserve(std::max(at + size, 2 * out.capacity()));
  out.resize(at + size);
  char* p = out.data() + at;
  std::memcpy(p, name.data(), name.size());
  p += name.size();
  *p++ = ':';
  *p++ = ' ';
  std::memcpy(p, value.data(), value.size());
  p += value.size();
  *p++ = '\r';
  *p = '\n';
}

std::string_view ChunkSizeLine(std::size_t size, std::array<char, 24>& out) {
  const auto [end, ec] = std::to_chars(out.data(), out.data() + out.size() - 2, size, 16);
  end[0] = '\r';
  end[1] = '\n';
  return {out.data(), static_cast<std::size_t>(end + 2 - out.data())};
}

}  // namespace warden::http
