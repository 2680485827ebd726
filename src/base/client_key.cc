#include "base/client_key.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace warden {

std::string ClientKey(std::string_view address, int ipv6_prefix_bits) {
  // inet_pton needs a NUL-terminated string without a zone; the longest address text is 45 bytes.
  char text[INET6_ADDRSTRLEN + 1];
  std::string_view bare = address.substr(0, address.find('%'));
  if (bare.size() >= sizeof(text)) return std::string(address);
  std::memcpy(text, bare.data(), bare.size());
  text[bare.size()] = '\0';

  in_addr v4{};
  if (inet_pton(AF_INET, text, &v4) == 1) return std::string(bare);
  in6_addr v6{};
  if (inet_pton(AF_INET6, text, &v6) != 1) return std::string(address);
  char out[INET6_ADDRSTRLEN];
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    std::memcpy(&v4, &v6.s6_addr[12], sizeof(v4));
    return inet_ntop(AF_INET, &v4, out, sizeof(out)) ? std::string(out) : std::string(address);
  }
  const int bits = std::clamp(ipv6_prefix_bits, 0, 128);
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(bits - i * 8, 0, 8);
    v6.s6_addr[i] &= static_cast<unsigned char>(keep == 0 ? 0 : 0xff << (8 - keep));
  }
  if (!inet_ntop(AF_INET6, &v6, out, sizeof(out))) return std::string(address);
  return std::string(out) + "/" + std::to_string(bits);
}

}  // namespace warden
