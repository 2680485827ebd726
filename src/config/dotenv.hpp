// Dotenv: `$WARDEN_HOME/.env`, loaded at start without overriding the process environment.
// Lines: `KEY=VALUE`, optional `export ` prefix, `#` comments, single quotes (literal),
// double quotes (\n, \", \\ escapes). Files over 1 MiB are refused. Values are never logged.
// Ownership: returns values; nothing is retained.
// Thread safety: LoadDotenvInto calls setenv; call it in main before any thread starts.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace warden::config {

// Parses dotenv text; errors name the line number (never the value).
Result<std::map<std::string, std::string>> ParseDotenv(std::string_view text);

// Loads `path` if it exists: sets each variable that is not already set. Returns how many were
// set; a missing file is not an error. The file must be trusted (base/private_file.hpp
// ReadTrustedFile: the current user's or root's, not writable by group or others), else
// FILE_INSECURE and nothing is set.
Result<int> LoadDotenvInto(const std::string& path);

}  // namespace warden::config
