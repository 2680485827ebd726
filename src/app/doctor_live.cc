#include "app/doctor_live.hpp"

#include <chrono>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app/live_gateway.hpp"
#include "base/paths.hpp"
#include "config/default_config.hpp"

namespace warden::app {

namespace {

constexpr std::chrono::milliseconds kLiveTimeout{2000};

constexpr std::string_view kReloadHow = "send it SIGHUP (`kill -HUP <pid>`), or restart it";

// Providers on one side only, as "a, b" lists; empty when the sets agree.
std::string ProviderDrift(const proxy::ReadyzDocument& live, const config::Config& cfg) {
  std::set<std::string> running;
  for (const auto& p : live.providers) running.insert(p.id);
  std::set<std::string> on_disk;
  for (const auto& p : cfg.providers) on_disk.insert(p.id);
  std::vector<std::string> only_disk;
  std::vector<std::string> only_running;
  for (const auto& id : on_disk)
    if (!running.count(id)) only_disk.push_back(id);
  for (const auto& id : running)
    if (!on_disk.count(id)) only_running.push_back(id);
  std::string out;
  if (!only_disk.empty()) out += fmt::format("not running [{}]", fmt::join(only_disk, ", "));
  if (!only_disk.empty() && !only_running.empty()) out += ", ";
  if (!only_running.empty()) {
    out += fmt::format("running [{}] the file no longer lists", fmt::join(only_running, ", "));
  }
  return out;
}

std::string NotReadyMessage(const proxy::ReadyzDocument& live, const std::string& where) {
  std::vector<std::string> missing;
  for (const auto& p : live.providers)
    if (!p.available) missing.push_back(p.id);
  return fmt::format(
      "the gateway on {} reports \"unavailable\": no provider has a usable credential "
      "(unavailable: {}); fix: see `warden status` for each provider's reason",
      where,
      missing.empty() ? std::string("none configured")
                      : fmt::format("{}", fmt::join(missing, ", ")));
}

}  // namespace

std::vector<LiveFinding> CompareLiveGateway(const proxy::ReadyzDocument& live,
                                            const config::Config& cfg,
                                            const std::string& config_origin,
                                            const std::string& where) {
  std::vector<LiveFinding> out;
  if (live.config != config_origin) {
    out.push_back({kGatewayStaleConfig,
                   fmt::format("the gateway on {} runs the config {}, not {}; fix: run doctor "
                               "with --config {}, or restart the gateway with this config",
                               where, live.config, config_origin, live.config)});
  } else if (!live.reload.last_error.empty()) {
    out.push_back({kGatewayStaleConfig,
                   fmt::format("the gateway on {} refused its last reload and still runs the "
                               "config it had before ({}); fix: correct the config, then {}",
                               where, live.reload.last_error, kReloadHow)});
  } else {
    const std::string mode(config::AuthModeName(cfg.gateway.auth.mode));
    if (!live.auth_mode.empty() && live.auth_mode != mode) {
      out.push_back({kGatewayStaleConfig,
                     fmt::format("the gateway on {} runs gateway.auth.mode = \"{}\", the config "
                                 "says \"{}\"; fix: restart it (the auth mode changes only on "
                                 "restart)",
                                 where, live.auth_mode, mode)});
    }
    if (std::string drift = ProviderDrift(live, cfg); !drift.empty()) {
      out.push_back(
          {kGatewayStaleConfig,
           fmt::format("the gateway on {} has not loaded {} as it is on disk: {}; fix: {}", where,
                       config_origin, drift, kReloadHow)});
    }
  }
  if (!live.ready) out.push_back({kGatewayNotReady, NotReadyMessage(live, where)});
  return out;
}

namespace {

// A path made absolute through its symlinks, so that two spellings of one file compare equal;
// anything else (the embedded default's origin, a path gone) as it is.
std::string Canonical(const std::string& origin) { return RealPath(origin).value_or(origin); }

// Whether the gateway accepts `token`: /v1/models needs a caller credential and no upstream.
void CheckToken(const std::string& bind, const std::string& where, const Secret& token,
                const std::string& token_source, DoctorReport& report) {
  auto answer = GetFromLiveGateway(bind, "/v1/models", &token, kLiveTimeout);
  if (!answer || answer->status != 401) return;
  report.Add(kGatewayTokenMismatch, where,
             fmt::format("the gateway on {} refuses the gateway token this CLI resolves (from {}, "
                         "{}): it resolved another one; fix: give `warden serve` and the CLI the "
                         "same token (one WARDEN_GATEWAY_TOKEN or gateway.auth.token, see "
                         "TOKEN_SHADOWED), then restart the gateway",
                         where, token_source, token.Fingerprint()));
}

}  // namespace

void CheckLiveGateway(const config::Config& cfg, const Secret* token,
                      const std::string& token_source, DoctorReport& report) {
  const std::string& bind = cfg.gateway.bind;
  auto where = LiveGatewayAddress(bind);
  if (!where) {
    report.Note("gateway.bind = \"" + bind +
                "\" is not asked (port 0 or a network address): running-gateway checks skipped");
    return;
  }
  if (cfg.gateway.tls) {
    report.Note("the gateway serves HTTPS: running-gateway checks skipped");
    return;
  }
  auto answer = GetFromLiveGateway(bind, "/readyz", nullptr, kLiveTimeout);
  if (!answer) {
    report.Note("no gateway answers on " + *where + ": running-gateway checks skipped");
    return;
  }
  boost::json::error_code ec;
  auto v = boost::json::parse(answer->body, ec);
  auto live = ec ? Result<proxy::ReadyzDocument>(
                       Error::Make(ErrorCode::kReadyzInvalid, "/readyz is not JSON"))
                 : proxy::ParseReadyz(v);
  if (!live) {
    report.Add(kGatewayNotReady, *where,
               "what answers on " + *where + " is not a warden this version can read (" +
                   live.error().message + "); fix: check what listens there (`ss -ltnp`)");
    return;
  }
  // A relative path names a file in the gateway's working directory, which is not ours to know:
  // compare the rest as if it were this config.
  const bool relative = !live->config.empty() && live->config.front() != '/' &&
                        live->config != config::kEmbeddedDefaultOrigin;
  if (relative) {
    report.Note("the gateway on " + *where + " was started with the relative config path " +
                live->config + "; assumed to be " + cfg.origin);
  }
  live->config = relative ? Canonical(cfg.origin) : Canonical(live->config);
  for (auto& f : CompareLiveGateway(*live, cfg, Canonical(cfg.origin), *where)) {
    report.Add(f.code, *where, std::move(f.message));
  }
  if (token != nullptr && live->auth_mode == "token") {
    CheckToken(bind, *where, *token, token_source, report);
  }
}

}  // namespace warden::app
