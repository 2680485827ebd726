// The embedded default config: what warden runs with when no config file exists (README,
// "Configuration").
// It is TOML text, parsed by the same loader as a user's file, so the default can never drift
// from what the schema accepts (a unit test parses it).
// Ownership: the text is static storage.
// Thread safety: returns a view of static storage; safe from any thread.
#pragma once

#include <string_view>

namespace warden::config {

// The origin recorded in Config::origin and error contexts for the embedded default.
inline constexpr std::string_view kEmbeddedDefaultOrigin = "<embedded default>";

// TOML text; valid for the program's lifetime.
std::string_view EmbeddedDefaultToml();

}  // namespace warden::config
