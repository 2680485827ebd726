// Server: the HTTP/1.1 front end. One event loop (io_context + thread) per core, each with its
// own SO_REUSEPORT acceptor, its own upstream pool and its own sessions, so the request path
// never crosses threads. A new connection is served by the loop with the fewest sessions: the
// loop that accepted it hands it over when another has fewer (the kernel's SO_REUSEPORT hash
// leaves a few connections unevenly spread). Sessions are keep-alive and pipelining-safe (requests
// are answered one at a time, in order; bytes read ahead stay in the session buffer).
//
// Limits per session: header_timeout for a request header, body_timeout for its body,
// idle_timeout between requests, max_header_bytes (431), max_body_bytes (413). Connections are
// capped in all (max_connections; near it idle keep-alive connections are shed first) and per
// client address (max_connections_per_client): over a cap a connection gets a short 503/429.
// Shutdown(): stop accepting, close idle sessions, let in-flight requests finish within
// shutdown_grace, then close whatever is left.
// Each request is handed to a Handler (http/request_handler.hpp); the server itself answers
// nothing but asks the handler to word the framing errors it detects.
// Thread safety: Start/Shutdown/Wait from one control thread; everything else runs on the loops.
// Ownership: the Handler and Metrics are borrowed and must outlive the server.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/config.hpp"
#include "http/connection_limiter.hpp"
#include "http/net.hpp"
#include "http/request_handler.hpp"
#include "http/tls_context.hpp"
#include "observe/metrics.hpp"

namespace warden::http {

class Server {
 public:
  struct Options {
    std::string bind = "127.0.0.1:8787";
    int threads = 0;  // 0 = hardware concurrency
    config::GatewayConfig limits;
    std::shared_ptr<ServerTlsSlot> server_tls;  // set → HTTPS only (the context may be swapped)
  };

  Server(Options options, Handler& handler, observe::Metrics& metrics);
  ~Server();

  Result<void> Start();  // binds and starts the loops
  net::tcp::endpoint LocalEndpoint() const;
  void Shutdown();  // graceful; returns at once
  void Wait();      // joins the loops

  struct Worker;  // one event loop; defined in server.cc

 private:
  Options options_;
  Handler& handler_;
  observe::Metrics& metrics_;
  std::atomic<bool> draining_{false};
  std::unique_ptr<ConnectionLimiter> connections_;
  std::shared_ptr<net::ssl::context> client_tls_;
  std::vector<std::unique_ptr<Worker>> workers_;
  net::tcp::endpoint endpoint_;
};

// "127.0.0.1:8787", "[::1]:0", "localhost:9" → endpoint (parsed by config::ParseBindAddress).
// Errors: CONFIG_INVALID.
Result<net::tcp::endpoint> ParseBind(const std::string& bind);
// 127.0.0.0/8, ::1 and IPv4-mapped loopback (config::BindAddress::IsLoopback).
bool IsLoopback(const net::asio::ip::address& a);

}  // namespace warden::http
