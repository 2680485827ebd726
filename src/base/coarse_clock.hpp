// CoarseClock: the monotonic clock at the kernel's tick resolution (CLOCK_MONOTONIC_COARSE), for
// the request path's bookkeeping that can be a few milliseconds off: the idle age of pooled
// connections, read twice per request. A read costs ~3 ns where std::chrono::steady_clock's costs
// ~22 ns (measured on the benchmark machine: that one reads the TSC and scales it, this one the
// time the last tick stored).
//
// Same epoch as std::chrono::steady_clock (libstdc++ reads CLOCK_MONOTONIC), so its time points
// are steady_clock's and mix with them. A coarse "now" lags the precise one by about one tick
// (Resolution(): 4 ms at HZ=250) and by more when ticks come late: 6 ms was seen here with both
// cores busy. So it is not for timeouts, which must not end early (http/deadline.hpp reads
// steady_clock).
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
  // How far Now() lags the precise clock when ticks come on time.
  static std::chrono::nanoseconds Resolution() {
    static const std::chrono::nanoseconds tick = [] {
      timespec res{};
      ::clock_getres(CLOCK_MONOTONIC_COARSE, &res);
      return std::chrono::seconds(res.tv_sec) + std::chrono::nanoseconds(res.tv_nsec);
    }();
    return tick;
  }
};

}  // namespace warden
