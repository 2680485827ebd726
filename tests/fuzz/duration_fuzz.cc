// Fuzzes duration strings (src/config/duration.{hpp,cc}): every timeout in warden.toml.
//
// Input: the text of a duration value; its first 8 bytes also make a non-negative count of
// milliseconds for the formatter.
// Invariants: no crash/UB; a parsed duration is >= 0 and round-trips through FormatDuration;
// FormatDuration's output of any non-negative duration parses back to the same value.
#include <cstdint>
#include <cstring>
#include <string>

#include "config/duration.hpp"
#include "fuzz_util.hpp"

using namespace warden::fuzz;
using warden::config::Duration;
using warden::config::FormatDuration;
using warden::config::ParseDuration;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = AsView(data, size);
  auto parsed = ParseDuration(text);
  if (parsed) {
    FUZZ_CHECK(parsed->count() >= 0, "negative duration", text);
    const std::string formatted = FormatDuration(*parsed);
    auto again = ParseDuration(formatted);
    FUZZ_CHECK(again.has_value(), "FormatDuration output does not parse", formatted);
    FUZZ_CHECK(*again == *parsed, "parse/format round trip changed the value", formatted);
  } else {
    FUZZ_CHECK(parsed.error().code == warden::ErrorCode::kConfigInvalid,
               std::string(parsed.error().CodeName()));
  }

  if (size >= 8) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, data, 8);
    const Duration d{std::int64_t(bits >> 1)};  // [0, INT64_MAX]: durations are never negative
    const std::string formatted = FormatDuration(d);
    auto back = ParseDuration(formatted);
    FUZZ_CHECK(back.has_value(), "FormatDuration output does not parse", formatted);
    FUZZ_CHECK(*back == d, "format/parse round trip changed the value", formatted);
  }
  return 0;
}
