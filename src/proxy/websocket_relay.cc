#include "proxy/websocket_relay.hpp"

#include <array>

namespace warden::proxy {

namespace asio = net::asio;
namespace ws = net::websocket;

namespace {

using Clock = std::chrono::steady_clock;

// Shared by the two pumps and the idle watch, in RelayWebSocket's frame (which outlives both
// pumps: it returns only once both have finished).
struct RelayState {
  http::WebSocket& caller;
  http::WebSocket& upstream;
  Clock::time_point last_activity = Clock::now();
  asio::steady_timer wake;
  int pumps_running = 2;
  bool ending = false;  // one side is being closed: the other pump stops without closing
  WebSocketTraffic traffic;
};

bool IsUpstream(const RelayState& s, const http::WebSocket& stream) {
  return &stream == &s.upstream;
}

// `from` stopped with `ec`. Closes `to`: with `from`'s close code when it sent a close frame,
// 1001 otherwise. Only the first side to stop does this.
net::Task<void> EndFrom(RelayState& s, http::WebSocket& from, http::WebSocket& to,
                        net::error_code ec) {
  if (s.ending) co_return;
  s.ending = true;
  const std::string side = IsUpstream(s, from) ? "upstream" : "caller";
  ws::close_reason reason(ws::close_code::going_away);
  if (ec == ws::error::closed) {
    reason = from.reason();
    s.traffic.end = side;
  } else if (ec == ws::error::message_too_big) {
    s.traffic.end = side + "_too_big";
  } else {
    s.traffic.end = side + "_gone";
  }
  if (!to.is_open()) co_return;
  auto [cec] = co_await to.async_close(reason, net::kUseTuple);
  (void)cec;  // a peer that does not answer is dropped when the sockets close
}

// Relays `from` → `to` until either fails; counts the payload bytes into `bytes`.
net::Task<void> Pump(RelayState& s, http::WebSocket& from, http::WebSocket& to,
                     std::uint64_t& bytes) {
  std::array<char, 16 * 1024> buffer;
  for (;;) {
    auto [rec, n] = co_await from.async_read_some(asio::buffer(buffer), net::kUseTuple);
    if (rec) {
      co_await EndFrom(s, from, to, rec);
      co_return;
    }
    s.last_activity = Clock::now();
    to.text(from.got_text());  // takes effect at the first frame of a message
    const bool fin = from.is_message_done();
    auto [wec, wn] =
        co_await to.async_write_some(fin, asio::buffer(buffer.data(), n), net::kUseTuple);
    if (wec) {
      co_await EndFrom(s, to, from, wec);
      co_return;
    }
    bytes += n;
  }
}

void Configure(http::WebSocket& stream, const WebSocketRelayOptions& options) {
  ws::stream_base::timeout timeout;
  timeout.handshake_timeout = options.close_timeout;  // bounds a close handshake
  timeout.idle_timeout = ws::stream_base::none();     // the relay's own idle rule applies
  timeout.keep_alive_pings = false;
  stream.set_option(timeout);
  stream.read_message_max(options.max_message_bytes);
  stream.auto_fragment(false);  // frames go on as they came, never re-split
}

// Waits until both pumps have stopped; past `idle_timeout` without activity, closes the caller
// with 1001 and drops the provider's connection, which stops both.
net::Task<void> WatchIdle(RelayState& s, std::chrono::milliseconds idle_timeout) {
  // Single-threaded: between the check of pumps_running and the wait no pump can finish, so
  // the cancel() of the last one to finish always finds the wait.
  while (s.pumps_running > 0) {
    if (s.ending) {
      s.wake.expires_at(Clock::time_point::max());  // woken by the pumps as they finish
    } else {
      s.wake.expires_at(s.last_activity + idle_timeout);
    }
    co_await s.wake.async_wait(net::kUseTuple);
    if (s.pumps_running == 0 || s.ending) continue;
    if (Clock::now() < s.last_activity + idle_timeout) continue;
    s.ending = true;
    s.traffic.end = "idle";
    s.upstream.next_layer().stream().Close();
    auto [ec] =
        co_await s.caller.async_close(ws::close_reason(ws::close_code::going_away), net::kUseTuple);
    (void)ec;
    s.caller.next_layer().stream().Close();
  }
}

}  // namespace

net::Task<WebSocketTraffic> RelayWebSocket(http::WebSocket& caller, http::WebSocket& upstream,
                                           WebSocketRelayOptions options) {
  auto executor = co_await asio::this_coro::executor;
  RelayState s{caller, upstream, Clock::now(), asio::steady_timer(executor), 2, false, {}};
  Configure(caller, options);
  Configure(upstream, options);
  // Frames from the provider (pings and pongs included) show that it is alive.
  upstream.control_callback(
      [&s](ws::frame_type, net::beast::string_view) { s.last_activity = Clock::now(); });
  auto done = [&s](std::exception_ptr) {
    --s.pumps_running;
    if (!s.ending) {
      // A pump that stopped without closing (an exception): drop both sides.
      s.ending = true;
      s.caller.next_layer().stream().Close();
      s.upstream.next_layer().stream().Close();
    }
    s.wake.cancel();
  };
  asio::co_spawn(executor, Pump(s, caller, upstream, s.traffic.to_upstream), done);
  asio::co_spawn(executor, Pump(s, upstream, caller, s.traffic.to_caller), done);
  co_await WatchIdle(s, options.idle_timeout);
  upstream.control_callback();
  co_return s.traffic;
}

}  // namespace warden::proxy
