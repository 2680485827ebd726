// Whether a caller credential (the gateway token, a caller's token) is too easy to guess, for
// `warden doctor` (TOKEN_WEAK). A strong token is at least kMinTokenLength characters, not a
// well-known placeholder, not one character or a short pattern repeated and not a template with
// placeholder text in it. `warden token generate` makes one that passes.
// The reason never quotes the token or a part of it (not even the placeholder it matched).
// Ownership: plain values. Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace warden::access {

inline constexpr std::size_t kMinTokenLength = 24;

// Why `token` is weak ("is shorter than 24 characters"), to follow its name in a message; nullopt
// when it is strong enough.
std::optional<std::string> TokenWeakness(std::string_view token);

}  // namespace warden::access
