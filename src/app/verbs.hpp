// The CLI verbs. Each returns the process exit code (README, "CLI").
// All verbs resolve config, secrets and the gateway token with the same functions as `serve`.
// Ownership: each verb owns everything it creates until it returns.
// Thread safety: call from main's thread, one verb per process.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace warden::app {

struct CommonOptions {
  std::optional<std::string> config_path;
  std::optional<std::string> token;
  std::string log_level = "info";
};

struct ServeOptions {
  std::optional<std::string> bind;
};

struct ReportOptions {
  bool check = false;
  bool json = false;
};

// `warden auth ...`: the profile store (README, "Profiles").
struct AuthPasteOptions {
  std::string provider;
  std::string profile = "default";
  std::optional<std::string> expires;     // a duration from now: "8h"
  std::optional<std::string> expires_at;  // ISO 8601 with a zone
};
struct AuthListOptions {
  bool json = false;
};
struct AuthLogoutOptions {
  std::string profile;  // the id, provider:name
};
struct AuthOrderOptions {
  std::optional<std::string> provider;
  std::vector<std::string> ids;  // set: the new order; empty clears it
  bool json = false;
};
struct AuthImportOptions {
  std::optional<std::string> from;  // codex | claude | profiles; unset: every source found
  std::optional<std::string> path;  // with --from: the source file
  bool dry_run = false;
  bool replace = false;  // overwrite a different credential under an existing id
};

struct AuthLoginOptions {
  std::string provider;
  std::string profile = "default";
  bool no_browser = false;
  std::string timeout = "5m";  // how long to wait for the callback or a paste
};
struct AuthRefreshOptions {
  std::optional<std::string> profile;  // unset: every oauth profile with a refresh token
};

struct DoctorOptions {
  bool fix = false;  // tighten the permissions it reports
  bool json = false;
};

int RunServe(const CommonOptions& common, const ServeOptions& options);
int RunStatus(const CommonOptions& common, const ReportOptions& options);
int RunSecretsAudit(const CommonOptions& common, const ReportOptions& options);
int RunToken(const CommonOptions& common);
// `warden token generate`: a new random token and its "sha256:" digest, on stdout only (no log,
// no file): the token goes to the caller, the digest into [callers.NAME].tokens.
int RunTokenGenerate();
// The token is read from stdin (never argv), trimmed and header-checked before it is stored.
int RunAuthPasteToken(const CommonOptions& common, const AuthPasteOptions& options);
int RunAuthList(const AuthListOptions& options);
int RunAuthLogout(const AuthLogoutOptions& options);
int RunAuthOrderGet(const AuthOrderOptions& options);
int RunAuthOrderSet(const AuthOrderOptions& options);
int RunAuthImport(const AuthImportOptions& options);
// OAuth authorization code + PKCE: loopback callback or a pasted redirect, then the exchange.
int RunAuthLogin(const CommonOptions& common, const AuthLoginOptions& options);
// Refreshes through the cross-process fence (one grant however many processes ask at once).
int RunAuthRefresh(const CommonOptions& common, const AuthRefreshOptions& options);
// `warden doctor`: file permissions, config validity, SecretRefs, token strength, bind safety,
// the profile store, a running gateway and the clock (app/doctor.cc).
int RunDoctor(const CommonOptions& common, const DoctorOptions& options);

}  // namespace warden::app
