#include "access/token_strength.hpp"

#include <array>
#include <cctype>

namespace warden::access {

namespace {

// Whole tokens people leave in place from examples and docs (compared case-insensitively).
// Most are short and would fail the length rule anyway; matching them first gives the better
// message.
constexpr std::array<std::string_view, 16> kPlaceholders = {
    "changeme", "change-me", "change_me",       "secret", "password", "passw0rd",
    "token",    "test",      "your-token-here", "sk-...", "admin",    "default",
    "letmein",  "example",   "gateway-token",   "warden"};

// Text that marks a template value inside a longer string ("sk-your-token-here-0000000000").
// Six characters or more, so that a random token contains one by chance with a probability
// near 1e-7 at most.
constexpr std::array<std::string_view, 13> kPlaceholderMarkers = {
    "changeme",   "change-me", "change_me",   "replaceme", "replace-me", "replace_me", "your-token",
    "your_token", "yourtoken", "placeholder", "example",   "password",   "xxxxxx"};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The token is a unit of at most `max_unit` characters repeated ("abcabcabc...").
bool RepeatsShortUnit(std::string_view token, std::size_t max_unit) {
  for (std::size_t unit = 1; unit <= max_unit && unit * 2 <= token.size(); ++unit) {
    bool repeats = true;
    for (std::size_t i = unit; i < token.size() && repeats; ++i)
      repeats = token[i] == token[i - unit];
    if (repeats) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> TokenWeakness(std::string_view token) {
  const std::string lower = Lower(token);
  for (std::string_view p : kPlaceholders) {
    if (lower == p) return "is a well-known placeholder";
  }
  if (token.size() < kMinTokenLength) {
    return "is shorter than " + std::to_string(kMinTokenLength) + " characters";
  }
  if (RepeatsShortUnit(token, 8)) return "repeats a short pattern";
  for (std::string_view m : kPlaceholderMarkers) {
    if (lower.find(m) != std::string::npos) return "looks like a placeholder from an example";
  }
  if (lower.find("...") != std::string::npos) return "looks like a placeholder from an example";
  return std::nullopt;
}

}  // namespace warden::access
