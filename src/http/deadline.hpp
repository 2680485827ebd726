// Deadline: a timeout for a group of operations on a stream that, unlike beast::tcp_stream's
// per-operation timeout, (a) cancels the pending operations without closing the socket, so the
// caller can still answer (e.g. 408) or classify the failure, and (b) costs no timer operation on
// the hot path once it has waited once.
//
// A connection arms and disarms its deadline a few times per request (waiting for the request,
// for the provider's first byte, for each streamed event). Restarting a timer each time would
// cancel the pending wait, whose handler Asio then posts (a dispatch and an extra epoll_wait per
// request). Instead the timer is lazy: Arm only records the expiry, and starts a wait only when
// none is pending or the pending one would end too late; Disarm only clears a flag. When the
// pending wait ends, it fires if the deadline is still armed and due, waits again for the rest
// if it was re-armed since, and stops if disarmed. A connection so holds at most one wait, ending
// at the latest one timeout after it was armed.
//
// Ownership: borrows the stream while armed (it must outlive the armed period). The timer and the
// state its handler reads are shared with the pending handler, so destroying the Deadline with a
// wait pending (or its handler already queued) is safe.
// Thread safety: like the stream it guards — use from the stream's executor only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "http/any_stream.hpp"
#include "http/net.hpp"

namespace warden::http {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Deadline(net::asio::any_io_executor executor)
      : state_(std::make_shared<State>(std::move(executor))) {}
  ~Deadline() {
    state_->alive = false;
    state_->timer.cancel();
  }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  // Cancels `stream`'s pending operations `duration` from now, unless disarmed before.
  void Arm(std::chrono::milliseconds duration, AnyStream& stream) {
    State& s = *state_;
    s.fired = false;
    s.armed = true;
    s.stream = &stream;
    s.expiry = Clock::now() + duration;
    // A pending wait that ends no later re-checks then (and waits for the rest).
    if (s.waiting && s.timer.expiry() <= s.expiry) return;
    Wait(state_);
  }
  void Disarm() { state_->armed = false; }
  // Whether the deadline fired since it was last armed.
  bool fired() const { return state_->fired; }

 private:
  struct State {
    explicit State(net::asio::any_io_executor executor) : timer(std::move(executor)) {}
    net::asio::steady_timer timer;
    Clock::time_point expiry;
    AnyStream* stream = nullptr;
    std::uint64_t wait = 0;  // the pending wait's number: a replaced wait's handler is stale
    bool waiting = false;
    bool armed = false;
    bool fired = false;
    bool alive = true;
  };

  // Starts a wait ending at the expiry (cancelling a pending one that would end later).
  static void Wait(const std::shared_ptr<State>& st) {
    st->timer.expires_at(st->expiry);
    st->waiting = true;
    const std::uint64_t wait = ++st->wait;
    st->timer.async_wait([st, wait](const net::error_code& ec) {
      if (wait != st->wait) return;  // replaced by a wait ending sooner
      st->waiting = false;
      if (ec || !st->alive || !st->armed) return;
      if (Clock::now() < st->expiry) return Wait(st);  // re-armed since: wait for the rest
      st->fired = true;
      net::error_code ignored;
      st->stream->Tcp().socket().cancel(ignored);
    });
  }

  std::shared_ptr<State> state_;
};

}  // namespace warden::http
