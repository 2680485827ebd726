// CoarseClock: the monotonic clock at the kernel's tick resolution (CLOCK_MONOTONIC_COARSE), for
// the request path's bookkeeping that needs milliseconds at most: deadlines of seconds, the idle
// age of pooled connections. A read costs ~3 ns where std::chrono::steady_clock's costs ~22 ns
// (measured on the benchmark machine: that one reads the TSC and scales it, this one the time the
// last tick stored), and a proxied request takes five of them.
//
// Same epoch as std::chrono::steady_clock (libstdc++ reads CLOCK_MONOTONIC), so its time points
// are steady_clock's and mix with them (Asio's timers, steady_clock::now() in a handler). A coarse
// "now" lags the precise one by about one tick (Resolution(): 4 ms at HZ=250), and by a little
// more when the kernel's tick comes late (seen here: 4.3 ms on a VM); NotBefore() adds the tick,
// for deadlines that should not end early.
// Thread safety: all functions may be called from any thread.
#pragma once

#include <time.h>

#include <chrono>

namespace warden {

class CoarseClock {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  static time_point Now() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
  }
  // How far Now() normally lags the precise clock: the tick.
  static std::chrono::nanoseconds Resolution() {
    static const std::chrono::nanoseconds tick = [] {
      timespec res{};
      ::clock_getres(CLOCK_MONOTONIC_COARSE, &res);
      return std::chrono::seconds(res.tv_sec) + std::chrono::nanoseconds(res.tv_nsec);
    }();
    return tick;
  }
  // A time point `after` from now on the precise clock, at most one tick later, and earlier only
  // by what a late tick adds to the lag.
  static time_point NotBefore(std::chrono::nanoseconds after) {
    return Now() + after + Resolution();
  }
};

}  // namespace warden
