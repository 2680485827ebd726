// Clock: wall-clock time in milliseconds since the Unix epoch, behind an interface so that
// everything time-dependent (key cooldowns, the failed-auth limiter, federated token expiry and
// refresh planning) can be tested with a FakeClock instead of sleeps (leveldb `Env::NowMicros`).
//
// Callers borrow a Clock by reference; its owner (main, or the test) keeps it alive for as long
// as anything that borrowed it. Only wall-clock "now" lives here: timers and timeouts that
// measure elapsed time use std::chrono::steady_clock directly.
// Thread safety: NowMs() may be called from any thread, on all three classes; FakeClock's
// setters may race with readers (the value is atomic).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace warden {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since 1970-01-01T00:00:00Z.
  virtual std::int64_t NowMs() const = 0;
};

// The system's real-time clock.
class SystemClock final : public Clock {
 public:
  std::int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that only moves when told to (tests).
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t now_ms = 0) : now_ms_(now_ms) {}

  std::int64_t NowMs() const override { return now_ms_.load(std::memory_order_relaxed); }
  void Set(std::int64_t now_ms) { now_ms_.store(now_ms, std::memory_order_relaxed); }
  void Advance(std::chrono::milliseconds by) {
    now_ms_.fetch_add(by.count(), std::memory_order_relaxed);
  }

 private:
  std::atomic<std::int64_t> now_ms_;
};

}  // namespace warden
