// IpAddress and IpNetwork: parsed IP addresses and CIDR networks, for matching a peer address
// against a configured list (gateway.auth.trusted_proxy.proxies).
//
// Addresses are kept as 16 bytes; an IPv4 address is stored IPv4-mapped (::ffff:a.b.c.d), so an
// IPv4 peer reported by a dual-stack socket as "::ffff:10.0.0.1" and one reported as "10.0.0.1"
// are the same address, and both match an IPv4 network such as "10.0.0.0/8". An IPv4 prefix
// length is stored as 96 + bits. A zone ("%eth0") is ignored when parsing an address.
// Ownership: plain values. Thread safety: immutable values and pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace warden {

struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};

  bool IsV4() const;        // IPv4 or IPv4-mapped IPv6
  bool IsLoopback() const;  // 127.0.0.0/8 (also IPv4-mapped) or ::1
  // "10.0.0.1", "2001:db8::1" (IPv4-mapped addresses are printed as IPv4).
  std::string ToString() const;
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

// "10.0.0.1", "::1", "::ffff:10.0.0.1", "fe80::1%eth0"; nullopt for anything else (no port, no
// brackets, no surrounding whitespace).
std::optional<IpAddress> ParseIpAddress(std::string_view text);

struct IpNetwork {
  IpAddress base;    // host bits are zero
  int prefix = 128;  // over the 128-bit (IPv4-mapped) form

  bool Contains(const IpAddress& address) const;
};

// "10.0.0.0/8", "10.0.0.1" (= /32), "2001:db8::/32", "::1" (= /128), "::ffff:10.0.0.0/104".
// On failure, the reason ("prefix length must be 0..32", "host bits set: ...").
struct IpNetworkParse {
  std::optional<IpNetwork> network;
  std::string error;
};
IpNetworkParse ParseIpNetwork(std::string_view text);

// Whether `address` lies in one of `networks`.
bool InAnyNetwork(const std::vector<IpNetwork>& networks, const IpAddress& address);

}  // namespace warden
