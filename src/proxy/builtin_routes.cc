#include "proxy/builtin_routes.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include <boost/json.hpp>

#include "proxy/model_list.hpp"
#include "proxy/reply.hpp"
#include "proxy/response_writer.hpp"
#include "proxy/routes.hpp"

namespace warden::proxy {

namespace {

constexpr std::string_view kJson = "application/json";

KeyReadiness DescribeKey(const creds::PooledKey& k, std::int64_t now) {
  KeyReadiness out;
  out.fingerprint = k.fingerprint;
  out.source = k.source;
  out.usable = creds::KeyPool::Usable(k, now);
  if (!out.usable) {
    const std::int64_t failing_until = k.state->failing_until_ms.load();
    const std::int64_t until = std::max(k.state->cooldown_until_ms.load(), failing_until);
    out.retry_in_s = CeilSeconds(until - now);
    out.reason = failing_until > now ? "auth_failed" : "rate_limited";
  }
  return out;
}

ProviderReadiness DescribeProvider(const snapshot::ProviderRuntime& p, std::int64_t now) {
  ProviderReadiness out;
  out.id = p.id;
  out.enabled = p.enabled;
  out.source = p.source_kind;
  if (!p.enabled) {
    out.disabled_reason = p.disabled_reason;
    return out;
  }
  out.cooling = p.keys.CoolingCount(now);
  for (const auto& k : p.keys.keys()) {
    out.keys.push_back(DescribeKey(k, now));
    out.available = out.available || out.keys.back().usable;
  }
  if (p.federated) {
    if (auto tok = p.federated->Current()) {
      out.federated = FederatedReadiness{tok->exp_ms / 1000, tok->source};
      out.available = out.available || tok->exp_ms > now;
    }
    out.refresh_error = p.federated->LastError();
  }
  if (!p.profiles.empty()) {
    const creds::ProfileCounts c = p.profiles.Counts(now);
    out.profiles = ProfileReadiness{c.total, c.usable, c.cooling, c.expired, c.needs_login};
    out.available = out.available || c.usable > 0;
  }
  return out;
}

// Gauges computed from the snapshot at scrape time (Metrics::Render's `extra`): one series per
// enabled provider that has profiles, so a 0 is visible before anything goes wrong.
void RenderProfileGauges(const snapshot::Snapshot& snap, std::int64_t now, std::string& out) {
  out +=
      "# HELP warden_profiles_needing_login Profiles that only `warden auth login` can renew "
      "(refresh token refused, or expired and not refreshable).\n"
      "# TYPE warden_profiles_needing_login gauge\n";
  for (const auto& p : snap.providers) {
    if (!p.enabled || p.profiles.empty()) continue;
    out += "warden_profiles_needing_login{provider=\"" + p.id + "\"} " +
           std::to_string(p.profiles.Counts(now).needs_login) + "\n";
  }
}

Response MetricsResponse(const RequestContext& r) {
  const GatewayState& gw = r.client.gw;
  const std::int64_t now = gw.NowMs();
  std::string text =
      gw.metrics.Render([&](std::string& out) { RenderProfileGauges(r.snap, now, out); });
  return Response{200, "text/plain; version=0.0.4", std::move(text), {}};
}

Response ReadyzResponse(const ReadyzDocument& doc) {
  return Response{doc.ready ? 200 : 503, kJson, boost::json::serialize(ToJson(doc)), {}};
}

// Anthropic's shape for the Anthropic SDK and Claude Code (they always send anthropic-version),
// OpenAI's for everyone else.
Response ModelsResponse(const RequestContext& r) {
  const WireFormat shape =
      r.req.fields().Has("anthropic-version") ? WireFormat::kAnthropic : WireFormat::kOpenAi;
  return Response{200, kJson, ModelListBody(r.snap, r.caller.policy, shape), {}};
}

Reply NotFoundReply(std::string_view path) {
  return Reply{404,
               "route_not_found",
               "unknown route " + std::string(path) +
                   " (OpenAI: /v1/chat/completions, /v1/completions, /v1/embeddings, "
                   "/v1/responses; Anthropic: /v1/messages, /v1/messages/count_tokens)",
               {}};
}

bool ModelsMethodAllowed(const RequestContext& r) { return r.req.method() == net::http::verb::get; }

// The response of a built-in route; nullopt when it answers with an error (ErrorReply).
std::optional<Response> BuiltinResponse(const RequestContext& r) {
  GatewayState& gw = r.client.gw;
  switch (r.route.kind) {
    case RouteKind::kHealthz:
      return Response{200, kJson, R"({"status":"ok"})", {}};
    case RouteKind::kReadyz:
      return ReadyzResponse(DescribeReadiness(r.snap, gw.GetReloadStatus(), gw.NowMs()));
    case RouteKind::kMetrics:
      return MetricsResponse(r);
    case RouteKind::kModels:
      if (!ModelsMethodAllowed(r)) return std::nullopt;
      return ModelsResponse(r);
    case RouteKind::kNotFound:
    case RouteKind::kProxy:  // not a built-in; Handle() never sends it here
      break;
  }
  return std::nullopt;
}

Reply ErrorReply(const RequestContext& r) {
  if (r.route.kind == RouteKind::kModels && !ModelsMethodAllowed(r))
    return Reply{405, "method_not_allowed", "use GET for /v1/models", Header("allow", "GET")};
  return NotFoundReply(r.path);
}

}  // namespace

ReadyzDocument DescribeReadiness(const snapshot::Snapshot& snap, const ReloadStatus& reload,
                                 std::int64_t now_ms) {
  ReadyzDocument doc;
  doc.generation = snap.generation;
  doc.config = snap.config ? snap.config->origin : "";
  doc.auth_mode = std::string(config::AuthModeName(snap.access.mode));
  for (const auto& p : snap.providers) {
    doc.providers.push_back(DescribeProvider(p, now_ms));
    doc.ready = doc.ready || doc.providers.back().available;
  }
  if (snap.access.mode == config::AuthMode::kJwt) {
    // No caller can be admitted before the issuer's keys are loaded.
    JwksReadiness jwks;
    if (snap.access.jwt.keys) {
      const access::JwksStore::Status st = snap.access.jwt.keys->GetStatus();
      jwks = JwksReadiness{st.loaded, st.keys, st.source, st.last_error};
    }
    doc.ready = doc.ready && jwks.loaded;
    doc.jwks = std::move(jwks);
  }
  doc.reload = ReloadReadiness{reload.reloads_ok, reload.reloads_failed, reload.last_error,
                               reload.profile_store_error};
  return doc;
}

net::Task<bool> ServeBuiltin(RequestContext& r) {
  std::optional<Response> response = BuiltinResponse(r);
  if (response) co_return co_await Send(r, std::move(*response));
  Reply reply = ErrorReply(r);
  co_return co_await Answer(r, std::move(reply));
}

}  // namespace warden::proxy
