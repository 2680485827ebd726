#include "proxy/exchange.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <spdlog/spdlog.h>

#include "creds/federated_refresher.hpp"
#include "http/deadline.hpp"
#include "http/inline_io.hpp"
#include "http/wire_head.hpp"
#include "proxy/caller_watch.hpp"
#include "proxy/credential.hpp"
#include "proxy/credential_verdicts.hpp"
#include "proxy/rate_limit_classifier.hpp"
#include "proxy/relay.hpp"
#include "proxy/reply.hpp"
#include "proxy/response_writer.hpp"
#include "proxy/upstream_outcome.hpp"
#include "proxy/upstream_request.hpp"

namespace warden::proxy {

namespace asio = net::asio;
namespace beast = net::beast;
namespace bhttp = net::http;

namespace {

constexpr std::size_t kErrorBodyLimit = 256 * 1024;
constexpr std::uint32_t kUpstreamHeaderLimit = 64 * 1024;
constexpr int kMaxInterimResponses = 8;

// The state of one request's exchange, in ExchangeWithProvider's frame.
struct ExchangeState {
  RequestContext& r;
  const snapshot::ProviderRuntime& prov;
  const config::UpstreamConfig& cfg;  // of the request's snapshot
  // The upstream request's head without its credential (SerializeUpstreamHead), in the
  // connection's reused buffer.
  const std::string& head;
  BodyPieces body;           // views of the caller's body, which outlives the exchange
  CredentialWant want = {};  // the pinned profile, the caller's globs
  std::vector<const creds::PooledKey*> tried = {};  // rate-limited during this request
  bool federated_retried = false;
};

// One attempt: the connection and the response header read on it, or why there is none.
struct Attempt {
  http::UpstreamConnectionPtr conn;
  std::optional<http::ResponseParser> header;
  std::optional<Error> failure;
  bool caller_gone = false;
};

// What to do after an error response was handled.
struct Step {
  bool retry = false;
  bool keep_alive = false;  // when !retry: the request's result
};

// The end of an attempt's head: its credential's field and the blank line, in `out` (the
// connection's reused buffer), sent after ExchangeState::head.
void WriteCredentialField(config::Api api, const Credential& cred, std::string& out) {
  const CredentialField field = CredentialFieldFor(api, cred);
  out.assign(field.name).append(": ").append(field.scheme).append(cred.Value());
  out.append(http::kCrlf).append(http::kCrlf);
}

// Starts reading a response header into `header`, the previous one (an interim response)
// forgotten.
void ExpectHeader(http::HeadFields& fields, std::optional<http::ResponseParser>& header) {
  header.emplace(fields);
  header->header_limit(kUpstreamHeaderLimit);
  header->body_limit(boost::none);
}

// After a header was read: whether it is the final one. Interim 1xx responses (103 Early Hints,
// 100 Continue) are skipped — taking one for the answer would leave the real response on the
// pooled connection for the next caller; a 101 is never asked for, so it fails the exchange, as
// does an interim response past kMaxInterimResponses (`ec`).
bool FinalHeader(const http::ResponseParser& header, int interim, net::error_code& ec) {
  const unsigned status = header.status();
  if (status >= 200) return true;
  if (status == 101 || interim >= kMaxInterimResponses) {
    ec = bhttp::error::bad_status;
    return true;
  }
  return false;
}

// The upstream request's bytes for one attempt, in one gather write: the head, the attempt's
// credential field (written into `conn.head`), the body pieces. (Over TLS the caller joins their
// first 16 KiB into one buffer: http::JoinFirstRecord.)
std::array<net::asio::const_buffer, 5> RequestBytes(ExchangeState& x, const Credential& cred,
                                                    http::UpstreamConnection& conn) {
  WriteCredentialField(x.prov.api, cred, conn.head);
  return {net::asio::buffer(x.head), net::asio::buffer(conn.head), net::asio::buffer(x.body.before),
          net::asio::buffer(x.body.literal), net::asio::buffer(x.body.after)};
}

// Takes a connection, sends the request and reads the response header into `a`; once more on a
// fresh connection when a pooled one turns out closed by the provider. Sending and reading run
// under one deadline (first_byte_timeout) and while watching the caller: if it goes away while
// the provider is still thinking, the upstream request is cancelled instead of running (and
// billing) to the end.
net::Task<void> SendAndReadHeader(ExchangeState& x, const Credential& cred, Attempt& a) {
  http::UpstreamPool& pool = x.r.client.pool;
  http::Deadline& first_byte = x.r.client.upstream_deadline;
  for (int connect_try = 0; connect_try < 2; ++connect_try) {
    a.conn = pool.TakeIdle(x.prov.origin);
    if (!a.conn) {
      auto acquired = co_await pool.Acquire(x.prov.origin);
      if (!acquired) {
        a.failure = acquired.error();
        co_return;
      }
      a.conn = std::move(*acquired);
    }
    http::UpstreamConnection& conn = *a.conn;
    conn.stream.Tcp().expires_never();  // the deadline bounds this and the relay's reads
    first_byte.Arm(x.cfg.first_byte_timeout, conn.stream);
    const std::array<net::asio::const_buffer, 5> pieces = RequestBytes(x, cred, conn);
    std::array<net::asio::const_buffer, http::kMaxWritePieces> joined;
    std::span<const net::asio::const_buffer> bytes(pieces);
    if (conn.stream.IsTls()) bytes = http::JoinFirstRecord(pieces, conn.first_record, joined);
    std::size_t written = 0;
    net::error_code ec;
    if (!http::WriteNow(conn.stream, bytes, written, ec))
      ec = co_await http::WriteRest(conn.stream, bytes, written, std::nullopt);
    bool caller_gone = false;
    if (!ec) {
      CallerWatch watch(x.r.client.readiness, x.r.client.stream, conn.stream, x.r.req.version());
      // Header after header until the final one (FinalHeader).
      for (int interim = 0;; ++interim) {
        ExpectHeader(x.r.client.response_fields, a.header);
        ec = co_await http::ReadUntil(conn.stream, conn.buffer, *a.header, http::ReadGoal::kHeader);
        if (ec || FinalHeader(*a.header, interim, ec)) break;
      }
      watch.Stop();
      caller_gone = watch.gone();
    }
    first_byte.Disarm();
    if (caller_gone) {
      pool.Discard(std::move(a.conn));
      a.caller_gone = true;
      co_return;
    }
    if (!ec) {
      a.failure.reset();
      co_return;
    }
    const bool timed_out = first_byte.fired() || ec == beast::error::timeout;
    const bool stale = conn.reused && http::StaleConnectionError(ec);
    a.failure = FirstByteFailure(x.prov.id, timed_out, x.cfg.first_byte_timeout, ec.message());
    pool.Discard(std::move(a.conn));
    a.header.reset();
    if (!stale) co_return;  // else: once more, on a fresh connection
  }
}

Reply FailureReply(const Error& failure) {
  const UpstreamFailureKind kind = DescribeUpstreamFailure(failure);
  return Reply{kind.status, std::string(kind.wire_code), failure.message, {}};
}

net::Task<bool> AnswerFailure(ExchangeState& x, const Error& failure) {
  x.r.client.gw.metrics.CountUpstreamError(x.prov.id,
                                           DescribeUpstreamFailure(failure).metric_label);
  spdlog::warn("upstream {}: {}", x.prov.id, failure.ToString());
  Reply reply = FailureReply(failure);
  co_return co_await Answer(x.r, std::move(reply));
}

Reply UnreadableErrorReply(const snapshot::ProviderRuntime& prov, const net::error_code& ec) {
  return Reply{
      502,
      "upstream_error",
      "provider '" + prov.id + "' sent an unreadable error response (" + ec.message() + ")",
      {}};
}

// Acts on the classification of an error response read whole (its head in `res`, its body in
// `body`); nothing has reached the caller.
net::Task<Step> ActOnError(ExchangeState& x, const Credential& cred,
                           const http::ResponseParser& res, std::string_view body) {
  const int status = static_cast<int>(res.status());
  creds::FederatedRefresher* refresher = x.r.client.gw.Refresher();
  const bool may_refresh = !x.federated_retried && refresher != nullptr;
  switch (ClassifyErrorResponse(status, body, cred.kind(), may_refresh)) {
    case ErrorVerdict::kRotateKey:
      CoolDownKey(x.r.client.gw, x.prov, cred, status, res.fields().Get(bhttp::field::retry_after),
                  x.tried, x.want);
      co_return Step{true};
    case ErrorVerdict::kRefreshAndRetry:
      x.federated_retried = true;
      co_await RefreshFederated(x.prov, *refresher, cred);
      co_return Step{true};
    case ErrorVerdict::kKeyRejected:
      MarkKeyRejected(x.r.client.gw, x.prov, cred, status);
      break;
    case ErrorVerdict::kPassThrough:
      break;
  }
  x.r.log.status = status;
  const bool written = co_await ForwardBuffered(x.r.client, res, body, x.r.keep_alive);
  co_return Step{false, written && x.r.keep_alive};
}

// An error response warden cannot read (broken, or over kErrorBodyLimit): 502, the connection
// dropped.
net::Task<Step> AnswerUnreadableError(ExchangeState& x, Attempt& a, net::error_code ec) {
  x.r.client.pool.Discard(std::move(a.conn));
  x.r.client.gw.metrics.CountUpstreamError(x.prov.id, "protocol");
  Reply reply = UnreadableErrorReply(x.prov, ec);
  const bool written = co_await Answer(x.r, std::move(reply));
  co_return Step{false, written};
}

// Reads an error response whole (bounded) so it can be classified before anything is relayed.
net::Task<Step> HandleErrorResponse(ExchangeState& x, Attempt& a, const Credential& cred) {
  http::ResponseParser& parser = *a.header;
  // The header was read with no body limit, so the parser checked no announced length: one over
  // the limit is refused here, before any of the body is read (or reserved). The limit then
  // bounds a chunked or close-delimited body.
  if (const auto announced = parser.content_length(); announced && *announced > kErrorBodyLimit) {
    const net::error_code too_large = bhttp::error::body_limit;
    co_return co_await AnswerUnreadableError(x, a, too_large);
  }
  parser.body_limit(kErrorBodyLimit);
  std::string body;
  parser.BodyInto(body);
  http::Deadline& deadline = x.r.client.upstream_deadline;
  deadline.Arm(x.cfg.idle_timeout, a.conn->stream);
  net::error_code ec =
      co_await http::ReadUntil(a.conn->stream, a.conn->buffer, parser, http::ReadGoal::kMessage);
  deadline.Disarm();
  if (ec && deadline.fired()) ec = beast::error::timeout;
  if (ec) co_return co_await AnswerUnreadableError(x, a, ec);
  if (parser.keep_alive())
    x.r.client.pool.Release(std::move(a.conn));
  else
    x.r.client.pool.Discard(std::move(a.conn));
  co_return co_await ActOnError(x, cred, parser, body);
}

// The caller's side of a response that needs no classification, around StreamResponse (awaited
// by the exchange loop itself, so relaying adds no coroutine frame of its own).
RelayOptions StartRelay(ExchangeState& x, const Attempt& a) {
  x.r.log.status = static_cast<int>(a.header->status());
  return RelayOptions{x.cfg.idle_timeout, x.r.keep_alive, x.r.req.version()};
}

// Returns the connection to the pool or closes it; whether the caller's connection stays open.
bool FinishRelay(ExchangeState& x, Attempt& a, const RelayOptions& options,
                 const RelayOutcome& out) {
  ClientContext& c = x.r.client;
  const bool close_delimited = CloseDelimited(options.caller_version, a.header->status(),
                                              a.header->content_length().has_value());
  if (out.upstream_reusable)
    c.pool.Release(std::move(a.conn));
  else
    c.pool.Discard(std::move(a.conn));
  switch (out.result) {
    case RelayResult::kUpstreamFailed:
      c.gw.metrics.CountUpstreamError(x.prov.id, "closed");
      spdlog::warn(
          "upstream {} failed mid-response after {} bytes; terminating the caller's stream",
          x.prov.id, out.relayed);
      c.stream.Close();  // the caller sees a truncated message, never a falsely complete one
      return false;
    case RelayResult::kClientGone:
      spdlog::info("caller {} went away mid-response; upstream request to {} cancelled",
                   c.peer_address, x.prov.id);
      return false;
    case RelayResult::kClientWriteFailed:
      return false;
    case RelayResult::kDone:
      break;
  }
  return x.r.keep_alive && !close_delimited;
}

}  // namespace

// One attempt per credential until one is answered, relayed or refused for good.
net::Task<bool> ExchangeWithProvider(RequestContext& r, const snapshot::ProviderRuntime& prov,
                                     BodyPieces upstream_body) {
  SerializeUpstreamHead(r.req, prov, r.route.upstream_suffix, upstream_body.size(),
                        WithheldCallerHeaders(r.snap.access), r.client.upstream_head);
  ExchangeState x{r, prov, r.snap.config->gateway.upstream, r.client.upstream_head,
                  std::move(upstream_body)};
  x.want.pinned = r.pinned_profile;
  if (r.caller.policy != nullptr) x.want.allowed_profiles = r.caller.policy->ProfileGlobs();
  for (;;) {
    const std::int64_t now = x.r.client.gw.NowMs();
    const Credential cred = PickCredential(x.prov, now, x.tried, x.want);
    if (cred.kind() == CredentialKind::kNone) {
      Reply reply = NoCredentialReply(x.prov, now, x.want);
      co_return co_await Answer(x.r, std::move(reply));
    }
    ++x.r.log.attempts;
    x.r.log.NoteCredential(cred);
    if (cred.profile != nullptr) {
      creds::ProfilePool::MarkUsed(*cred.profile, now);
      x.r.log.profile = cred.profile->id;
    }
    Attempt a;
    co_await SendAndReadHeader(x, cred, a);
    if (a.caller_gone) {
      x.r.log.status = 499;  // nginx's "client closed request"
      spdlog::info("caller {} went away before {} answered; upstream request cancelled",
                   x.r.client.peer_address, x.prov.id);
      co_return false;
    }
    if (a.failure) co_return co_await AnswerFailure(x, *a.failure);
    if (!NeedsClassification(static_cast<int>(a.header->status()), cred.kind())) {
      if (cred.key != nullptr) creds::KeyPool::MarkSuccess(*cred.key);
      const RelayOptions options = StartRelay(x, a);
      const RelayOutcome out = co_await StreamResponse(x.r.client, *a.conn, *a.header, options);
      co_return FinishRelay(x, a, options, out);
    }
    const Step step = co_await HandleErrorResponse(x, a, cred);
    if (!step.retry) co_return step.keep_alive;
  }
}

}  // namespace warden::proxy
