#include "base/iso_time.hpp"

#include <time.h>

#include <cstdio>

namespace warden {
namespace {

// Exactly `n` digits at text[pos...], advancing pos.
std::optional<int> Digits(std::string_view text, std::size_t& pos, std::size_t n) {
  if (pos + n > text.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  pos += n;
  return v;
}

bool Expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

// The zone suffix as an offset east of UTC in seconds.
std::optional<int> ZoneOffset(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return std::nullopt;
  if (text[pos] == 'Z' && pos + 1 == text.size()) return 0;
  if (text[pos] != '+' && text[pos] != '-') return std::nullopt;
  const int sign = text[pos] == '-' ? -1 : 1;
  ++pos;
  auto hh = Digits(text, pos, 2);
  if (!hh || !Expect(text, pos, ':')) return std::nullopt;
  auto mm = Digits(text, pos, 2);
  if (!mm || pos != text.size() || *hh > 23 || *mm > 59) return std::nullopt;
  return sign * (*hh * 3600 + *mm * 60);
}

}  // namespace

std::string FormatIsoTime(std::int64_t ms_since_epoch) {
  time_t secs = static_cast<time_t>(ms_since_epoch / 1000);
  struct tm tm {};
  if (gmtime_r(&secs, &tm) == nullptr) return "?";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<std::int64_t> ParseIsoTime(std::string_view text) {
  std::size_t pos = 0;
  auto year = Digits(text, pos, 4);
  if (!year || !Expect(text, pos, '-')) return std::nullopt;
  auto month = Digits(text, pos, 2);
  if (!month || !Expect(text, pos, '-')) return std::nullopt;
  auto day = Digits(text, pos, 2);
  if (!day || !Expect(text, pos, 'T')) return std::nullopt;
  auto hour = Digits(text, pos, 2);
  if (!hour || !Expect(text, pos, ':')) return std::nullopt;
  auto minute = Digits(text, pos, 2);
  if (!minute || !Expect(text, pos, ':')) return std::nullopt;
  auto second = Digits(text, pos, 2);
  if (!second) return std::nullopt;
  int millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t digits = 0;
    for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++digits) {
      if (digits < 3) millis = millis * 10 + (text[pos] - '0');
    }
    if (digits == 0) return std::nullopt;
    for (std::size_t d = digits; d < 3; ++d) millis *= 10;
  }
  auto offset = ZoneOffset(text, pos);
  if (!offset || *year < 1970 || *month < 1 || *month > 12 || *day < 1 || *hour > 23 ||
      *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  struct tm tm {};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  time_t secs = timegm(&tm);
  // timegm normalises 31 February into March: refuse a date that did not survive unchanged.
  if (tm.tm_mday != *day || tm.tm_mon != *month - 1) return std::nullopt;
  return (static_cast<std::int64_t>(secs) - *offset) * 1000 + millis;
}

}  // namespace warden
