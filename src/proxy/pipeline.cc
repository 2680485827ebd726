#include "proxy/pipeline.hpp"

#include <array>
#include <chrono>
#include <optional>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "access/caller_auth.hpp"
#include "config/duration.hpp"
#include "http/deadline.hpp"
#include "creds/env_key_chain.hpp"
#include "observe/access_log.hpp"
#include "proxy/model_field.hpp"
#include "proxy/model_ref.hpp"
#include "proxy/rate_limit_classifier.hpp"
#include "proxy/routes.hpp"
#include "proxy/wire_format.hpp"

namespace warden::proxy {

namespace asio = net::asio;
namespace beast = net::beast;
namespace bhttp = net::http;

namespace {

constexpr std::size_t kRelayBufferBytes = 16 * 1024;
constexpr std::size_t kErrorBodyLimit = 256 * 1024;

// Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus the ones warden
// owns: the caller's credentials, Host and framing are never forwarded upstream.
bool IsHopByHop(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kHop = {
      "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
      "upgrade", "proxy-authorization", "proxy-authenticate"};
  for (auto h : kHop) {
    if (beast::iequals(name, h)) return true;
  }
  return false;
}

bool StripFromCaller(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kStrip = {
      "host", "content-length", "authorization", "x-api-key", "accept-encoding", "cookie",
      "forwarded", "x-real-ip", "expect"};
  if (IsHopByHop(name)) return true;
  for (auto h : kStrip) {
    if (beast::iequals(name, h)) return true;
  }
  return name.size() >= 12 && beast::iequals(name.substr(0, 12), "x-forwarded-");
}

// Whether `name` is one of the comma-separated tokens of a Connection header (RFC 9110 §7.6.1:
// such headers are hop-by-hop too).
bool ListedIn(std::string_view tokens, std::string_view name) {
  while (!tokens.empty()) {
    auto comma = tokens.find(',');
    std::string_view t = tokens.substr(0, comma);
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
    if (beast::iequals(t, name)) return true;
    if (comma == std::string_view::npos) break;
    tokens.remove_prefix(comma + 1);
  }
  return false;
}

std::string_view PathOf(std::string_view target) {
  auto q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

std::string_view QueryOf(std::string_view target) {
  auto q = target.find('?');
  return q == std::string_view::npos ? std::string_view{} : target.substr(q);
}

// The log/metric line of one request, filled in as the pipeline goes.
struct RequestLog {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::string_view route = "unknown";
  std::string provider = "-";
  std::string key = "-";
  int status = 0;
  int attempts = 0;
};

void Finish(ClientContext& c, const RequestLog& log, std::string_view method, std::string_view path) {
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - log.start).count();
  c.gw.metrics.CountRequest(log.route, log.provider, log.status, seconds);
  if (c.gw.access_log) {
    // Path only (no query string: it may carry anything); credentials never reach this line.
    observe::AccessLog::Write("{} {} {} provider={} key={} attempts={} {:.1f}ms peer={}", method, path,
                              log.status, log.provider, log.key, log.attempts, seconds * 1000,
                              c.peer_address);
  }
}

void AddStandardHeaders(ClientContext& c, bhttp::fields& f) {
  f.set("x-content-type-options", "nosniff");
  if (!c.gw.hsts.empty()) f.set(bhttp::field::strict_transport_security, c.gw.hsts);
}

int64_t CeilSeconds(int64_t ms) { return (ms + 999) / 1000; }

// Outcome of relaying a response body.
enum class RelayResult { kDone, kUpstreamFailed, kClientGone };

// Relays the response body from `up` to `client` chunk by chunk through one fixed buffer.
// All references point into the caller's frame, which awaits this coroutine to completion.
net::Task<RelayResult> RelayBody(http::AnyStream& client, http::AnyStream& up,
                                 beast::flat_buffer& up_buffer,
                                 bhttp::response_parser<bhttp::buffer_body>& parser,
                                 bhttp::response_serializer<bhttp::buffer_body>& serializer,
                                 bhttp::response<bhttp::buffer_body>& res,
                                 std::chrono::milliseconds idle_timeout, std::size_t& relayed) {
  std::array<char, kRelayBufferBytes> buf;
  do {
    if (!parser.is_done()) {
      parser.get().body().data = buf.data();
      parser.get().body().size = buf.size();
      up.Tcp().expires_after(idle_timeout);
      auto [ec, n] = co_await bhttp::async_read_some(up, up_buffer, parser, net::kUseTuple);
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) co_return RelayResult::kUpstreamFailed;
      res.body().size = buf.size() - parser.get().body().size;
      res.body().more = !parser.is_done();
      // A zero-length buffer would be serialised as a zero-size chunk, i.e. the end of the
      // stream; a null buffer makes the serializer wait for the next one instead.
      res.body().data = res.body().size > 0 ? buf.data() : nullptr;
    } else {
      res.body().data = nullptr;
      res.body().size = 0;
      res.body().more = false;
    }
    relayed += res.body().size;
    client.Tcp().expires_after(idle_timeout);
    auto [wec, wn] = co_await bhttp::async_write(client, serializer, net::kUseTuple);
    if (wec == bhttp::error::need_buffer) wec = {};
    if (wec) co_return RelayResult::kClientGone;
  } while (!serializer.is_done());
  co_return RelayResult::kDone;
}

// Watches the caller's socket while warden waits on the upstream; if the caller hangs up (EOF or
// error), the upstream connection's pending operation is cancelled so the provider stops
// working for nobody. One pending async_wait with a plain handler: with Asio's edge-triggered
// epoll that costs no syscall unless the caller actually sends or closes something.
// The handler holds the state by shared_ptr and does nothing once Stop() was called, so it is
// safe even if it was already queued when the exchange finished.
class CallerWatch {
 public:
  CallerWatch(http::AnyStream& client, http::AnyStream& up)
      : client_(client), state_(std::make_shared<State>()) {
    state_->up = &up;
    auto& sock = client.Tcp().socket();
    sock.async_wait(net::tcp::socket::wait_read, [st = state_, &sock](const net::error_code& ec) {
      if (!st->active || ec == asio::error::operation_aborted) return;
      char byte;
      ssize_t n = ::recv(sock.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      // n > 0: the caller pipelined its next request; it is still there.
      if (ec || n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        st->gone = true;
        st->up->Tcp().cancel();
      }
    });
  }
  ~CallerWatch() { Stop(); }
  CallerWatch(const CallerWatch&) = delete;
  CallerWatch& operator=(const CallerWatch&) = delete;

  bool gone() const { return state_->gone; }
  void Stop() {
    if (!state_->active) return;
    state_->active = false;
    net::error_code ignored;
    client_.Tcp().socket().cancel(ignored);  // nothing else is pending on it now
  }

 private:
  struct State {
    bool active = true;
    bool gone = false;
    http::AnyStream* up = nullptr;
  };
  http::AnyStream& client_;
  std::shared_ptr<State> state_;
};

struct Credential {
  const creds::PooledKey* key = nullptr;
  std::shared_ptr<const creds::FederatedTokenValue> federated;
  std::string_view Value() const {
    return key != nullptr ? key->value.Reveal() : federated->token.Reveal();
  }
  std::string Fingerprint() const {
    return key != nullptr ? key->fingerprint : federated->token.Fingerprint();
  }
};

// A rejection decided before any I/O. Built outside coroutines on purpose: g++ 12 miscompiles
// conditional expressions with class temporaries inside co_await expressions (double free).
struct Reply {
  int status = 0;
  std::string code;
  std::string message;
  ExtraHeaders extra;
};

struct ProxyPlan {
  std::optional<Reply> reply;                        // set → answer this and stop
  const snapshot::ProviderRuntime* provider = nullptr;
  std::string upstream_body;                         // the body with the bare model
};

std::string NoCredentialMessage(const snapshot::ProviderRuntime& prov) {
  std::string why = "no credential resolved";
  if (prov.federated) {
    why = "its federated token is missing or expired";
    std::string last = prov.federated->LastError();
    if (!last.empty()) why += " (last refresh: " + last + ")";
  }
  std::string message = "provider '" + prov.id + "' has no usable credential: " + why;
  if (!prov.how_to_enable.empty()) message += "; set " + prov.HowToEnable();
  return message;
}

std::string AllKeysUnusableMessage(const snapshot::ProviderRuntime& prov, bool rate_limited,
                                   std::int64_t wait_ms) {
  const std::string n = std::to_string(prov.keys.keys().size());
  const std::string when = std::to_string((wait_ms + 999) / 1000) + "s";
  if (rate_limited) {
    return "all " + n + " keys of provider '" + prov.id +
           "' are rate-limited; the soonest recovers in " + when;
  }
  return "provider '" + prov.id + "' rejected all " + n +
         " of its keys (401/403); fix them and reload (SIGHUP), or wait " + when;
}

std::string EnabledList(const snapshot::Snapshot& snap) {
  return snap.enabled_names.empty() ? std::string("none") : snap.enabled_names;
}

ProxyPlan PlanProxy(const snapshot::Snapshot& snap, const Route& route, Request& req) {
  ProxyPlan plan;
  auto reject = [&plan](int status, std::string code, std::string message, ExtraHeaders extra = {}) {
    plan.reply = Reply{status, std::move(code), std::move(message), std::move(extra)};
    return std::move(plan);
  };
  const std::string_view path = PathOf(req.target());
  if (req.method() != bhttp::verb::post)
    return reject(405, "method_not_allowed", "use POST for " + std::string(path), Header("allow", "POST"));
  auto field = FindModelField(req.body());
  if (!field) {
    const ErrorCode ec = field.error().code;
    std::string code = ec == ErrorCode::kBodyInvalidJson  ? "invalid_json"
                       : ec == ErrorCode::kModelMissing   ? "model_missing"
                       : ec == ErrorCode::kModelNotString ? "model_not_string"
                       : ec == ErrorCode::kModelDuplicate ? "model_duplicate"
                                                          : "invalid_body";
    return reject(400, code, field.error().message);
  }
  auto ref = ParseModelRef(field->value);
  if (!ref) {
    return reject(400, "model_invalid",
                  "model must be \"provider/model\" (e.g. \"openai/gpt-4o\"); enabled providers: " +
                      EnabledList(snap));
  }
  plan.provider = snap.FindProvider(ref->provider);
  if (plan.provider == nullptr) {
    return reject(400, "unknown_provider",
                  "unknown provider '" + std::string(ref->provider) + "'; enabled providers: " + EnabledList(snap));
  }
  const snapshot::ProviderRuntime& prov = *plan.provider;
  if (!ref->profile.empty()) {
    return reject(400, "profiles_unsupported",
                  "model profiles (\"@" + std::string(ref->profile) +
                      "\") are not supported yet; drop the @ suffix");
  }
  if (!prov.enabled) {
    std::string message = "provider '" + prov.id + "' is disabled: " + prov.disabled_reason;
    if (!prov.how_to_enable.empty()) message += "; to enable it set " + prov.HowToEnable();
    return reject(503, "provider_disabled", message);
  }
  const bool wants_anthropic = route.wire == WireFormat::kAnthropic;
  if (wants_anthropic != (prov.api == config::Api::kAnthropic)) {
    std::string message = "provider '" + prov.id + "' speaks the ";
    message += prov.api == config::Api::kAnthropic ? "Anthropic API; use /v1/messages"
                                                    : "OpenAI API; use /v1/chat/completions";
    return reject(400, "wire_format_mismatch", message);
  }
  plan.upstream_body = ReplaceModel(req.body(), *field, ref->model);
  return plan;
}

// `status` receives the HTTP status written (for the access log and metrics).
net::Task<bool> ServeReadyz(ClientContext& c, const snapshot::Snapshot& snap, bool keep_alive,
                            int& status) {
  boost::json::object providers;
  const std::int64_t now = c.gw.NowMs();
  bool any_available = false;
  for (const auto& p : snap.providers) {
    boost::json::object o;
    o["enabled"] = p.enabled;
    o["source"] = p.source_kind;
    bool available = false;
    if (p.enabled) {
      o["keys"] = p.keys.keys().size();
      o["cooling"] = p.keys.CoolingCount(now);
      boost::json::array fps;
      for (const auto& k : p.keys.keys()) {
        boost::json::object ko;
        ko["fingerprint"] = k.fingerprint;
        ko["source"] = k.source;
        bool usable = creds::KeyPool::Usable(k, now);
        ko["usable"] = usable;
        if (!usable) {
          auto until = std::max(k.state->cooldown_until_ms.load(), k.state->failing_until_ms.load());
          ko["retry_in_s"] = CeilSeconds(until - now);
          ko["reason"] = k.state->failing_until_ms.load() > now ? "auth_failed" : "rate_limited";
        }
        available = available || usable;
        fps.push_back(std::move(ko));
      }
      o["key_status"] = std::move(fps);
      if (p.federated) {
        auto tok = p.federated->Current();
        if (tok) {
          o["expires_at"] = tok->exp_ms / 1000;
          o["token_source"] = tok->source;
          available = available || tok->exp_ms > now;
        }
        auto err = p.federated->LastError();
        if (!err.empty()) o["refresh_error"] = err;
      }
    } else {
      o["reason"] = p.disabled_reason;
    }
    o["available"] = available;
    any_available = any_available || available;
    providers[p.id] = std::move(o);
  }
  boost::json::object root;
  root["status"] = any_available ? "ready" : "unavailable";
  root["generation"] = snap.generation;
  root["config"] = snap.config ? snap.config->origin : "";
  root["providers"] = std::move(providers);
  ReloadStatus rs = c.gw.GetReloadStatus();
  boost::json::object reload;
  reload["ok"] = rs.reloads_ok;
  reload["failed"] = rs.reloads_failed;
  if (!rs.last_error.empty()) reload["last_error"] = rs.last_error;
  root["reload"] = std::move(reload);
  status = any_available ? 200 : 503;
  std::string body = boost::json::serialize(root);
  co_return co_await WriteResponse(c, status, "application/json", std::move(body), keep_alive);
}

net::Task<bool> ServeModels(ClientContext& c, const snapshot::Snapshot& snap, bool keep_alive) {
  // The providers a caller may use, as "provider/*" entries plus the provider list; listing each
  // provider's own models would need an upstream call per provider on this path.
  boost::json::array data;
  for (const auto& p : snap.providers) {
    if (!p.enabled) continue;
    boost::json::object m;
    m["id"] = p.id + "/*";
    m["object"] = "model";
    m["owned_by"] = p.id;
    m["api"] = p.api == config::Api::kAnthropic ? "anthropic" : "openai";
    data.push_back(std::move(m));
  }
  boost::json::object root;
  root["object"] = "list";
  root["data"] = std::move(data);
  co_return co_await WriteResponse(c, 200, "application/json", boost::json::serialize(root),
                                   keep_alive);
}

// Writes a fully buffered upstream response (an error read for classification) to the client.
net::Task<bool> ForwardBuffered(ClientContext& c, bhttp::response<bhttp::string_body>& up_res,
                                bool keep_alive) {
  bhttp::response<bhttp::string_body> res;
  res.version(11);
  res.result(up_res.result_int());  // result() maps unknown codes (529) to 0
  for (const auto& f : up_res) {
    if (!IsHopByHop(f.name_string()) && f.name() != bhttp::field::content_length)
      res.insert(f.name_string(), f.value());
  }
  res.body() = std::move(up_res.body());
  res.keep_alive(keep_alive);
  AddStandardHeaders(c, res.base());
  res.prepare_payload();
  c.stream.Tcp().expires_after(std::chrono::seconds(30));
  auto [ec, n] = co_await bhttp::async_write(c.stream, res, net::kUseTuple);
  co_return !ec;
}

net::Task<bool> ProxyRequest(ClientContext& c, const snapshot::Snapshot& snap,
                             const snapshot::ProviderRuntime& prov, const Route& route,
                             Request& req, std::string& body, bool keep_alive, RequestLog& log) {
  const std::string_view path = PathOf(req.target());
  const auto& ucfg = snap.config->gateway.upstream;

  // The upstream request: built once; only the credential changes between attempts.
  bhttp::request<bhttp::buffer_body> up{req.method(), prov.base_path + std::string(route.upstream_suffix) +
                                                          std::string(QueryOf(req.target())), 11};
  const std::string_view connection_tokens = req[bhttp::field::connection];
  for (const auto& f : req) {
    std::string_view name = f.name_string();
    if (StripFromCaller(name) || ListedIn(connection_tokens, name)) continue;
    bool overridden = false;
    for (const auto& [h, v] : prov.headers) overridden = overridden || beast::iequals(h, name);
    if (!overridden) up.insert(name, f.value());
  }
  up.set(bhttp::field::host, prov.origin.host_header);
  for (const auto& [h, v] : prov.headers) up.set(h, v.Reveal());
  if (prov.api == config::Api::kAnthropic && up.find("anthropic-version") == up.end())
    up.set("anthropic-version", "2023-06-01");
  up.content_length(body.size());
  up.keep_alive(true);

  std::vector<const creds::PooledKey*> tried;
  bool federated_retried = false;
  for (;;) {
    const std::int64_t now = c.gw.NowMs();
    Credential cred;
    cred.key = prov.keys.Pick(now, tried);
    if (cred.key == nullptr && prov.federated) cred.federated = prov.federated->Usable(now);
    if (cred.key == nullptr && !cred.federated) {
      if (!prov.keys.empty()) {
        std::int64_t wait_ms = prov.keys.MsUntilSoonestRecovery(now);
        const bool rate_limited = prov.keys.AnyRateLimited(now);
        std::string message = AllKeysUnusableMessage(prov, rate_limited, wait_ms);
        ExtraHeaders retry = Header("retry-after", std::to_string(std::max<int64_t>(1, CeilSeconds(wait_ms))));
        log.status = rate_limited ? 429 : 503;
        const std::string_view code = rate_limited ? "all_keys_cooling" : "provider_keys_rejected";
        co_return co_await WriteError(c, path, log.status, code, message, keep_alive, std::move(retry));
      }
      log.status = 503;
      std::string message = NoCredentialMessage(prov);
      co_return co_await WriteError(c, path, 503, "provider_unavailable", message,
                                    keep_alive);
    }
    ++log.attempts;
    log.key = cred.Fingerprint();
    if (prov.api == config::Api::kAnthropic && cred.key != nullptr) {
      up.set("x-api-key", cred.Value());
    } else {
      std::string auth = "Bearer ";
      auth.append(cred.Value());
      up.set(bhttp::field::authorization, auth);
    }

    // Send and read the response header; one retry on a fresh connection if a pooled one turns
    // out to be dead before any byte of the response arrived.
    http::UpstreamConnectionPtr conn;
    std::optional<bhttp::response_parser<bhttp::empty_body>> hp;
    std::optional<Error> failure;
    for (int connect_try = 0; connect_try < 2; ++connect_try) {
      auto acquired = co_await c.pool.Acquire(prov.origin);
      if (!acquired) {
        failure = acquired.error();
        break;
      }
      conn = std::move(*acquired);
      up.body().data = body.data();
      up.body().size = body.size();
      up.body().more = false;
      // One deadline for sending the request and receiving the response header.
      http::Deadline first_byte(c.stream.get_executor());
      conn->stream.Tcp().expires_never();
      first_byte.Arm(ucfg.first_byte_timeout, conn->stream);
      auto [wec, wn] = co_await bhttp::async_write(conn->stream, up, net::kUseTuple);
      net::error_code rec;
      if (!wec) {
        hp.emplace();
        hp->header_limit(64 * 1024);
        hp->body_limit(boost::none);
        // Also watch the caller: if it goes away while the provider is still thinking, the
        // upstream request is cancelled instead of running (and billing) to the end.
        CallerWatch watch(c.stream, conn->stream);
        auto [ec2, rn] = co_await bhttp::async_read_header(conn->stream, conn->buffer, *hp, net::kUseTuple);
        watch.Stop();
        if (watch.gone()) {
          c.pool.Discard(std::move(conn));
          log.status = 499;  // nginx's "client closed request"
          spdlog::info("caller {} went away before {} answered; upstream request cancelled",
                       c.peer_address, prov.id);
          co_return false;
        }
        rec = ec2;
      }
      first_byte.Disarm();
      net::error_code ec = wec ? wec : rec;
      if (!ec) {
        failure.reset();
        break;
      }
      bool stale = conn->reused && (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
                                    ec == asio::error::connection_reset || ec == asio::error::broken_pipe);
      bool timeout = first_byte.fired() || ec == beast::error::timeout;
      failure = Error::Make(timeout ? ErrorCode::kUpstreamTimeout : ErrorCode::kUpstreamProtocol,
                            timeout ? "provider '" + prov.id + "' did not answer within " +
                                          config::FormatDuration(ucfg.first_byte_timeout)
                                    : "provider '" + prov.id + "' closed the connection or sent an invalid response (" +
                                          ec.message() + ")");
      c.pool.Discard(std::move(conn));
      hp.reset();
      if (!stale) break;
    }
    if (failure) {
      bool timeout = failure->code == ErrorCode::kUpstreamTimeout;
      bool busy = failure->code == ErrorCode::kUpstreamBusy;
      c.gw.metrics.CountUpstreamError(prov.id, timeout ? "timeout"
                                               : failure->code == ErrorCode::kUpstreamTls ? "tls"
                                               : failure->code == ErrorCode::kUpstreamConnect ? "connect"
                                               : busy ? "busy" : "protocol");
      spdlog::warn("upstream {}: {}", prov.id, failure->ToString());
      log.status = timeout ? 504 : busy ? 503 : 502;
      std::string code = timeout ? "upstream_timeout" : busy ? "upstream_busy" : "upstream_error";
      co_return co_await WriteError(c, path, log.status, code, failure->message, keep_alive);
    }

    const int status = hp->get().result_int();
    const bool classify = status >= 400 && (cred.key != nullptr || status == 401);
    if (classify) {
      bhttp::response_parser<bhttp::string_body> sp{std::move(*hp)};
      sp.body_limit(kErrorBodyLimit);
      conn->stream.Tcp().expires_after(ucfg.idle_timeout);
      auto [ec, n] = co_await bhttp::async_read(conn->stream, conn->buffer, sp, net::kUseTuple);
      if (ec) {
        c.pool.Discard(std::move(conn));
        c.gw.metrics.CountUpstreamError(prov.id, "protocol");
        log.status = 502;
        co_return co_await WriteError(c, path, 502, "upstream_error",
                                      "provider '" + prov.id + "' sent an unreadable error response (" +
                                          ec.message() + ")",
                                      keep_alive);
      }
      bhttp::response<bhttp::string_body> up_res = sp.release();
      if (up_res.keep_alive()) c.pool.Release(std::move(conn));
      else c.pool.Discard(std::move(conn));

      if (cred.key != nullptr && IsRateLimited(status, up_res.body())) {
        auto retry_after = ParseRetryAfterMs(up_res[bhttp::field::retry_after]);
        std::int64_t cooldown = creds::KeyPool::MarkRateLimited(*cred.key, c.gw.NowMs(), retry_after);
        c.gw.metrics.CountCooldown(prov.id, cred.key->fingerprint);
        tried.push_back(cred.key);
        spdlog::warn("provider {} key {} rate-limited (status {}); cooling down {}s", prov.id,
                     cred.key->fingerprint, status, CeilSeconds(cooldown));
        // Nothing has been sent to the caller yet: retry at once with the next key; with none
        // left, the loop answers 429 with the soonest recovery.
        if (prov.keys.Pick(c.gw.NowMs(), tried) != nullptr) c.gw.metrics.CountRotation(prov.id);
        continue;
      }
      if (cred.key != nullptr && (status == 401 || status == 403)) {
        std::int64_t cooldown = creds::KeyPool::MarkAuthFailed(*cred.key, c.gw.NowMs());
        spdlog::warn("provider {} key {} rejected with {}; marked failing for {}s", prov.id,
                     cred.key->fingerprint, status, CeilSeconds(cooldown));
      }
      creds::FederatedRefresher* refresher = c.gw.Refresher();
      if (cred.federated && status == 401 && !federated_retried && refresher != nullptr) {
        // Refresh once (on the control plane, shared with concurrent callers), retry once.
        federated_retried = true;
        spdlog::warn("provider {} rejected its federated token; refreshing once", prov.id);
        co_await asio::co_spawn(refresher->executor(),
                                refresher->RefreshNow(prov.id, cred.federated->token.Fingerprint()),
                                asio::use_awaitable);
        continue;
      }
      log.status = status;
      co_return (co_await ForwardBuffered(c, up_res, keep_alive)) && keep_alive;
    }

    if (cred.key != nullptr) creds::KeyPool::MarkSuccess(*cred.key);
    // Stream the response through as it arrives.
    bhttp::response_parser<bhttp::buffer_body> bp{std::move(*hp)};
    bp.body_limit(boost::none);
    bhttp::response<bhttp::buffer_body> res;
    res.version(11);
    res.result(bp.get().result_int());  // keep codes Beast does not know (529)
    for (const auto& f : bp.get()) {
      if (!IsHopByHop(f.name_string()) && f.name() != bhttp::field::content_length)
        res.insert(f.name_string(), f.value());
    }
    const bool has_length = bp.content_length().has_value();
    const bool bodyless = status == 204 || status == 304 || (status >= 100 && status < 200);
    if (has_length) res.content_length(*bp.content_length());
    else if (!bodyless) res.chunked(true);
    res.keep_alive(keep_alive);
    AddStandardHeaders(c, res.base());
    res.body().data = nullptr;
    res.body().more = !bodyless;
    log.status = status;

    // The header goes out with the first body bytes (one write for a small response); a
    // bodyless response is written at once.
    bhttp::response_serializer<bhttp::buffer_body> sr{res};
    if (bodyless) {
      c.stream.Tcp().expires_after(ucfg.idle_timeout);
      auto [hec, hn] = co_await bhttp::async_write(c.stream, sr, net::kUseTuple);
      if (hec && hec != bhttp::error::need_buffer) {
        c.pool.Discard(std::move(conn));
        co_return false;
      }
    }
    std::size_t relayed = 0;
    RelayResult result;
    if (bodyless) {
      result = RelayResult::kDone;
    } else if (has_length) {
      result = co_await RelayBody(c.stream, conn->stream, conn->buffer, bp, sr, res, ucfg.idle_timeout, relayed);
    } else {
      // A stream (SSE or chunked): also watch the caller, and cancel upstream if it goes away.
      c.gw.metrics.StreamStarted();
      CallerWatch watch(c.stream, conn->stream);
      result = co_await RelayBody(c.stream, conn->stream, conn->buffer, bp, sr, res, ucfg.idle_timeout, relayed);
      watch.Stop();
      c.gw.metrics.StreamEnded();
      if (watch.gone()) result = RelayResult::kClientGone;
    }
    if (result == RelayResult::kDone && bp.is_done() && bp.keep_alive()) {
      c.pool.Release(std::move(conn));
    } else {
      c.pool.Discard(std::move(conn));
    }
    if (result == RelayResult::kUpstreamFailed) {
      c.gw.metrics.CountUpstreamError(prov.id, "closed");
      spdlog::warn("upstream {} failed mid-response after {} bytes; terminating the caller's stream",
                   prov.id, relayed);
      c.stream.Close();  // the caller sees a truncated message, never a falsely complete one
      co_return false;
    }
    if (result == RelayResult::kClientGone) {
      spdlog::info("caller {} went away mid-response; upstream request to {} cancelled",
                   c.peer_address, prov.id);
      co_return false;
    }
    co_return keep_alive;
  }
}

}  // namespace

ExtraHeaders Header(std::string name, std::string value) {
  ExtraHeaders h;
  h.emplace_back(std::move(name), std::move(value));
  return h;
}

net::Task<bool> WriteResponse(ClientContext& c, int status, std::string_view content_type,
                              std::string body, bool keep_alive,
                              ExtraHeaders extra) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), 11};
  res.set(bhttp::field::content_type, content_type);
  for (const auto& [k, v] : extra) res.set(k, v);
  AddStandardHeaders(c, res.base());
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  c.stream.Tcp().expires_after(std::chrono::seconds(30));
  auto [ec, n] = co_await bhttp::async_write(c.stream, res, net::kUseTuple);
  co_return !ec;
}

net::Task<bool> WriteError(ClientContext& c, std::string_view path, int status,
                           std::string_view code, std::string_view message, bool keep_alive,
                           ExtraHeaders extra) {
  Route route = MatchRoute(path);
  co_return co_await WriteResponse(c, status, "application/json",
                                   ErrorBody(route.wire, status, code, message), keep_alive, extra);
}

net::Task<Verdict> CheckBeforeBody(ClientContext& c, const snapshot::Snapshot& snap,
                                   const RequestHeader& header) {
  const std::string_view path = PathOf(header.target());
  const Route route = MatchRoute(path);
  if (route.kind == RouteKind::kHealthz || route.kind == RouteKind::kReadyz) co_return Verdict{};
  const bool exempt = c.gw.limiter.Exempt(c.peer_loopback);
  if (!exempt) {
    if (std::int64_t locked = c.gw.limiter.LockedForMs(c.peer_address); locked > 0) {
      c.gw.metrics.CountAuthFailure("locked_out");
      c.gw.metrics.CountRequest(route.name, "-", 429, 0);
      co_await WriteError(c, path, 429, "auth_locked_out",
                                    "too many invalid gateway tokens from this address; retry later",
                                    false, Header("retry-after", std::to_string(CeilSeconds(locked))));
      co_return Verdict{false};
    }
  }
  auto decision = access::Authenticate(snap.access, header[bhttp::field::authorization],
                                       header["x-api-key"]);
  if (decision.outcome == access::AuthOutcome::kAllowed) {
    if (!exempt) c.gw.limiter.RecordSuccess(c.peer_address);
    co_return Verdict{};
  }
  c.gw.metrics.CountAuthFailure(decision.code);
  std::string retry_after;
  if (decision.outcome == access::AuthOutcome::kWrong && !exempt) {
    if (std::int64_t lock = c.gw.limiter.RecordFailure(c.peer_address); lock > 0) {
      spdlog::warn("locking out {} for {}s after repeated invalid gateway tokens", c.peer_address,
                   CeilSeconds(lock));
    }
  }
  int status = decision.outcome == access::AuthOutcome::kUnsupportedMode ? 500 : 401;
  c.gw.metrics.CountRequest(route.name, "-", status, 0);
  if (c.gw.access_log)
    observe::AccessLog::Write("{} {} {} auth={} peer={}", std::string_view(header.method_string()),
                              path, status, decision.code, c.peer_address);
  co_await WriteError(c, path, status, decision.code, decision.message, false,
                                Header("www-authenticate", "Bearer realm=\"warden\""));
  co_return Verdict{false};
}

net::Task<bool> Handle(ClientContext& c, snapshot::SnapshotConstSharedPtr snap, Request& req) {
  const std::string_view path = PathOf(req.target());
  const Route route = MatchRoute(path);
  const bool keep_alive = req.keep_alive() && !c.draining.load(std::memory_order_relaxed);
  RequestLog log;
  log.route = route.name;
  bool result = false;

  switch (route.kind) {
    case RouteKind::kHealthz:
      log.status = 200;
      result = co_await WriteResponse(c, 200, "application/json", R"({"status":"ok"})", keep_alive) && keep_alive;
      break;
    case RouteKind::kReadyz:
      result = co_await ServeReadyz(c, *snap, keep_alive, log.status);
      result = result && keep_alive;
      break;
    case RouteKind::kMetrics: {
      log.status = 200;
      std::string text = c.gw.metrics.Render();
      result = co_await WriteResponse(c, 200, "text/plain; version=0.0.4", std::move(text), keep_alive) && keep_alive;
      break;
    }
    case RouteKind::kModels:
      if (req.method() != bhttp::verb::get) {
        log.status = 405;
        result = co_await WriteError(c, path, 405, "method_not_allowed", "use GET for /v1/models", keep_alive, Header("allow", "GET")) && keep_alive;
        break;
      }
      log.status = 200;
      result = co_await ServeModels(c, *snap, keep_alive) && keep_alive;
      break;
    case RouteKind::kNotFound:
      log.status = 404;
      result = co_await WriteError(c, path, 404, "route_not_found",
                                   "unknown route " + std::string(path) +
                                       " (OpenAI: /v1/chat/completions, /v1/completions, /v1/embeddings, "
                                       "/v1/responses; Anthropic: /v1/messages, /v1/messages/count_tokens)",
                                   keep_alive) && keep_alive;
      break;
    case RouteKind::kProxy: {
      ProxyPlan plan = PlanProxy(*snap, route, req);
      if (plan.reply) {
        log.status = plan.reply->status;
        if (plan.provider != nullptr) log.provider = plan.provider->id;
        result = co_await WriteError(c, path, plan.reply->status, plan.reply->code,
                                     plan.reply->message, keep_alive, std::move(plan.reply->extra));
        result = result && keep_alive;
        break;
      }
      log.provider = plan.provider->id;
      result = co_await ProxyRequest(c, *snap, *plan.provider, route, req, plan.upstream_body,
                                     keep_alive, log);
      result = result && keep_alive;  // every exit path honours Connection: close
      break;
    }
  }
  Finish(c, log, req.method_string(), path);
  co_return result;
}

}  // namespace warden::proxy
