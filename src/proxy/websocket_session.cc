#include "proxy/websocket_session.hpp"

#include <memory>
#include <optional>
#include <vector>

#include <spdlog/spdlog.h>

#include "http/websocket.hpp"
#include "proxy/credential.hpp"
#include "proxy/credential_verdicts.hpp"
#include "proxy/response_writer.hpp"
#include "proxy/upstream_outcome.hpp"
#include "proxy/upstream_request.hpp"
#include "proxy/websocket_plan.hpp"
#include "proxy/websocket_relay.hpp"

namespace warden::proxy {

namespace beast = net::beast;
namespace bhttp = net::http;
namespace ws = net::websocket;

namespace {

// The provider's side once its handshake is done (or why there is none).
struct UpstreamSide {
  http::UpstreamConnectionPtr conn;
  std::unique_ptr<http::WebSocket> socket;
  ws::response_type response;  // the provider's answer to the upgrade
  std::optional<Reply> refusal;
};

// One handshake attempt on one connection: ok, refused (a response other than 101), or failed.
struct Handshake {
  net::error_code ec;
  bool timed_out = false;
};

// Sends the upgrade with `request`'s headers (the policy's and the credential; Beast sets Host,
// Upgrade, Connection and the Sec-WebSocket-Key/Version of this hop) and reads the answer,
// within the upstream connect_timeout.
net::Task<Handshake> HandshakeOn(UpstreamSide& up, const snapshot::ProviderRuntime& prov,
                                 const UpstreamRequest& request,
                                 std::chrono::milliseconds timeout) {
  up.socket =
      std::make_unique<http::WebSocket>(http::ReadAheadStream(up.conn->stream, up.conn->buffer));
  ws::stream_base::timeout limits;
  limits.handshake_timeout = timeout;
  limits.idle_timeout = ws::stream_base::none();
  limits.keep_alive_pings = false;
  up.socket->set_option(limits);
  up.socket->set_option(ws::stream_base::decorator([&request](ws::request_type& req) {
    for (const auto& f : request) {
      if (f.name() == bhttp::field::host || f.name() == bhttp::field::content_length) continue;
      req.insert(f.name_string(), f.value());
    }
  }));
  up.conn->stream.Tcp().expires_never();
  auto [ec] = co_await up.socket->async_handshake(up.response, prov.origin.host_header,
                                                  request.target(), net::kUseTuple);
  co_return Handshake{ec, ec == beast::error::timeout};
}

// Acquires a connection and does the handshake; a pooled connection the provider closed while
// idle is replaced once by a fresh one. Returns the handshake error (upgrade_declined: refused).
net::Task<net::error_code> ConnectOnce(RequestContext& r, const snapshot::ProviderRuntime& prov,
                                       const UpstreamRequest& request, UpstreamSide& up) {
  const auto timeout = r.snap.config->gateway.upstream.connect_timeout;
  for (int connect_try = 0;; ++connect_try) {
    auto acquired = co_await r.client.pool.Acquire(prov.origin);
    if (!acquired) {
      const UpstreamFailureKind kind = DescribeUpstreamFailure(acquired.error());
      r.client.gw.metrics.CountUpstreamError(prov.id, kind.metric_label);
      spdlog::warn("upstream {}: {}", prov.id, acquired.error().ToString());
      up.refusal = UpgradeRefusal(acquired.error().message);
      co_return net::error_code(net::asio::error::connection_refused);
    }
    up.conn = std::move(*acquired);
    const Handshake h = co_await HandshakeOn(up, prov, request, timeout);
    if (!h.ec || h.ec == ws::error::upgrade_declined) co_return h.ec;
    const bool stale = up.conn->reused && http::StaleConnectionError(h.ec);
    up.socket.reset();
    r.client.pool.Discard(std::move(up.conn));
    if (!stale || connect_try > 0) {
      r.client.gw.metrics.CountUpstreamError(prov.id, h.timed_out ? "timeout" : "protocol");
      spdlog::warn("upstream {}: WebSocket handshake failed: {}", prov.id, h.ec.message());
      up.refusal =
          UpgradeRefusal("provider '" + prov.id + "' did not complete the WebSocket handshake (" +
                         h.ec.message() + ")");
      co_return h.ec;
    }
  }
}

// Acts on a refused upgrade as on any error response. Returns whether to try another credential.
net::Task<bool> ActOnRefusal(RequestContext& r, const snapshot::ProviderRuntime& prov,
                             const Credential& cred, const ws::response_type& res,
                             std::vector<const creds::PooledKey*>& tried,
                             const CredentialWant& want, bool& refreshed) {
  const int status = static_cast<int>(res.result_int());
  creds::FederatedRefresher* refresher = r.client.gw.Refresher();
  const bool may_refresh = !refreshed && refresher != nullptr;
  switch (ClassifyErrorResponse(status, res.body(), cred.kind(), may_refresh)) {
    case ErrorVerdict::kRotateKey:
      CoolDownKey(r.client.gw, prov, cred, status, res[bhttp::field::retry_after], tried, want);
      co_return true;
    case ErrorVerdict::kRefreshAndRetry:
      refreshed = true;
      co_await RefreshFederated(prov, *refresher, cred);
      co_return true;
    case ErrorVerdict::kKeyRejected:
      MarkKeyRejected(r.client.gw, prov, cred, status);
      break;
    case ErrorVerdict::kPassThrough:
      break;
  }
  co_return false;
}

// The provider's side: credentials in DESIGN §3's order until a handshake succeeds, the
// classifier says to stop, or none is left.
net::Task<void> ConnectUpstream(RequestContext& r, const snapshot::ProviderRuntime& prov,
                                UpstreamSide& up) {
  UpstreamRequest request = BuildUpstreamRequest(r.req, prov, r.route.upstream_suffix, 0,
                                                 WithheldCallerHeaders(r.snap.access));
  std::vector<const creds::PooledKey*> tried;
  // No model, so no pin; the caller's profile globs still decide which profiles it may use.
  CredentialWant want;
  if (r.caller.policy != nullptr) want.allowed_profiles = r.caller.policy->ProfileGlobs();
  bool refreshed = false;
  for (;;) {
    const std::int64_t now = r.client.gw.NowMs();
    const Credential cred = PickCredential(prov, now, tried, want);
    if (cred.kind() == CredentialKind::kNone) {
      up.refusal = UpgradeRefusal(NoCredentialReply(prov, now, want).message);
      co_return;
    }
    ++r.log.attempts;
    r.log.NoteCredential(cred);
    if (cred.profile != nullptr) {
      creds::ProfilePool::MarkUsed(*cred.profile, now);
      r.log.profile = cred.profile->id;
    }
    SetCredential(request, prov.api, cred);
    const net::error_code ec = co_await ConnectOnce(r, prov, request, up);
    if (!ec) {
      if (cred.key != nullptr) creds::KeyPool::MarkSuccess(*cred.key);
      co_return;
    }
    if (up.refusal) co_return;  // unreachable or a broken handshake
    up.socket.reset();
    r.client.pool.Discard(std::move(up.conn));
    if (co_await ActOnRefusal(r, prov, cred, up.response, tried, want, refreshed)) continue;
    spdlog::info("upstream {} refused the WebSocket upgrade with {}", prov.id,
                 up.response.result_int());
    up.refusal = UpgradeRefusal("provider '" + prov.id + "' refused the WebSocket upgrade (" +
                                std::to_string(up.response.result_int()) + ")");
    co_return;
  }
}

// The caller's upgrade request as Beast's WebSocket accept reads it (its Sec-WebSocket-Key,
// version and Upgrade/Connection tokens).
ws::request_type UpgradeRequest(const http::Request& req) {
  ws::request_type out;
  out.method_string(req.method_string());
  out.target(req.target());
  out.version(req.version());
  for (const http::HeadFields::Field f : req.fields()) {
    if (f.id != bhttp::field::unknown) {
      out.insert(f.id, f.name, f.value);
    } else {
      out.insert(f.name, f.value);
    }
  }
  return out;
}

// Accepts the caller's upgrade; the 101 carries the provider's response headers the policy lets
// through (request ids, rate-limit headers, a chosen subprotocol) and warden's standard headers.
net::Task<net::error_code> AcceptCaller(RequestContext& r, http::WebSocket& caller,
                                        const ws::response_type& upstream_101) {
  ws::stream_base::timeout limits;
  limits.handshake_timeout = r.snap.config->gateway.header_timeout;
  limits.idle_timeout = ws::stream_base::none();
  limits.keep_alive_pings = false;
  caller.set_option(limits);
  const ClientContext& c = r.client;
  const std::string tokens = ConnectionTokens(upstream_101);
  caller.set_option(ws::stream_base::decorator([&](ws::response_type& res) {
    for (const auto& f : upstream_101) {
      if (f.name() == bhttp::field::server || f.name() == bhttp::field::date) continue;
      if (ForwardResponseHeader(f.name_string(), tokens)) res.set(f.name_string(), f.value());
    }
    AddStandardHeaders(c, res.base());
  }));
  const ws::request_type upgrade = UpgradeRequest(r.req);
  auto [ec] = co_await caller.async_accept(upgrade, net::kUseTuple);
  co_return ec;
}

net::Task<void> RelaySession(RequestContext& r, UpstreamSide& up) {
  http::WebSocket caller(http::ReadAheadStream(r.client.stream, r.client.buffer));
  const net::error_code ec = co_await AcceptCaller(r, caller, up.response);
  if (ec) {
    r.log.status = 400;  // Beast answered the malformed upgrade itself
    co_return;
  }
  r.log.status = 101;
  const config::WebSocketConfig& cfg = r.snap.config->gateway.websockets;
  WebSocketRelayOptions options{cfg.idle_timeout, cfg.max_message_bytes};
  const WebSocketTraffic traffic = co_await RelayWebSocket(caller, *up.socket, options);
  r.log.ws_to_upstream = traffic.to_upstream;
  r.log.ws_to_caller = traffic.to_caller;
  r.log.ws_end = traffic.end;
}

}  // namespace

net::Task<void> ServeWebSocket(ClientContext& c, snapshot::SnapshotConstSharedPtr snap,
                               const Request& header, CallerIdentity caller) {
  Request req(header);
  req.keep_alive(false);
  const std::string_view path = PathOf(req.target());
  RequestContext r{c, *snap, req, path, MatchRoute(path), false, std::move(caller), RequestLog{}};
  r.log.route = "responses_websocket";
  r.log.websocket = true;
  std::optional<Reply> refusal;
  if (!IsValidWebSocketHandshake(header)) {
    refusal = Reply{400,
                    "invalid_websocket_handshake",
                    "a WebSocket upgrade needs Connection: upgrade, a Sec-WebSocket-Key and "
                    "Sec-WebSocket-Version: 13",
                    {}};
  }
  WebSocketPlan plan;
  if (!refusal) plan = PlanWebSocket(*snap, r.caller.policy);
  if (plan.provider != nullptr) r.log.provider = plan.provider->id;
  if (!refusal && plan.reply) refusal = std::move(plan.reply);
  UpstreamSide up;
  if (!refusal) {
    co_await ConnectUpstream(r, *plan.provider, up);
    refusal = std::move(up.refusal);
  }
  if (refusal) {
    co_await Answer(r, std::move(*refusal));
  } else {
    co_await RelaySession(r, up);
  }
  if (up.conn) {
    up.socket.reset();
    c.pool.Discard(std::move(up.conn));
  }
  LogRequest(r);
}

}  // namespace warden::proxy
