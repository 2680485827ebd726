// `warden status`, `warden token`: read-only reports built with the same resolution as `serve`.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app/auth_common.hpp"
#include "app/live_readyz.hpp"
#include "app/profile_report.hpp"
#include "app/verbs.hpp"
#include "base/clock.hpp"
#include "control/effective_config.hpp"
#include "creds/key_pool.hpp"
#include "crypto/crypto.hpp"
#include "observe/log.hpp"
#include "proxy/readyz_document.hpp"
#include "snapshot/snapshot_builder.hpp"

namespace warden::app {

namespace {

struct Loaded {
  control::EffectiveConfig effective;
  snapshot::BuildResult built;
};

// Loads config + secrets like `serve` (without generating a token).
Result<Loaded> LoadForReport(const CommonOptions& common) {
  ProcessEnvironment env;
  if (auto d = control::LoadHomeDotenv(env); !d) return d.error();
  auto effective = control::LoadEffectiveConfig(common.config_path, env);
  if (!effective) return effective.error();
  creds::CredentialStateRegistry states;
  snapshot::FederatedTokenRegistry federated;
  snapshot::BuildOptions opts;
  opts.flag_token = common.token;
  opts.require_token = false;
  opts.report = true;
  opts.now_ms = SystemClock().NowMs();
  // The providers as the gateway would see them, profiles included (a refused store is
  // reported by the profiles section; the providers are then shown without it).
  if (auto store = OpenProfileStore()) {
    if (auto document = store->Load())
      opts.profiles = std::make_shared<const creds::ProfileDocument>(std::move(*document));
  }
  auto built = snapshot::BuildSnapshot(effective->config, env, states, federated, opts, 1);
  if (!built) return built.error();
  return Loaded{std::move(*effective), std::move(*built)};
}

// What `status` prints about a running gateway: its keys that cannot be used now.
std::string LiveText(const std::string& bind, const Result<proxy::ReadyzDocument>& live) {
  if (!live) return "live gateway on " + bind + ": " + live.error().message + "\n";
  std::string text = "live gateway on " + bind + ":\n";
  for (const auto& p : live->providers) {
    if (p.profiles) {
      text += fmt::format(
          "  {:<10} profiles: {} usable, {} cooling, {} expired (of {}){}\n", p.id,
          p.profiles->usable, p.profiles->cooling, p.profiles->expired, p.profiles->total,
          p.profiles->needs_login == 0 ? std::string()
                                       : fmt::format("; needs login: {}", p.profiles->needs_login));
    }
    for (const auto& k : p.keys) {
      if (k.usable) continue;
      text += fmt::format("  {:<10} key {} cooling ({}) for {}s\n", p.id, k.fingerprint, k.reason,
                          k.retry_in_s);
    }
  }
  if (!live->reload.profile_store_error.empty()) {
    text +=
        "  profile store refused, last good profiles in use: " + live->reload.profile_store_error +
        "\n";
  }
  return text;
}

// One provider as `status` reports it: a JSON object, a text block and the exit code it implies
// (0 fine, 2 a federated token expiring within a day, 1 a credential missing or expired).
struct ProviderStatus {
  boost::json::object json;
  std::string text;
  int exit_code = 0;
};

ProviderStatus DescribeProvider(const snapshot::ProviderRuntime& p, std::int64_t now_ms) {
  ProviderStatus out;
  boost::json::object& o = out.json;
  o["id"] = p.id;
  o["enabled"] = p.enabled;
  o["source"] = p.source_kind;
  o["keys"] = p.keys.keys().size();
  boost::json::array fps;
  for (const auto& k : p.keys.keys())
    fps.push_back(boost::json::value(k.fingerprint + " " + k.source));
  o["fingerprints"] = std::move(fps);
  std::string& line = out.text;
  line = fmt::format("{:<12} ", p.id);
  if (!p.enabled) {
    line += (p.broken ? "error: " : "disabled: ") + p.disabled_reason;
    o["reason"] = p.disabled_reason;
    // A credential that is configured but broken, or a federated token that was found expired,
    // is "missing or expired" — not merely an unused provider.
    if (p.broken || !p.federated_problem.empty()) {
      o["problem"] = true;
      out.exit_code = 1;
    }
    return out;
  }
  line += fmt::format("{} key(s) from {}", p.keys.keys().size(), p.source_kind);
  for (const auto& k : p.keys.keys()) line += "\n             " + k.fingerprint + "  " + k.source;
  if (!p.profiles.empty()) {
    // Ids only; their expiry and state are in the profiles section below.
    o["profiles"] = p.profiles.profiles().size();
    line += fmt::format("\n             {} profile(s) used first (see profiles below)",
                        p.profiles.profiles().size());
  }
  if (!p.federated) return out;
  auto tok = p.federated->Current();
  if (!tok || tok->exp_ms <= now_ms) {
    o["token"] = "missing or expired";
    line += "\n             federated token: missing or expired";
    if (p.keys.empty()) out.exit_code = 1;
    return out;
  }
  std::int64_t left_s = (tok->exp_ms - now_ms) / 1000;
  o["expires_at"] = tok->exp_ms / 1000;
  o["expires_in_s"] = left_s;
  o["token_source"] = tok->source;
  line += fmt::format("\n             federated token from {} expires in {}s", tok->source, left_s);
  if (p.keys.empty() && left_s < 24 * 3600) out.exit_code = 2;
  return out;
}

int ReportLoadError(const Error& error, bool json) {
  if (json) {
    boost::json::object o{
        {"ok", false},
        {"error",
         {{"code", error.CodeName()}, {"message", error.message}, {"context", error.context}}}};
    std::puts(boost::json::serialize(o).c_str());
  } else {
    std::fprintf(stderr, "warden status: %s\n", error.ToString().c_str());
  }
  return 1;
}

// 1 (a problem) outranks 2 (a warning), which outranks 0.
int WorseExitCode(int a, int b) {
  if (a == 1 || b == 1) return 1;
  return std::max(a, b);
}

// How callers authenticate, for `warden status`.
std::string AuthText(const snapshot::Snapshot& snap) {
  if (snap.access.mode == config::AuthMode::kTrustedProxy) {
    return fmt::format("auth mode: trusted-proxy (user in `{}`, from {})\n",
                       snap.access.trusted_proxy.user_header,
                       fmt::join(snap.config->gateway.auth.trusted_proxy.proxies, ", "));
  }
  if (snap.access.mode != config::AuthMode::kToken) {
    return fmt::format("auth mode: {}\n", config::AuthModeName(snap.access.mode));
  }
  return fmt::format("gateway token: {}\n",
                     snap.access.token.empty()
                         ? std::string("missing")
                         : snap.access.token_source + " (" + snap.access.token.Fingerprint() + ")");
}

}  // namespace

int RunStatus(const CommonOptions& common, const ReportOptions& options) {
  observe::InitLogging("off");
  auto loaded = LoadForReport(common);
  if (!loaded) return ReportLoadError(loaded.error(), options.json);
  const auto& snap = *loaded->built.snapshot;
  const std::int64_t now = SystemClock().NowMs();
  int exit_code = 0;
  boost::json::array providers;
  std::string text = fmt::format("config: {}\n{}", snap.config->origin, AuthText(snap));
  for (const auto& p : snap.providers) {
    ProviderStatus status = DescribeProvider(p, now);
    exit_code = WorseExitCode(exit_code, status.exit_code);
    providers.push_back(std::move(status.json));
    text += status.text + "\n";
  }
  std::set<std::string> configured;
  for (const auto& p : snap.providers) configured.insert(p.id);
  ProfilesReport profiles = ReportProfiles(OpenProfileStore(), configured, now);
  exit_code = WorseExitCode(exit_code, profiles.exit_code);
  text += profiles.text;
  // Live state (cooling keys, refreshed tokens) only the running gateway knows.
  auto live = FetchLiveReadyz(snap.config->gateway.bind, std::chrono::milliseconds(1000));
  if (live) text += LiveText(snap.config->gateway.bind, *live);
  for (const auto& d : loaded->built.diagnostics) text += "note: " + d + "\n";
  if (!options.json) {
    std::fputs(text.c_str(), stdout);
    return options.check ? exit_code : 0;
  }
  boost::json::object root;
  root["ok"] = exit_code == 0;
  root["config"] = snap.config->origin;
  root["auth_mode"] = config::AuthModeName(snap.access.mode);
  root["token_source"] = snap.access.token_source;
  root["providers"] = std::move(providers);
  root["profile_store"] = std::move(profiles.json);
  boost::json::array notes;
  for (const auto& d : loaded->built.diagnostics) notes.push_back(boost::json::value(d));
  root["diagnostics"] = std::move(notes);
  if (live && *live) root["live"] = proxy::ToJson(**live);
  if (live && !*live) root["live_error"] = live->error().message;
  std::puts(boost::json::serialize(root).c_str());
  return options.check ? exit_code : 0;
}

int RunToken(const CommonOptions& common) {
  observe::InitLogging("off");
  auto loaded = LoadForReport(common);
  if (!loaded) {
    std::fprintf(stderr, "warden token: %s\n", loaded.error().ToString().c_str());
    return 1;
  }
  const auto& access = loaded->built.snapshot->access;
  if (access.token.empty()) {
    std::fprintf(stderr,
                 "warden token: no gateway token yet; start `warden serve` once or set "
                 "WARDEN_GATEWAY_TOKEN\n");
    return 1;
  }
  std::printf("source: %s\nfingerprint: %s\n", access.token_source.c_str(),
              access.token.Fingerprint().c_str());
  for (const auto& d : loaded->built.diagnostics) std::printf("note: %s\n", d.c_str());
  return 0;
}

int RunTokenGenerate() {
  const std::string token = crypto::NewToken();
  std::printf("token: %s\ndigest: sha256:%s\n", token.c_str(),
              crypto::Hex(crypto::Sha256(token)).c_str());
  return 0;
}

}  // namespace warden::app
