// AccessPolicy: how callers are authenticated, resolved from the config by the snapshot builder.
//
// Thread safety: immutable once built; part of the Snapshot.
// Ownership: held by value in the Snapshot; the token is a Secret (never printed).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "access/callers.hpp"
#include "access/jwks_store.hpp"
#include "base/ip_network.hpp"
#include "config/config.hpp"
#include "crypto/jwt_verify.hpp"
#include "observe/secret.hpp"

namespace warden::access {

// gateway.auth.trusted_proxy, parsed (access/trusted_proxy.hpp applies it).
struct TrustedProxyPolicy {
  std::vector<IpNetwork> proxies;
  std::string user_header;                    // lower case
  std::vector<std::string> required_headers;  // lower case
  std::vector<std::string> allow_users;       // exact names, or patterns where '*' matches any run
};

// gateway.auth.jwt, resolved (access/jwt_auth.hpp applies it).
struct JwtPolicy {
  crypto::JwtRules rules;
  std::shared_ptr<JwksStore> keys;  // null: no key source (CLI reports) → jwks_unavailable
  // Process-unique (NewJwtPolicyId); verifications are cached per policy id, so a reload that
  // changes the rules or [callers] never reuses an old verdict. 0 = never cached.
  std::uint64_t id = 0;
};

std::uint64_t NewJwtPolicyId();

struct AccessPolicy {
  config::AuthMode mode = config::AuthMode::kToken;
  Secret token;  // token mode
  std::string
      token_source;  // "--token flag" | "WARDEN_GATEWAY_TOKEN" | "gateway.auth.token" | path
  TrustedProxyPolicy trusted_proxy;  // trusted-proxy mode
  JwtPolicy jwt;                     // jwt mode
  // [callers], in config order; empty = no named callers (any authenticated caller may use
  // everything). Token mode with callers: the gateway token is `gateway_caller`.
  std::vector<CallerPolicy> callers;
  CallerPolicy gateway_caller{std::string(kGatewayCallerName), {}, {}, {}, {}, true, {}, {}, {}};
};

}  // namespace warden::access
