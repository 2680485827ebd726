// The gateway token: one function, one truth, shared by `warden serve` and every CLI verb.
//
// Precedence: --token flag > WARDEN_GATEWAY_TOKEN > gateway.auth.token >
// $WARDEN_HOME/gateway.token. When none is set and `generate` is true, a new random token is
// written to $WARDEN_HOME/gateway.token (mode 0600, atomically) and its path (never its value) is
// reported. If the env and config both hold a value and they differ, a TOKEN_SHADOWED warning names
// both sources (never the values): the environment wins, so server and CLI agree with each other
// but not with the config file. The token file must be private (base/private_file.hpp) and the
// home it is in trusted (base/warden_home.hpp CheckedWardenHome), before it is read or created.
// Ownership:
// borrows the Environment for the call only; returns values. Thread safety: pure apart from the
// file it may read or create.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/environment.hpp"
#include "base/result.hpp"
#include "observe/secret.hpp"

namespace warden::access {

struct GatewayToken {
  Secret token;
  std::string source;      // "--token", "WARDEN_GATEWAY_TOKEN", "gateway.auth.token", path
  bool generated = false;  // written just now
  std::vector<std::string> warnings;  // e.g. "TOKEN_SHADOWED: ..."
};

inline constexpr std::string_view kTokenShadowed = "TOKEN_SHADOWED";

// The TOKEN_SHADOWED condition and its message (names only, never values), for the start-up
// warning and `warden secrets audit`: WARDEN_GATEWAY_TOKEN and `config_token` (gateway.auth.token
// after resolution) are both non-empty and differ. nullopt otherwise.
std::optional<std::string> TokenShadowedMessage(const Environment& env,
                                                const std::optional<Secret>& config_token);

// The token file in the warden home `home` (base/warden_home.hpp): home/gateway.token.
std::string GatewayTokenPath(const std::string& home);

// config_token: gateway.auth.token after SecretRef resolution (nullopt when not configured).
Result<GatewayToken> ResolveGatewayToken(const std::optional<std::string>& flag_token,
                                         const Environment& env,
                                         const std::optional<Secret>& config_token, bool generate);

}  // namespace warden::access
