#include "config/duration.hpp"

#include <array>
#include <cstdint>

namespace warden::config {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t millis;
};

// Longest names first so that "ms" is not read as "m" followed by garbage "s".
constexpr std::array<Unit, 4> kUnits{{{"ms", 1}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}}};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Error Invalid(std::string_view text, std::string_view why) {
  return Error::InvalidConfig(
      {}, "invalid duration \"" + std::string(text) + "\": " + std::string(why));
}

}  // namespace

Result<Duration> ParseDuration(std::string_view text) {
  constexpr std::string_view kExpected =
      "expected a number followed by a unit (ms, s, m, h), e.g. \"30s\" or \"1h30m\"";
  if (text.empty()) return Error::InvalidConfig({}, "empty duration, " + std::string(kExpected));
  if (text.front() == '-') return Invalid(text, "must not be negative");
  if (text == "0") return Duration{0};

  std::int64_t total = 0;
  std::int64_t previous_unit = INT64_MAX;  // enforces strictly decreasing units
  std::size_t i = 0;
  while (i < text.size()) {
    // <digits>[.<digits>]
    std::int64_t whole = 0;
    std::size_t start = i;
    while (i < text.size() && IsDigit(text[i])) {
      if (__builtin_mul_overflow(whole, 10, &whole) ||
          __builtin_add_overflow(whole, text[i] - '0', &whole)) {
        return Invalid(text, "too large");
      }
      ++i;
    }
    bool has_whole = i > start;
    std::int64_t fraction = 0;
    std::int64_t fraction_scale = 1;
    if (i < text.size() && text[i] == '.') {
      ++i;
      std::size_t fraction_start = i;
      while (i < text.size() && IsDigit(text[i])) {
        if (fraction_scale >= 1'000'000'000) return Invalid(text, "too many decimal places");
        fraction = fraction * 10 + (text[i] - '0');
        fraction_scale *= 10;
        ++i;
      }
      if (i == fraction_start) return Invalid(text, kExpected);
    }
    if (!has_whole && fraction_scale == 1) return Invalid(text, kExpected);

    // <unit>
    const Unit* unit = nullptr;
    for (const Unit& candidate : kUnits) {
      if (text.substr(i, candidate.name.size()) == candidate.name) {
        unit = &candidate;
        break;
      }
    }
    if (unit == nullptr) {
      return Invalid(text, i == text.size() ? "missing unit (ms, s, m or h)"
                                            : "unknown unit, use ms, s, m or h");
    }
    i += unit->name.size();
    if (unit->millis >= previous_unit) {
      return Invalid(text, "units must go from largest to smallest, each once (e.g. \"1h30m\")");
    }
    previous_unit = unit->millis;

    std::int64_t part = 0;
    if (__builtin_mul_overflow(whole, unit->millis, &part)) return Invalid(text, "too large");
    // Exact to the millisecond: 1.5s is fine, 1.0005s is not.
    std::int64_t fraction_millis = fraction * unit->millis;
    if (fraction_millis % fraction_scale != 0) return Invalid(text, "finer than 1ms");
    if (__builtin_add_overflow(part, fraction_millis / fraction_scale, &part) ||
        __builtin_add_overflow(total, part, &total)) {
      return Invalid(text, "too large");
    }
  }
  return Duration{total};
}

std::string FormatDuration(Duration duration) {
  std::int64_t ms = duration.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out += '-';
    ms = -ms;
  }
  for (const Unit& unit : {kUnits[1], kUnits[2], kUnits[3], kUnits[0]}) {  // h, m, s, ms
    if (ms >= unit.millis) {
      out += std::to_string(ms / unit.millis);
      out += unit.name;
      ms %= unit.millis;
    }
  }
  return out;
}

}  // namespace warden::config
