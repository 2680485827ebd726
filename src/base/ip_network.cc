#include "base/ip_network.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace warden {

namespace {

constexpr int kMappedPrefixBits = 96;  // ::ffff:0:0/96 holds the IPv4-mapped addresses

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Zeroes every bit after the first `prefix` bits.
IpAddress Masked(IpAddress a, int prefix) {
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(prefix - i * 8, 0, 8);
    a.bytes[i] &= static_cast<std::uint8_t>(keep == 0 ? 0 : 0xff << (8 - keep));
  }
  return a;
}

}  // namespace

bool IpAddress::IsV4() const {
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(bytes.data(), kMapped, sizeof(kMapped)) == 0;
}

namespace {
bool IsLoopbackAddress(const IpAddress& a) {
  if (a.IsV4()) return a.bytes[12] == 127;
  static constexpr std::uint8_t kV6Loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return std::memcmp(a.bytes.data(), kV6Loopback, sizeof(kV6Loopback)) == 0;
}
}  // namespace

bool IpAddress::IsLoopback() const { return IsLoopbackAddress(*this); }

std::string IpAddress::ToString() const {
  char out[INET6_ADDRSTRLEN];
  const char* text = IsV4() ? inet_ntop(AF_INET, bytes.data() + 12, out, sizeof(out))
                            : inet_ntop(AF_INET6, bytes.data(), out, sizeof(out));
  return text != nullptr ? std::string(text) : std::string();
}

std::optional<IpAddress> ParseIpAddress(std::string_view text) {
  // inet_pton needs a NUL-terminated string without a zone; the longest address is 45 bytes.
  char buf[INET6_ADDRSTRLEN + 1];
  std::string_view bare = text.substr(0, text.find('%'));
  if (bare.empty() || bare.size() >= sizeof(buf)) return std::nullopt;
  std::memcpy(buf, bare.data(), bare.size());
  buf[bare.size()] = '\0';
  IpAddress out;
  in_addr v4{};
  if (inet_pton(AF_INET, buf, &v4) == 1) {
    out.bytes[10] = 0xff;
    out.bytes[11] = 0xff;
    std::memcpy(out.bytes.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, buf, &v6) != 1) return std::nullopt;
  std::memcpy(out.bytes.data(), v6.s6_addr, 16);
  return out;
}

bool IpNetwork::Contains(const IpAddress& address) const { return Masked(address, prefix) == base; }

IpNetworkParse ParseIpNetwork(std::string_view text) {
  const std::size_t slash = text.find('/');
  const std::string_view address_text = text.substr(0, slash);
  if (address_text.find('%') != std::string_view::npos) {
    return {std::nullopt, "a zone (\"%...\") is not allowed"};
  }
  std::optional<IpAddress> address = ParseIpAddress(address_text);
  if (!address) return {std::nullopt, "not an IP address or CIDR"};
  // An IPv4 address written as such takes IPv4 prefix lengths; "::ffff:a.b.c.d/n" takes IPv6
  // ones (n ≥ 96 to stay inside the mapped range).
  const bool written_v4 = address_text.find(':') == std::string_view::npos;
  const int max_prefix = written_v4 ? 32 : 128;
  int prefix = max_prefix;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    if (!IsDigits(digits) || digits.size() > 3 || std::stoi(std::string(digits)) > max_prefix) {
      return {std::nullopt, "prefix length must be 0.." + std::to_string(max_prefix)};
    }
    prefix = std::stoi(std::string(digits));
  }
  IpNetwork network;
  network.prefix = written_v4 ? kMappedPrefixBits + prefix : prefix;
  network.base = Masked(*address, network.prefix);
  if (!(network.base == *address)) {
    IpNetwork host{*address, written_v4 ? kMappedPrefixBits + 32 : 128};
    return {std::nullopt, "host bits set after the prefix: did you mean \"" +
                              network.base.ToString() + "/" + std::to_string(prefix) + "\" or \"" +
                              host.base.ToString() + "\"?"};
  }
  return {network, {}};
}

bool InAnyNetwork(const std::vector<IpNetwork>& networks, const IpAddress& address) {
  return std::any_of(networks.begin(), networks.end(),
                     [&](const IpNetwork& n) { return n.Contains(address); });
}

}  // namespace warden
