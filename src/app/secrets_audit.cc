// `warden secrets audit [--check] [--json]`: plaintext secrets in the config, insecure files
// holding secrets, unresolved SecretRefs, and a shadowed gateway token.
// Exit codes with --check (README, "CLI"): 0 clean · 1 findings · 2 unresolved refs.
// Resolves refs exactly as `serve` does (SecretResolver), checks files with the same private-file
// check as the resolvers (base/private_file.hpp), and decides TOKEN_SHADOWED with the same
// function as start-up (access/gateway_token.hpp); never prints a value.
#include <sys/stat.h>

#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "access/gateway_token.hpp"
#include "app/verbs.hpp"
#include "base/private_file.hpp"
#include "base/warden_home.hpp"
#include "control/effective_config.hpp"
#include "creds/profile_store.hpp"
#include "observe/log.hpp"
#include "secrets/secret_resolver.hpp"

namespace warden::app {

namespace {

// The finding codes (README, "CLI"); TOKEN_SHADOWED is access::kTokenShadowed.
constexpr std::string_view kPlaintextFound = "PLAINTEXT_FOUND";
constexpr std::string_view kFileInsecure = "FILE_INSECURE";
constexpr std::string_view kRefUnresolved = "REF_UNRESOLVED";

struct Finding {
  std::string_view code;  // one of the above, or access::kTokenShadowed
  std::string path;       // config key path or file path
  std::string message;    // names the fix; never a value
};

bool LooksLikeCredentialHeader(std::string_view name) {
  std::string lower;
  for (char c : name) lower += char(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view w : {"auth", "key", "token", "secret", "password", "cookie"}) {
    if (lower.find(w) != std::string::npos) return true;
  }
  return false;
}

// A file that holds secrets must pass the private-file check. An absent or unreadable file has
// nothing to leak, so only a failed check is a finding.
void AuditPrivateFile(const std::string& path, const std::string& what, std::vector<Finding>& out) {
  auto ok = CheckPrivateFile(path);
  if (!ok && ok.error().code == ErrorCode::kSecretFileInsecure) {
    out.push_back({kFileInsecure, path, what + ": " + ok.error().message});
  }
}

// What `secrets audit` found, gathered over the config, its refs and the files around it.
class Auditor {
 public:
  Auditor(const config::Config& cfg, const Environment& env)
      : cfg_(cfg), env_(env), resolver_(cfg.secret_providers, env) {}

  // Every credential-bearing value of the config: a literal is a finding, a ref must resolve.
  void AuditConfigValues() {
    if (cfg_.gateway.auth.token) Input(*cfg_.gateway.auth.token, true);
    for (const auto& p : cfg_.providers) AuditProvider(p);
    // Caller tokens: a "sha256:" digest is not a secret (and a plaintext literal never loads);
    // a SecretRef must resolve.
    for (const auto& caller : cfg_.callers) {
      for (const auto& t : caller.tokens)
        if (!t.IsLiteral()) Input(t, true);
    }
  }

  // Files that hold secrets must be private; a file SecretRef's file must exist.
  void AuditFiles(const std::string& config_path) {
    for (const auto& [alias, sp] : cfg_.secret_providers) {
      if (sp.source != config::SecretSource::kFile || sp.path.empty()) continue;
      struct stat st {};
      if (::lstat(sp.path.c_str(), &st) != 0) {
        ++unresolved_;
        findings_.push_back(
            {kRefUnresolved, sp.path,
             "secrets.providers." + alias + ".path " + sp.path + " does not exist"});
      } else {
        AuditPrivateFile(sp.path, "secrets.providers." + alias + ".path", findings_);
      }
    }
    // LoadHomeDotenv found the home (and trusted it) before the audit, so this lookup answers too.
    if (auto home = WardenHome(env_)) {
      AuditPrivateFile(access::GatewayTokenPath(*home), "gateway token file", findings_);
      AuditPrivateFile(*home + "/.env", "dotenv file", findings_);
      AuditPrivateFile(creds::ProfileStore::InHome(*home).path(), "profile store", findings_);
    }
    if (config_has_plaintext_ && !config_path.empty()) {
      AuditPrivateFile(config_path, "config file with plaintext secrets", findings_);
    }
  }

  // The gateway token: env and config must not disagree.
  void AuditTokenShadowing() {
    if (!cfg_.gateway.auth.token) return;
    std::optional<Secret> config_token;
    if (auto cv = resolver_.Resolve(*cfg_.gateway.auth.token)) config_token = std::move(*cv);
    if (auto shadowed = access::TokenShadowedMessage(env_, config_token)) {
      findings_.push_back({access::kTokenShadowed, "gateway.auth.token", std::move(*shadowed)});
    }
  }

  const std::vector<Finding>& findings() const { return findings_; }
  int unresolved() const { return unresolved_; }

 private:
  void AuditProvider(const config::ProviderConfig& p) {
    // `enabled = false` providers are never resolved by serve: only look for plaintext there.
    if (p.enabled && !*p.enabled) {
      if (p.keys) {
        for (const auto& k : *p.keys)
          if (k.IsLiteral()) Input(k, true);
      }
      return;
    }
    if (p.keys) {
      for (const auto& k : *p.keys) Input(k, true);
    }
    for (const auto& [name, in] : p.headers) Input(in, LooksLikeCredentialHeader(name));
    if (!p.federated) return;
    if (p.federated->token) {
      // An absent env token is normal for federated providers (the token file or refresh covers
      // it); only a literal or a broken non-env ref is a finding.
      const auto& t = *p.federated->token;
      if (t.IsLiteral() || t.ref->source != config::SecretSource::kEnv) Input(t, true);
    }
    if (!p.federated->token_file.empty()) {
      AuditPrivateFile(p.federated->token_file, "token_file", findings_);
    }
  }

  void Input(const config::SecretInput& in, bool header_name_is_credential) {
    if (in.IsLiteral()) {
      if (!header_name_is_credential) return;
      config_has_plaintext_ = true;
      findings_.push_back({kPlaintextFound, in.key_path,
                           in.key_path + " holds a plaintext secret; use a SecretRef such as "
                                         "{ source = \"env\", id = \"NAME\" }"});
      return;
    }
    auto v = resolver_.Resolve(in);
    // An insecure file is its own finding (FILE_INSECURE, reported by AuditFiles); the fix is
    // chmod, not a missing secret, so it does not count as unresolved.
    if (!v && v.error().code != ErrorCode::kSecretFileInsecure) {
      ++unresolved_;
      findings_.push_back({kRefUnresolved, in.key_path,
                           in.key_path + " (" + in.ref->Describe() + "): " +
                               std::string(v.error().CodeName()) + ": " + v.error().message});
    }
  }

  const config::Config& cfg_;
  const Environment& env_;
  secrets::SecretResolver resolver_;
  std::vector<Finding> findings_;
  int unresolved_ = 0;
  bool config_has_plaintext_ = false;
};

// A config that does not load is reported like an unresolved ref: nothing can be trusted.
int ReportUnloadableConfig(const Error& error, bool json) {
  if (json) {
    boost::json::object o{{"clean", false},
                          {"error", {{"code", error.CodeName()}, {"message", error.message}}}};
    std::puts(boost::json::serialize(o).c_str());
  } else {
    std::fprintf(stderr, "warden secrets audit: %s\n", error.ToString().c_str());
  }
  return 2;
}

void PrintAudit(const std::string& origin, const Auditor& audit, bool json) {
  if (json) {
    boost::json::array arr;
    for (const auto& f : audit.findings())
      arr.push_back({{"code", f.code}, {"path", f.path}, {"message", f.message}});
    boost::json::object o;
    o["config"] = origin;
    o["clean"] = audit.findings().empty();
    o["unresolved"] = audit.unresolved();
    o["findings"] = std::move(arr);
    std::puts(boost::json::serialize(o).c_str());
    return;
  }
  std::printf("config: %s\n", origin.c_str());
  if (audit.findings().empty())
    std::printf("clean: no plaintext secrets, insecure files or unresolved refs\n");
  for (const auto& f : audit.findings()) {
    std::printf("%-16.*s %s\n", static_cast<int>(f.code.size()), f.code.data(), f.message.c_str());
  }
}

}  // namespace

int RunSecretsAudit(const CommonOptions& common, const ReportOptions& options) {
  observe::InitLogging("off");
  ProcessEnvironment env;
  if (auto d = control::LoadHomeDotenv(env); !d) {
    std::fprintf(stderr, "warden secrets audit: %s\n", d.error().ToString().c_str());
    return 2;
  }
  auto effective = control::LoadEffectiveConfig(common.config_path, env);
  if (!effective) return ReportUnloadableConfig(effective.error(), options.json);
  const config::Config& cfg = *effective->config;
  Auditor audit(cfg, env);
  audit.AuditConfigValues();
  audit.AuditFiles(effective->path);
  audit.AuditTokenShadowing();
  PrintAudit(cfg.origin, audit, options.json);
  const int exit_code = audit.unresolved() > 0 ? 2 : audit.findings().empty() ? 0 : 1;
  return options.check ? exit_code : 0;
}
}  // namespace warden::app
