// UpstreamPool: keep-alive connections to provider origins, one pool per event loop.
//
// Acquire() returns an idle pooled connection when one exists (one the upstream closed meanwhile
// fails on first use, before any response byte, and the caller retries on a fresh one),
// otherwise resolves, connects and — for https — does a TLS handshake with SNI and hostname
// verification against the system CA store, all within connect_timeout. At most
// max_connections_per_origin connections (idle + in use) exist per origin; beyond that Acquire
// waits for a slot until connect_timeout, then fails with UPSTREAM_BUSY.
// Release() returns a connection whose last exchange completed cleanly, and closes the idle ones
// older than pool_idle_timeout; Discard() closes one that did not (cancelled, timed out, not
// keep-alive, body not fully read).
//
// Ownership: owns its connections; a connection handed out by Acquire() belongs to the caller
// until Release()/Discard() gives it back.
// Thread safety: NOT thread-safe. A pool belongs to one event loop (one thread) and is used only
// from coroutines running on it, so it needs no locks. It must outlive those coroutines.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"
#include "config/config.hpp"
#include "http/any_stream.hpp"
#include "http/net.hpp"
#include "http/origin.hpp"

namespace warden::http {

inline constexpr std::size_t kUpstreamReadBufferBytes = 128 * 1024;

struct UpstreamConnection {
  explicit UpstreamConnection(AnyStream s) : stream(std::move(s)) {}
  // Wipes `head` and `first_record`: both held a credential (and `first_record` the start of a
  // caller's prompt), whichever request used the connection last.
  ~UpstreamConnection();
  UpstreamConnection(const UpstreamConnection&) = delete;
  UpstreamConnection& operator=(const UpstreamConnection&) = delete;
  AnyStream stream;
  // Bytes read past the parsed part of a response (must be empty to reuse). Bounded: a provider's
  // header is capped at 64 KiB by the parser, and a chunk line or trailer must fit here whole.
  net::beast::flat_buffer buffer{kUpstreamReadBufferBytes};
  std::string origin_key;
  // The end of the request head being sent (the proxy writes its credential field here), kept
  // for its capacity.
  std::string head;
  // Over TLS, the first record of the request being sent (inline_io's JoinFirstRecord: up to
  // 16 KiB, credential included, as `head`), kept for its capacity: up to 16 KiB more per pooled
  // TLS connection.
  std::string first_record;
  std::chrono::steady_clock::time_point idle_since;
  bool reused = false;  // came from the idle list: a failure before any byte may be retried
};
using UpstreamConnectionPtr = std::unique_ptr<UpstreamConnection>;

// How a pooled connection the provider closed while idle fails before any response byte: the
// request may be retried once on a fresh connection.
bool StaleConnectionError(const net::error_code& ec);

class UpstreamPool {
 public:
  UpstreamPool(net::asio::any_io_executor executor, std::shared_ptr<net::ssl::context> tls,
               config::UpstreamConfig cfg);
  ~UpstreamPool();

  // Errors: UPSTREAM_CONNECT (refused/unreachable/DNS), UPSTREAM_TIMEOUT, UPSTREAM_TLS,
  // UPSTREAM_BUSY. Messages name the origin, never a credential.
  net::Task<Result<UpstreamConnectionPtr>> Acquire(const Origin& origin);
  // Acquire's first step, without a coroutine: a healthy idle connection to `origin`, or null
  // (then co_await Acquire). The hot path takes a pooled connection this way.
  UpstreamConnectionPtr TakeIdle(const Origin& origin);
  void Release(UpstreamConnectionPtr conn);
  void Discard(UpstreamConnectionPtr conn);

  const config::UpstreamConfig& config() const { return cfg_; }

 private:
  struct OriginState {
    std::vector<UpstreamConnectionPtr> idle;  // LIFO: the warmest connection first
    int open = 0;                             // idle + in use
    std::deque<net::asio::steady_timer*> waiters;
  };
  net::Task<Result<UpstreamConnectionPtr>> Connect(const Origin& origin);
  // Closes the idle connections released pool_idle_timeout or longer before `now`. Release calls
  // it: TakeIdle reuses the newest connection, so under steady traffic after a burst the oldest
  // would otherwise stay open (each with its TLS buffers) however long they idle.
  void CloseExpired(OriginState& st, std::chrono::steady_clock::time_point now);
  void WakeOne(OriginState& st);
  static bool IdleConnectionHealthy(UpstreamConnection& c);

  net::asio::any_io_executor executor_;
  std::shared_ptr<net::ssl::context> tls_;
  config::UpstreamConfig cfg_;
  std::unordered_map<std::string, OriginState> origins_;
};

}  // namespace warden::http
