// Deadline: a timeout for a group of operations on a stream that, unlike beast::tcp_stream's
// per-operation timeout, (a) arms one timer for the whole group (fewer timer-queue operations
// and completion dispatches on the hot path) and (b) cancels the pending operations without
// closing the socket, so the caller can still answer (e.g. 408) or classify the failure.
//
// The timer handler touches `this` only when the deadline really fired; if the owner finishes
// first it calls Disarm() (or is destroyed), and the handler then sees operation_aborted, or,
// when it was already queued, a stale generation.
// Ownership: borrows the stream, which must outlive the Deadline.
// Thread safety: like the stream it guards — use from the stream's executor only.
#pragma once

#include <chrono>
#include <cstdint>

#include "http/any_stream.hpp"
#include "http/net.hpp"

namespace warden::http {

class Deadline {
 public:
  explicit Deadline(net::asio::any_io_executor executor) : timer_(std::move(executor)) {}
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  void Arm(std::chrono::milliseconds duration, AnyStream& stream) {
    fired_ = false;
    armed_ = true;
    const std::uint64_t generation = ++generation_;
    timer_.expires_after(duration);
    timer_.async_wait([this, &stream, generation](const net::error_code& ec) {
      // A timer that expired just as its operations completed has its handler queued already;
      // cancel() cannot recall it. The generation tells it apart from a later Arm(), whose
      // operations it must not cancel.
      if (ec || !armed_ || generation != generation_) return;
      fired_ = true;
      net::error_code ignored;
      stream.Tcp().socket().cancel(ignored);
    });
  }
  void Disarm() {
    if (!armed_) return;
    armed_ = false;
    timer_.cancel();
  }
  bool fired() const { return fired_; }

 private:
  net::asio::steady_timer timer_;
  bool armed_ = false;
  bool fired_ = false;
  std::uint64_t generation_ = 0;
};

}  // namespace warden::http
