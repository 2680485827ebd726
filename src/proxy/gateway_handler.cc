#include "proxy/gateway_handler.hpp"

#include <sstream>

#include "http/framing.hpp"
#include "http/inline_io.hpp"
#include "proxy/admission.hpp"
#include "proxy/pipeline.hpp"
#include "proxy/reply.hpp"
#include "proxy/request_context.hpp"
#include "proxy/response_writer.hpp"
#include "proxy/retry_advice.hpp"
#include "proxy/routes.hpp"
#include "proxy/websocket_plan.hpp"
#include "proxy/websocket_session.hpp"
#include "proxy/wire_format.hpp"

namespace warden::proxy {

namespace bhttp = net::http;

namespace {

Reply FramingReply(http::FramingError error) {
  return Reply{error.status, std::string(error.code), std::move(error.message), {}};
}

// Built-in routes (and unknown ones) never use a request body. When one announces a body anyway,
// it is answered from the header alone and the connection closes: the body is neither read nor
// buffered, so announcing 100 MB to /healthz costs warden no memory and no wait.
bool AnsweredWithoutBody(const http::Request& header) {
  return MatchRoute(PathOf(header.target())).kind != RouteKind::kProxy &&
         http::AnnouncesBody(header);
}

// The request as Handle() sees it: the header, an empty body, and "Connection: close".
http::Request RequestWithoutBody(const http::Request& header) {
  http::Request request(header);
  request.keep_alive(false);
  return request;
}

class GatewayConnection final : public http::ConnectionHandler {
 public:
  GatewayConnection(http::Connection& conn, GatewayState& gw)
      : ctx_{conn.stream,
             conn.buffer,
             conn.readiness,
             conn.pool,
             gw,
             conn.peer_address,
             conn.peer_loopback,
             conn.draining,
             {},
             nullptr,
             {},
             {}} {}

  net::Task<bool> OnHeader(const http::Request& header) override {
    snapshot_ = ctx_.gw.snapshots.Load();
    Verdict verdict = Admit(ctx_, *snapshot_, header);
    if (!verdict.proceed) {
      co_await WriteError(ctx_, PathOf(header.target()), std::move(verdict.refusal), false);
      co_return false;
    }
    caller_ = std::move(verdict.caller);
    if (IsWebSocketUpgrade(header) && MatchRoute(PathOf(header.target())).name == "responses") {
      // The session takes the connection over; it closes when the session ends.
      co_await ServeWebSocket(ctx_, std::move(snapshot_), header, std::move(caller_));
      co_return false;
    }
    if (AnsweredWithoutBody(header)) {
      // Answered from the header; the session drains what is in flight (bounded) and closes.
      http::Request request = RequestWithoutBody(header);
      co_await Handle(ctx_, std::move(snapshot_), request, std::move(caller_));
      co_return false;
    }
    // An HTTP/1.0 client does not know interim responses (RFC 9110 §10.1.1).
    if (header.version() >= 11 &&
        net::beast::iequals(header[bhttp::field::expect], "100-continue")) {
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
      auto [ec, n] = co_await bhttp::async_write(ctx_.stream, cont, net::kUseTuple);
      if (ec) co_return false;
    }
    co_return true;
  }

  // Handle's own task, not a coroutine around it (one frame fewer per request).
  net::Task<bool> OnRequest(http::Request& request) override {
    return Handle(ctx_, std::move(snapshot_), request, std::move(caller_));
  }

  net::Task<void> OnFramingError(std::string_view target, http::FramingError error) override {
    Reply reply = FramingReply(std::move(error));
    co_await WriteError(ctx_, target, std::move(reply), false);
  }

 private:
  ClientContext ctx_;
  snapshot::SnapshotConstSharedPtr snapshot_;  // loaded at the header, kept for the request
  CallerIdentity caller_;                      // admitted with that header
};

}  // namespace

std::string GatewayHandler::ConnectionRefusal(const http::FramingError& error) {
  // No request was read, so the caller's wire format is unknown: the OpenAI shape, which both
  // SDKs report readably.
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(error.status), 11};
  res.set(bhttp::field::content_type, "application/json");
  res.set("x-content-type-options", "nosniff");
  res.set("referrer-policy", "no-referrer");
  if (error.status == 429 || error.status == 503) res.set(bhttp::field::retry_after, "1");
  res.set(kShouldRetryHeader, ShouldRetry(error.status, error.code) ? "true" : "false");
  res.keep_alive(false);
  res.body() = ErrorBody(WireFormat::kOpenAi, error.status, error.code, error.message);
  res.prepare_payload();
  std::ostringstream out;
  out << res;
  return std::move(out).str();
}

std::unique_ptr<http::ConnectionHandler> GatewayHandler::Open(http::Connection& connection) {
  return std::make_unique<GatewayConnection>(connection, gw_);
}

}  // namespace warden::proxy
