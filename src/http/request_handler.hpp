// Handler and ConnectionHandler: the seam between http/ (accepting, framing, deadlines) and the
// layer that answers requests (proxy/). http/ knows nothing of routes, credentials or error
// formats; it hands each request to the handler and asks it to word the errors it detects while
// framing.
//
// Per connection the server calls Handler::Open once, then for each request OnHeader (the body is
// not read yet: cheap rejections and authentication happen before a possibly large body
// arrives), and OnRequest with the complete request. Both see the session's one Request
// (request.hpp), reused for the next request once OnRequest returns.
// Thread safety: a ConnectionHandler lives on one event loop and is used by one session
// coroutine; Handler::Open is called on every loop and must be thread-safe.
// Ownership: the Connection and everything it refers to are owned by the session coroutine (the
// stream and buffer) or the event loop (the pool, the draining flag) and outlive the
// ConnectionHandler.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "http/any_stream.hpp"
#include "http/caller_readiness.hpp"
#include "http/net.hpp"
#include "http/request.hpp"
#include "http/upstream_pool.hpp"

namespace warden::http {

struct Connection {
  AnyStream& stream;
  net::beast::flat_buffer& buffer;  // bytes the session read past the current request
  CallerReadiness& readiness;       // the receive pending on the caller's socket
  UpstreamPool& pool;               // this event loop's upstream connections
  std::string peer_address;
  bool peer_loopback = false;
  const std::atomic<bool>& draining;  // set once the server shuts down: stop keeping alive
};

// A request the session could not frame: 400 (malformed), 408 (too slow), 413 (body over the
// cap), 431 (header over the cap) or 505 (HTTP version). `code` is the stable error code.
struct FramingError {
  int status = 400;
  std::string_view code;
  std::string message;
};

class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // The header of a request has arrived. Returns false when the handler wrote a final response
  // and the connection must close. May write an interim "100 Continue". May also take the
  // connection over for another protocol (a WebSocket upgrade: the Connection's stream and the
  // bytes read ahead in its buffer) and return false once done with it.
  // `header` is the request without its body.
  virtual net::Task<bool> OnHeader(const Request& header) = 0;
  // The complete request. Returns whether the connection may be kept alive.
  virtual net::Task<bool> OnRequest(Request& request) = 0;
  // Writes the response to a request the session refused while framing; the connection closes.
  virtual net::Task<void> OnFramingError(std::string_view target, FramingError error) = 0;
};

class Handler {
 public:
  virtual ~Handler() = default;
  virtual std::unique_ptr<ConnectionHandler> Open(Connection& connection) = 0;
  // A complete HTTP/1.1 response (with "Connection: close") refusing a connection before any
  // request was read (connection caps). Written without waiting, so it must be small.
  virtual std::string ConnectionRefusal(const FramingError& error) = 0;
};

}  // namespace warden::http
