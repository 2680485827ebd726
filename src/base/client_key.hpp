// ClientKey: the key under which per-client limits count a peer address — the connection caps
// (http/connection_limiter) and the failed-auth limiter (access/failed_auth_limiter) — so both
// agree on what "one client" is.
//
// An IPv4 address is its own key. An IPv6 address is grouped by its first `ipv6_prefix_bits`
// bits (/64 by default: one host or site usually owns a whole /64, so counting per address
// would be no limit at all). An IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack
// socket reports for an IPv4 peer) counts as its IPv4 address. A zone ("%eth0") is ignored.
// Ownership: returns a new string; borrows its argument for the call only.
// Thread safety: pure function.
#pragma once

#include <string>
#include <string_view>

namespace warden {

inline constexpr int kDefaultIpv6PrefixBits = 64;

// "203.0.113.7", "2001:db8:1:2::/64", "203.0.113.7" for "::ffff:203.0.113.7". `ipv6_prefix_bits`
// is clamped to 0..128. Text that is not an IP address is returned unchanged.
std::string ClientKey(std::string_view address, int ipv6_prefix_bits = kDefaultIpv6PrefixBits);

}  // namespace warden
