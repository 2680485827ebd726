// Trusted-proxy authentication: an identity-aware reverse proxy (oauth2-proxy, Pomerium, nginx
// auth_request, ...) authenticates the user and asserts who it is in a header; warden believes
// that header only from the proxy's own addresses.
//
// Checks, in this order (DESIGN §3), each with its own code for the 401 body:
//  1. the TCP peer is in `proxies`                  else trusted_proxy_untrusted_source
//  2. every `required_headers` entry is non-blank   else trusted_proxy_missing_header (names it)
//  3. exactly one `user_header` field               else trusted_proxy_user_missing (none or
//     blank) or trusted_proxy_user_duplicate (two or more fields: which one the proxy set is
//     unknowable); its value, without surrounding spaces/tabs, has no control character and
//     is at most kMaxUserBytes long                 else trusted_proxy_user_invalid
//  4. `allow_users` is empty or matches the user    else trusted_proxy_user_not_allowed
// A gateway token is never accepted in this mode: Authorization and x-api-key are ignored.
//
// Failed-auth limiter (AuthOutcome): only an untrusted peer that presents a credential — an
// identity header or a gateway token — counts as a wrong credential, under its own TCP address
// (which it cannot forge). Everything refused from a trusted proxy is kMissing or kRefused and
// never counts: the proxy is the authenticator, the user cannot choose what it asserts, and a
// lockout keyed on the proxy's address would lock out every user behind it.
//
// The client address: for a trusted peer, X-Forwarded-For is walked right to left, skipping
// addresses in `proxies`; the first other address is the client. An entry that is not an IP
// address ends the walk at the last trusted hop. From any other peer X-Forwarded-For is
// ignored and the client is the peer.
//
// Ownership: TrustedProxyPolicy (access_policy.hpp) is immutable, part of the Snapshot; the
// functions borrow their arguments for the call. Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "access/caller_auth.hpp"
#include "base/ip_network.hpp"
#include "base/result.hpp"
#include "config/config.hpp"

namespace warden::access {

inline constexpr std::size_t kMaxUserBytes = 256;

// The policy of gateway.auth.trusted_proxy; an error names the key (validation catches these
// first, so this fails only for a config that skipped it).
Result<TrustedProxyPolicy> BuildTrustedProxyPolicy(const config::TrustedProxyConfig& cfg);

// The request header as the checks see it.
class HeaderLookup {
 public:
  virtual ~HeaderLookup() = default;
  // The value of every field named `name` (case-insensitive), in the order received.
  virtual std::vector<std::string_view> Values(std::string_view name) const = 0;
};

struct ProxyAuthResult {
  AuthDecision decision;
  bool trusted_peer = false;
  std::string client_address;  // see above; the peer's address when it is not trusted
  std::string user;            // the asserted user, when the decision allows
};

ProxyAuthResult AuthenticateViaProxy(const TrustedProxyPolicy& policy,
                                     std::string_view peer_address, const HeaderLookup& header);

// The X-Forwarded-For walk for a trusted `peer`; `xff` holds the field values in order.
IpAddress ClientFromForwardedFor(const std::vector<IpNetwork>& proxies, const IpAddress& peer,
                                 const std::vector<std::string_view>& xff);

}  // namespace warden::access
