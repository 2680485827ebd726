#include "app/doctor_checks.hpp"

#include <fmt/format.h>

#include "access/gateway_token.hpp"
#include "access/token_strength.hpp"
#include "app/build_info.hpp"
#include "app/doctor_live.hpp"
#include "base/clock.hpp"
#include "base/clock_sanity.hpp"
#include "config/bind_exposure.hpp"
#include "secrets/secret_resolver.hpp"

namespace warden::app {

namespace {

// The one-line fix for a ref that does not resolve, by where its value comes from.
std::string RefFix(const config::Config& cfg, const config::SecretRef& ref) {
  switch (ref.source) {
    case config::SecretSource::kEnv:
      return "set " + ref.id + " in the environment or in $WARDEN_HOME/.env";
    case config::SecretSource::kFile: {
      auto it = cfg.secret_providers.find(ref.provider);
      const std::string file = it == cfg.secret_providers.end() ? "the file" : it->second.path;
      return "add " + ref.id + " to " + file;
    }
    case config::SecretSource::kExec:
      break;
  }
  return "run the helper of secrets.providers." + ref.provider + " by hand to see why";
}

class ConfigChecks {
 public:
  ConfigChecks(const config::Config& cfg, const Environment& env, DoctorReport& report)
      : cfg_(cfg), env_(env), report_(report), resolver_(cfg.secret_providers, env) {}

  // Every ref serve resolves; remembers gateway.auth.token's value for the token checks.
  void SecretRefs() {
    if (cfg_.gateway.auth.token) {
      if (auto v = Resolve(*cfg_.gateway.auth.token)) config_token_ = std::move(*v);
    }
    for (const auto& p : cfg_.providers) {
      if (p.enabled && !*p.enabled) continue;  // never resolved by serve
      if (p.keys) {
        for (const auto& k : *p.keys) (void)Resolve(k);
      }
      for (const auto& h : p.headers) (void)Resolve(h.second);
      if (p.federated && p.federated->token && !p.federated->token->IsLiteral() &&
          p.federated->token->ref->source != config::SecretSource::kEnv) {
        (void)Resolve(*p.federated->token);
      }
    }
    for (const auto& caller : cfg_.callers) {
      for (const auto& t : caller.tokens) {
        if (t.IsLiteral()) continue;  // a "sha256:" digest: nothing to resolve or judge
        auto v = Resolve(t);
        if (v) {
          Strength(*v, t.key_path, "caller token " + t.key_path,
                   "run `warden token generate`, give the caller its token and list its sha256: "
                   "digest here instead");
        }
      }
    }
  }

  // TOKEN_SHADOWED and TOKEN_WEAK for the gateway token; returns it (token mode) for the live
  // checks.
  std::optional<access::GatewayToken> GatewayToken(const std::optional<std::string>& flag) {
    if (auto shadowed = access::TokenShadowedMessage(env_, config_token_)) {
      report_.Add(access::kTokenShadowed, "gateway.auth.token", *shadowed);
    }
    if (cfg_.gateway.auth.mode != config::AuthMode::kToken) return std::nullopt;
    auto token = access::ResolveGatewayToken(flag, env_, config_token_, /*generate=*/false);
    if (!token) {
      const ErrorCode code = token.error().code;
      if (code == ErrorCode::kTokenMissing) {
        report_.Note("no gateway token yet: `warden serve` generates a strong one at start");
      } else if (code != ErrorCode::kFileInsecure && code != ErrorCode::kSecretFileInsecure) {
        report_.Add(token.error().CodeName(), token.error().context, token.error().message);
      }
      return std::nullopt;
    }
    Strength(token->token, token->source, "the gateway token from " + token->source,
             "run `warden token generate` and use its token instead");
    return std::move(*token);
  }

  void Bind() {
    auto exposure = config::AssessBindExposure(cfg_.gateway);
    if (!exposure) return;
    if (exposure->level == config::BindExposure::Level::kProtected) {
      report_.Note(std::move(exposure->message));  // token or JWT, over TLS: deliberate
      return;
    }
    const bool danger = exposure->level == config::BindExposure::Level::kDanger;
    report_.Add(kBindNotLoopback, "gateway.bind",
                (danger ? "DANGER: " : "") + std::move(exposure->message));
  }

 private:
  // Resolves like serve; a failure is SECRET_UNRESOLVABLE (an insecure file is FILE_INSECURE,
  // found by the file checks, so not reported twice).
  Result<Secret> Resolve(const config::SecretInput& in) {
    auto v = resolver_.Resolve(in);
    if (!v && in.ref && v.error().code != ErrorCode::kSecretFileInsecure) {
      report_.Add(
          kSecretUnresolvable, in.key_path,
          fmt::format("{} ({}) does not resolve: {}: {}; fix: {}", in.key_path, in.ref->Describe(),
                      v.error().CodeName(), v.error().message, RefFix(cfg_, *in.ref)));
    }
    return v;
  }

  void Strength(const Secret& token, const std::string& path, const std::string& what,
                std::string_view fix) {
    auto weak = access::TokenWeakness(token.Reveal());
    if (!weak) return;
    report_.Add(kTokenWeak, path, what + " " + *weak + "; fix: " + std::string(fix));
  }

  const config::Config& cfg_;
  const Environment& env_;
  DoctorReport& report_;
  secrets::SecretResolver resolver_;
  std::optional<Secret> config_token_;
};

}  // namespace

void CheckConfig(const config::Config& cfg, const Environment& env,
                 const std::optional<std::string>& flag_token, DoctorReport& report) {
  ConfigChecks checks(cfg, env, report);
  checks.SecretRefs();
  auto token = checks.GatewayToken(flag_token);
  checks.Bind();
  if (token) {
    CheckLiveGateway(cfg, &token->token, token->source, report);
  } else {
    CheckLiveGateway(cfg, nullptr, "", report);
  }
}

void CheckClock(DoctorReport& report) {
  if (auto skew = ClockBeforeBuild(SystemClock().NowMs(), BuildEpochMs())) {
    report.Add(kClockSkew, "clock", std::move(*skew));
  }
}

}  // namespace warden::app
