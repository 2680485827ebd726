#include "base/clock_sanity.hpp"

#include "base/iso_time.hpp"

namespace warden {

std::optional<std::string> ClockBeforeBuild(std::int64_t now_ms, std::int64_t built_ms) {
  if (built_ms <= 0 || now_ms >= built_ms) return std::nullopt;
  return "the system clock reads " + FormatIsoTime(now_ms) + ", before this warden was built (" +
         FormatIsoTime(built_ms) +
         "): token expiry and refresh go wrong; fix: set the clock (enable NTP, e.g. "
         "`timedatectl set-ntp true`)";
}

}  // namespace warden
