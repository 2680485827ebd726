// AccessPolicy: how callers are authenticated, resolved from the config by the snapshot builder.
//
// Thread safety: immutable once built; part of the Snapshot.
// Ownership: held by value in the Snapshot; the token is a Secret (never printed).
#pragma once

#include <string>

#include "config/config.hpp"
#include "observe/secret.hpp"

namespace warden::access {

struct AccessPolicy {
  config::AuthMode mode = config::AuthMode::kToken;
  Secret token;  // token mode
  std::string
      token_source;  // "--token flag" | "WARDEN_GATEWAY_TOKEN" | "gateway.auth.token" | path
};

}  // namespace warden::access
