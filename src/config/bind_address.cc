#include "config/bind_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>

namespace warden::config {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool IsHostNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.';
}

Error Invalid(std::string_view text, std::string_view why) {
  return Error::InvalidConfig({},
                              "invalid bind \"" + std::string(text) + "\": " + std::string(why));
}

}  // namespace

bool BindAddress::IsLoopback() const {
  if (EqualsIgnoreCase(host, "localhost")) return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

Result<BindAddress> ParseBindAddress(std::string_view text) {
  constexpr std::string_view kForm =
      "expected \"host:port\" or \"[ipv6]:port\", e.g. \"127.0.0.1:8787\"";
  BindAddress out;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Invalid(text, kForm);
    }
    out.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
    in6_addr v6{};
    if (inet_pton(AF_INET6, out.host.c_str(), &v6) != 1) {
      return Invalid(text, "not an IPv6 address inside the brackets");
    }
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return Invalid(text, kForm);
    out.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    if (out.host.find(':') != std::string::npos) {
      return Invalid(text, "put an IPv6 address in brackets, e.g. \"[::1]:8787\"");
    }
    if (out.host.empty()) {
      return Invalid(text, "missing host (use 0.0.0.0 or [::] to listen on every interface)");
    }
    if (!std::all_of(out.host.begin(), out.host.end(), IsHostNameChar)) {
      return Invalid(text, "host is not an IPv4 address or a host name");
    }
  }
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Invalid(text, "port must be a number from 0 to 65535");
  }
  unsigned long value = std::stoul(std::string(port));
  if (value > 65535) return Invalid(text, "port must be a number from 0 to 65535");
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

}  // namespace warden::config
