// The CLI verbs. Each returns the process exit code (README, "CLI").
// All verbs resolve config, secrets and the gateway token with the same functions as `serve`.
// Ownership: each verb owns everything it creates until it returns.
// Thread safety: call from main's thread, one verb per process.
#pragma once

#include <optional>
#include <string>

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

int RunServe(const CommonOptions& common, const ServeOptions& options);
int RunStatus(const CommonOptions& common, const ReportOptions& options);
int RunSecretsAudit(const CommonOptions& common, const ReportOptions& options);
int RunToken(const CommonOptions& common);
// `warden token generate`: a new random token and its "sha256:" digest, on stdout only (no log,
// no file): the token goes to the caller, the digest into [callers.NAME].tokens.
int RunTokenGenerate();

}  // namespace warden::app
