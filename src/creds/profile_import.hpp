// Imports into the profile store from credentials other tools already hold (README, "Profiles":
// `warden auth import`). Read-only on the source: a source file is opened O_RDONLY and never
// written, moved or re-permissioned.
//
// Sources, their default files and the profiles they give:
//   codex     Codex CLI, $CODEX_HOME/auth.json (default ~/.codex/auth.json).
//             tokens.{access_token, refresh_token, account_id, id_token} → oauth `codex:cli`,
//             expires from the access token's `exp` (crypto/jwt.hpp), email from the id token.
//             An API-key login (OPENAI_API_KEY, no tokens) → api_key `openai:codex`.
//   claude    Claude Code, $CLAUDE_CONFIG_DIR/.credentials.json (default
//             ~/.claude/.credentials.json). claudeAiOauth.{accessToken, refreshToken, expiresAt}
//             → oauth `anthropic:claude`.
//   profiles  another gateway's auth-profiles.json (default: OpenClaw's main agent,
//             $OPENCLAW_STATE_DIR or ~/.openclaw, then agents/main/agent/auth-profiles.json):
//             every profile warden can use, with its `order`; the others are listed as skipped
//             with the reason (a `keyRef`/`tokenRef` instead of a value, an unknown type).
// A source file must pass the private-file check (base/private_file.hpp; else
// SECRET_FILE_INSECURE naming `chmod 600`); a missing one is IMPORT_SOURCE_MISSING, one that is
// not what its tool writes IMPORT_SOURCE_INVALID. Messages name fields, never values.
// Merging never overwrites a different credential under an existing id unless `replace`.
// Ownership: plain values. Thread safety: stateless; ReadImportSource reads one file.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/environment.hpp"
#include "base/result.hpp"
#include "creds/profile_document.hpp"

namespace warden::creds {

enum class ImportSource { kCodex, kClaude, kProfiles };

inline constexpr ImportSource kAllImportSources[] = {ImportSource::kCodex, ImportSource::kClaude,
                                                     ImportSource::kProfiles};

// "codex" | "claude" | "profiles", and back (nullopt for anything else).
std::string_view ImportSourceName(ImportSource source);
std::optional<ImportSource> ParseImportSource(std::string_view name);

struct ImportedSet {
  ImportSource source = ImportSource::kCodex;
  std::string path;
  std::vector<Profile> profiles;
  std::map<std::string, std::vector<std::string>> order;  // only from another gateway's file
  std::vector<std::string> skipped;  // "id: why" for profiles that could not be taken
};

// The parsers, on the file's text; `path` names it in errors (IMPORT_SOURCE_INVALID).
[[nodiscard]] Result<ImportedSet> ParseCodexAuth(std::string_view text, const std::string& path);
[[nodiscard]] Result<ImportedSet> ParseClaudeCredentials(std::string_view text,
                                                         const std::string& path);
[[nodiscard]] Result<ImportedSet> ParseForeignProfiles(std::string_view text,
                                                       const std::string& path);

// Where the source's file is by default. HOME_UNSET when neither its variable nor HOME (nor a
// passwd entry) says.
[[nodiscard]] Result<std::string> DefaultImportPath(ImportSource source, const Environment& env);

// The file at `path`: missing → IMPORT_SOURCE_MISSING; insecure → SECRET_FILE_INSECURE; then
// the source's parser.
[[nodiscard]] Result<ImportedSet> ReadImportSource(ImportSource source, const std::string& path);

enum class MergeOutcome {
  kAdded,         // a new id
  kReplaced,      // a different credential under the id, replaced (`replace`)
  kUnchanged,     // the same credential was already there
  kKeptExisting,  // a different credential under the id, kept (no `replace`)
};
std::string_view MergeOutcomeName(MergeOutcome outcome);

struct MergeEntry {
  std::string id;
  MergeOutcome outcome;
};

// Adds the set's profiles to `doc`, and its order for each provider that has none in `doc`
// (only the ids `doc` then holds). Returns one entry per imported profile, in order.
std::vector<MergeEntry> MergeImported(ProfileDocument& doc, const ImportedSet& set, bool replace);

}  // namespace warden::creds
