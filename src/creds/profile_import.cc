#include "creds/profile_import.hpp"

#include <string.h>
#include <sys/stat.h>

#include <cerrno>

#include <boost/json.hpp>

#include "base/private_file.hpp"
#include "base/warden_home.hpp"
#include "crypto/crypto.hpp"
#include "crypto/jwt.hpp"

namespace warden::creds {
namespace {

namespace json = boost::json;

constexpr ErrorCode kInvalid = ErrorCode::kImportSourceInvalid;
constexpr std::size_t kMaxSourceBytes = 1u << 20;

struct SourceEntry {
  ImportSource source;
  std::string_view name;
  std::string_view what;  // for messages
};
constexpr SourceEntry kSources[] = {
    {ImportSource::kCodex, "codex", "Codex CLI credentials"},
    {ImportSource::kClaude, "claude", "Claude Code credentials"},
    {ImportSource::kProfiles, "profiles", "auth-profiles.json"},
};

const SourceEntry& EntryOf(ImportSource source) {
  for (const auto& e : kSources) {
    if (e.source == source) return e;
  }
  return kSources[0];
}

Error Invalid(ImportSource source, const std::string& path, const std::string& why) {
  return Error::Make(kInvalid,
                     std::string(EntryOf(source).what) + " " + path + " cannot be imported: " + why,
                     path);
}

Result<json::object> ParseObject(ImportSource source, std::string_view text,
                                 const std::string& path) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec) return Invalid(source, path, "it is not valid JSON");
  if (!root.is_object()) return Invalid(source, path, "it is not a JSON object");
  return std::move(root.get_object());
}

// A string member, or "" when absent or of another type.
std::string StringOf(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// The `email` claim of an unverified id token, or "" (it only labels the profile).
std::string EmailOfIdToken(const std::string& id_token) {
  auto first = id_token.find('.');
  auto second = id_token.find('.', first == std::string::npos ? first : first + 1);
  if (first == std::string::npos || second == std::string::npos) return {};
  auto payload = crypto::Base64UrlDecode(id_token.substr(first + 1, second - first - 1));
  if (!payload) return {};
  boost::system::error_code ec;
  json::value claims = json::parse(*payload, ec);
  if (ec || !claims.is_object()) return {};
  std::string email = StringOf(claims.get_object(), "email");
  return IsProfileName(email) ? email : std::string();
}

// One credential through the store's own schema check (header-safe values, required fields).
Result<Profile> Build(ImportSource source, const std::string& path, const std::string& id,
                      const json::object& cred) {
  auto p = ParseProfile(id, cred);
  if (!p) return Invalid(source, path, p.error().message);
  return p;
}

Result<ImportedSet> CodexTokens(const json::object& tokens, const std::string& path) {
  const std::string access = StringOf(tokens, "access_token");
  if (access.empty()) return Invalid(ImportSource::kCodex, path, "tokens.access_token is missing");
  auto claims = crypto::DecodeJwtClaims(access);
  if (!claims) {
    return Invalid(ImportSource::kCodex, path,
                   "tokens.access_token is not a JWT with an `exp` claim (" +
                       std::string(claims.error().CodeName()) + ")");
  }
  json::object cred{{"type", "oauth"},
                    {"provider", "codex"},
                    {"access", access},
                    {"refresh", StringOf(tokens, "refresh_token")},
                    {"expires", claims->exp * 1000}};
  if (auto account = StringOf(tokens, "account_id"); !account.empty()) cred["accountId"] = account;
  if (auto email = EmailOfIdToken(StringOf(tokens, "id_token")); !email.empty()) {
    cred["email"] = email;
  }
  auto p = Build(ImportSource::kCodex, path, "codex:cli", cred);
  if (!p) return p.error();
  ImportedSet set{ImportSource::kCodex, path, {std::move(*p)}, {}, {}};
  return set;
}

}  // namespace

std::string_view ImportSourceName(ImportSource source) { return EntryOf(source).name; }

std::optional<ImportSource> ParseImportSource(std::string_view name) {
  for (const auto& e : kSources) {
    if (e.name == name) return e.source;
  }
  return std::nullopt;
}

Result<ImportedSet> ParseCodexAuth(std::string_view text, const std::string& path) {
  auto root = ParseObject(ImportSource::kCodex, text, path);
  if (!root) return root.error();
  if (const json::value* tokens = root->if_contains("tokens"); tokens && tokens->is_object()) {
    return CodexTokens(tokens->get_object(), path);
  }
  const std::string key = StringOf(*root, "OPENAI_API_KEY");
  if (key.empty()) {
    return Invalid(ImportSource::kCodex, path,
                   "it holds neither `tokens` nor `OPENAI_API_KEY`; log in with `codex login`");
  }
  auto p = Build(ImportSource::kCodex, path, "openai:codex",
                 json::object{{"type", "api_key"}, {"provider", "openai"}, {"key", key}});
  if (!p) return p.error();
  ImportedSet set{ImportSource::kCodex, path, {std::move(*p)}, {}, {}};
  return set;
}

Result<ImportedSet> ParseClaudeCredentials(std::string_view text, const std::string& path) {
  auto root = ParseObject(ImportSource::kClaude, text, path);
  if (!root) return root.error();
  const json::value* oauth = root->if_contains("claudeAiOauth");
  if (oauth == nullptr || !oauth->is_object()) {
    return Invalid(ImportSource::kClaude, path,
                   "it has no `claudeAiOauth` object; log in with `claude` first");
  }
  const json::object& o = oauth->get_object();
  json::object cred{{"type", "oauth"},
                    {"provider", "anthropic"},
                    {"access", StringOf(o, "accessToken")},
                    {"refresh", StringOf(o, "refreshToken")}};
  if (const json::value* expires = o.if_contains("expiresAt")) cred["expires"] = *expires;
  auto p = Build(ImportSource::kClaude, path, "anthropic:claude", cred);
  if (!p) return p.error();
  ImportedSet set{ImportSource::kClaude, path, {std::move(*p)}, {}, {}};
  return set;
}

Result<ImportedSet> ParseForeignProfiles(std::string_view text, const std::string& path) {
  auto root = ParseObject(ImportSource::kProfiles, text, path);
  if (!root) return root.error();
  const json::value* version = root->if_contains("version");
  if (version == nullptr || !version->is_number() || version->to_number<double>() != 1) {
    return Invalid(ImportSource::kProfiles, path, "\"version\" is not 1");
  }
  const json::value* profiles = root->if_contains("profiles");
  if (profiles == nullptr || !profiles->is_object()) {
    return Invalid(ImportSource::kProfiles, path, "\"profiles\" is missing or not an object");
  }
  ImportedSet set{ImportSource::kProfiles, path, {}, {}, {}};
  for (const auto& [id, cred] : profiles->get_object()) {
    auto p = ParseProfile(id, cred);
    if (p) {
      set.profiles.push_back(std::move(*p));
    } else {
      set.skipped.push_back(p.error().message);
    }
  }
  // The order, where it parses; an order is advice, so a bad one is dropped, not fatal.
  if (const json::value* order = root->if_contains("order")) {
    json::object probe;
    probe["version"] = 1;
    probe["order"] = *order;
    if (auto doc = ParseProfileDocument(json::serialize(probe), path)) {
      set.order = std::move(doc->order);
    }
  }
  return set;
}

Result<std::string> DefaultImportPath(ImportSource source, const Environment& env) {
  auto dir_of = [&env](std::string_view var, std::string_view under_home) -> Result<std::string> {
    if (auto v = env.Get(var); v && !v->empty()) return *v;
    std::string home = env.Get("HOME").value_or("");
    if (home.empty()) home = PasswdHome().value_or("");
    if (home.empty()) {
      return Error::Make(ErrorCode::kHomeUnset, "cannot find the default file: set " +
                                                    std::string(var) + " or HOME, or pass --path");
    }
    return home + "/" + std::string(under_home);
  };
  Result<std::string> dir = Error{};
  std::string file;
  switch (source) {
    case ImportSource::kCodex:
      dir = dir_of("CODEX_HOME", ".codex");
      file = "auth.json";
      break;
    case ImportSource::kClaude:
      dir = dir_of("CLAUDE_CONFIG_DIR", ".claude");
      file = ".credentials.json";
      break;
    case ImportSource::kProfiles:
      dir = dir_of("OPENCLAW_STATE_DIR", ".openclaw");
      file = "agents/main/agent/auth-profiles.json";
      break;
  }
  if (!dir) return dir.error();
  return *dir + "/" + file;
}

Result<ImportedSet> ReadImportSource(ImportSource source, const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 && errno == ENOENT) {
    return Error::Make(ErrorCode::kImportSourceMissing,
                       std::string(EntryOf(source).what) + " not found at " + path +
                           " (pass --path FILE if they are elsewhere)",
                       path);
  }
  auto text = ReadSecureFile(path, kMaxSourceBytes);
  if (!text) return text.error().Wrap(EntryOf(source).what);
  Result<ImportedSet> set = Error{};
  switch (source) {
    case ImportSource::kCodex:
      set = ParseCodexAuth(*text, path);
      break;
    case ImportSource::kClaude:
      set = ParseClaudeCredentials(*text, path);
      break;
    case ImportSource::kProfiles:
      set = ParseForeignProfiles(*text, path);
      break;
  }
  explicit_bzero(text->data(), text->size());
  return set;
}

std::string_view MergeOutcomeName(MergeOutcome outcome) {
  switch (outcome) {
    case MergeOutcome::kAdded:
      return "added";
    case MergeOutcome::kReplaced:
      return "replaced";
    case MergeOutcome::kUnchanged:
      return "unchanged";
    case MergeOutcome::kKeptExisting:
      return "kept existing (a different credential; --replace to overwrite)";
  }
  return "";
}

std::vector<MergeEntry> MergeImported(ProfileDocument& doc, const ImportedSet& set, bool replace) {
  std::vector<MergeEntry> out;
  for (const Profile& p : set.profiles) {
    auto it = doc.profiles.find(p.id);
    MergeOutcome outcome = MergeOutcome::kAdded;
    if (it != doc.profiles.end()) {
      if (SameCredential(it->second, p)) {
        outcome = MergeOutcome::kUnchanged;
      } else {
        outcome = replace ? MergeOutcome::kReplaced : MergeOutcome::kKeptExisting;
      }
    }
    if (outcome == MergeOutcome::kAdded || outcome == MergeOutcome::kReplaced) {
      doc.profiles[p.id] = p;
    }
    out.push_back({p.id, outcome});
  }
  for (const auto& [provider, ids] : set.order) {
    if (doc.order.count(provider) != 0) continue;
    std::vector<std::string> kept;
    for (const auto& id : ids) {
      if (doc.profiles.count(id) != 0) kept.push_back(id);
    }
    if (!kept.empty()) doc.order[provider] = std::move(kept);
  }
  return out;
}

}  // namespace warden::creds
