// ClientContext and RequestContext: what the steps of the request path share.
//
// ClientContext is one caller connection as the proxy sees it. RequestContext is one request on
// it: Handle() builds it in the session coroutine's frame and passes it by reference to every
// step it awaits (admission runs earlier, on the header alone, with the ClientContext).
// Thread safety: both live on one event loop and are used by one coroutine at a time.
// Ownership: ClientContext refers to the session's stream and buffer, the loop's upstream pool
// and the process-wide GatewayState, which all outlive it. RequestContext refers to the
// ClientContext, the request and the snapshot that Handle() holds for the whole request; it
// owns the request's log line.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "access/callers.hpp"
#include "creds/profile_pool.hpp"
#include "crypto/sha256_memo.hpp"
#include "http/any_stream.hpp"
#include "http/caller_readiness.hpp"
#include "http/deadline.hpp"
#include "http/net.hpp"
#include "http/request_handler.hpp"
#include "http/response_parser.hpp"
#include "http/upstream_pool.hpp"
#include "proxy/gateway_state.hpp"
#include "proxy/request_log.hpp"
#include "proxy/routes.hpp"
#include "snapshot/snapshot.hpp"

namespace warden::proxy {

using Request = http::Request;

struct ClientContext {
  http::AnyStream& stream;
  net::beast::flat_buffer& buffer;   // bytes the session read past the current request
  http::CallerReadiness& readiness;  // the receive pending on the caller's socket (CallerWatch)
  http::UpstreamPool& pool;
  GatewayState& gw;
  std::string peer_address;
  bool peer_loopback = false;
  const std::atomic<bool>& draining;  // the server is shutting down: do not keep alive
  // Per-connection buffers of the relay (relay.cc), kept across requests: the response's
  // serialized head, and the body buffer (allocated at the first relayed response).
  std::string head;
  std::unique_ptr<char[]> relay_buffer;
  // The upstream request's head without its credential (exchange.cc), and the provider's
  // response head's fields (http/response_parser.hpp), kept for their capacity.
  std::string upstream_head;
  http::HeadFields response_fields;
  // Bounds the wait for the provider: its first byte (exchange.cc), then each read of the body
  // (relay.cc). Kept across requests, as its timer is lazy (http/deadline.hpp).
  http::Deadline upstream_deadline{stream.get_executor()};
  // The SHA-256 of the caller token this connection presented last (admission.cc): a keep-alive
  // caller's token is hashed once, not on every request.
  crypto::Sha256Memo token_digests{};
};

// Who admission let in. In trusted-proxy mode: the user the proxy asserted and the client
// address found in X-Forwarded-For (trusted_proxy.hpp); empty in the other modes. With
// [callers]: the named caller recognised (access/callers.hpp), pointing into the snapshot the
// request keeps; nullptr without [callers].
struct CallerIdentity {
  std::string user;
  std::string client_address;
  const access::CallerPolicy* policy = nullptr;
};

struct RequestContext {
  ClientContext& client;
  const snapshot::Snapshot& snap;  // loaded once when the header arrived
  const Request& req;
  std::string_view path;  // the target without its query string
  Route route;
  bool keep_alive = false;  // the caller allows it and the server is not draining
  CallerIdentity caller;
  RequestLog log;
  // The profile "provider/model@name" pinned (planning resolved it in `snap`); nullptr = none.
  const creds::PooledProfile* pinned_profile = nullptr;
};

}  // namespace warden::proxy
