#include "http/wire_head.hpp"

#include <charconv>

namespace warden::http {
namespace {

namespace bhttp = net::http;

void AppendVersion(unsigned version, std::string& out) {
  out.append(version == 10 ? "HTTP/1.0" : "HTTP/1.1");
}

void AppendFields(const bhttp::fields& fields, std::string& out) {
  for (const auto& f : fields) AppendField(f.name_string(), f.value(), out);
  out.append(kCrlf);
}

}  // namespace

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
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append(kCrlf);
}

void SerializeHead(const bhttp::request_header<>& head, std::string& out) {
  out.clear();
  out.append(head.method_string());
  out.push_back(' ');
  out.append(head.target());
  out.push_back(' ');
  AppendVersion(head.version(), out);
  out.append(kCrlf);
  AppendFields(head, out);
}

void SerializeHead(const bhttp::response_header<>& head, std::string& out) {
  out.clear();
  AppendVersion(head.version(), out);
  std::array<char, 8> code{};
  const auto [end, ec] = std::to_chars(code.data(), code.data() + code.size(), head.result_int());
  out.push_back(' ');
  out.append(code.data(), end);
  out.push_back(' ');
  out.append(head.reason());
  out.append(kCrlf);
  AppendFields(head, out);
}

std::string_view ChunkSizeLine(std::size_t size, std::array<char, 24>& out) {
  const auto [end, ec] = std::to_chars(out.data(), out.data() + out.size() - 2, size, 16);
  end[0] = '\r';
  end[1] = '\n';
  return {out.data(), static_cast<std::size_t>(end + 2 - out.data())};
}

}  // namespace warden::http
