#include "access/gateway_token.hpp"

#include <sys/stat.h>

#include "base/atomic_file.hpp"
#include "base/private_file.hpp"
#include "base/strings.hpp"
#include "base/warden_home.hpp"
#include "crypto/crypto.hpp"

namespace warden::access {

namespace {

Result<void> CheckTokenValue(std::string_view value, const std::string& source) {
  for (unsigned char c : value) {
    if (c < 0x21 || c == 0x7f)
      return Error::Make(
          ErrorCode::kTokenInvalid,
          "gateway token from " + source + " contains whitespace or control characters", source);
  }
  return Ok();
}

}  // namespace

std::string GatewayTokenPath(const std::string& home) { return home + "/gateway.token"; }

std::optional<std::string> TokenShadowedMessage(const Environment& env,
                                                const std::optional<Secret>& config_token) {
  std::optional<std::string> env_token = env.Get("WARDEN_GATEWAY_TOKEN");
  if (!env_token || env_token->empty() || !config_token || config_token->empty() ||
      config_token->ConstantTimeEquals(*env_token)) {
    return std::nullopt;
  }
  return "WARDEN_GATEWAY_TOKEN and gateway.auth.token differ; WARDEN_GATEWAY_TOKEN wins (remove "
         "one so server and CLI agree)";
}

Result<GatewayToken> ResolveGatewayToken(const std::optional<std::string>& flag_token,
                                         const Environment& env,
                                         const std::optional<Secret>& config_token, bool generate) {
  GatewayToken out;
  auto env_token = env.Get("WARDEN_GATEWAY_TOKEN");
  if (env_token && env_token->empty()) env_token.reset();
  if (auto shadowed = TokenShadowedMessage(env, config_token)) {
    out.warnings.push_back(std::string(kTokenShadowed) + ": " + *shadowed);
  }
  if (flag_token && !flag_token->empty()) {
    out.token = Secret(*flag_token);
    out.source = "--token";
  } else if (env_token) {
    out.token = Secret(*env_token);
    out.source = "WARDEN_GATEWAY_TOKEN";
  } else if (config_token && !config_token->empty()) {
    out.token = *config_token;
    out.source = "gateway.auth.token";
  } else {
    // The file decides who may use the gateway: read or create it only in a trusted home.
    auto home = CheckedWardenHome(env);
    if (!home) return home.error();
    const std::string path = GatewayTokenPath(*home);
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
      if (auto ok = CheckPrivateFile(path); !ok) return ok.error();
      auto content = ReadWholeFile(path, 4096);
      if (!content) return content.error();
      out.token = Secret(std::string(TrimWhitespace(*content)));
      out.source = path;
      if (out.token.empty())
        return Error::Make(ErrorCode::kTokenInvalid,
                           path + " is empty; delete it to generate a new token", path);
    } else if (generate) {
      if (auto r = EnsurePrivateDir(*home); !r) return r.error();
      std::string token = crypto::NewToken();
      if (auto r = WriteFileAtomically(path, token + "\n", 0600); !r) return r.error();
      out.token = Secret(std::move(token));
      out.source = path;
      out.generated = true;
    } else {
      return Error::Make(ErrorCode::kTokenMissing,
                         "no gateway token: set WARDEN_GATEWAY_TOKEN, gateway.auth.token, or start "
                         "`warden serve` once to generate " +
                             path,
                         path);
    }
  }
  if (auto r = CheckTokenValue(out.token.Reveal(), out.source); !r) return r.error();
  return out;
}

}  // namespace warden::access
