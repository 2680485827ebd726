// warden: the gateway (`serve`) and its operator CLI (`status`, `secrets audit`, `token`).
#include <cstdio>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "app/verbs.hpp"

int main(int argc, char** argv) {
  CLI::App app{"warden — a self-hosted LLM gateway that guards credentials"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("warden ") + WARDEN_VERSION);

  warden::app::CommonOptions common;
  auto add_common = [&common](CLI::App* cmd) {
    cmd->add_option(
        "--config", common.config_path,
        "config file (else $WARDEN_CONFIG, $WARDEN_HOME/warden.toml, embedded default)");
    cmd->add_option("--token", common.token,
                    "gateway token (overrides WARDEN_GATEWAY_TOKEN and the config)");
    cmd->add_option("--log-level", common.log_level, "trace|debug|info|warn|error|off")
        ->default_val("info");
  };

  warden::app::ServeOptions serve;
  auto* serve_cmd = app.add_subcommand("serve", "run the gateway");
  add_common(serve_cmd);
  serve_cmd->add_option("--bind", serve.bind, "override gateway.bind (host:port)");

  warden::app::ReportOptions status;
  auto* status_cmd = app.add_subcommand("status", "show every provider's credential state");
  add_common(status_cmd);
  status_cmd->add_flag("--check", status.check,
                       "exit 1 if a credential is missing/expired, 2 if one expires within 24h");
  status_cmd->add_flag("--json", status.json, "machine-readable output");

  warden::app::ReportOptions audit;
  auto* secrets_cmd = app.add_subcommand("secrets", "inspect secrets");
  secrets_cmd->require_subcommand(1);
  auto* audit_cmd = secrets_cmd->add_subcommand(
      "audit", "find plaintext secrets, insecure files and unresolved refs");
  add_common(audit_cmd);
  audit_cmd->add_flag("--check", audit.check, "exit 1 on findings, 2 on unresolved refs");
  audit_cmd->add_flag("--json", audit.json, "machine-readable output");

  auto* token_cmd =
      app.add_subcommand("token", "show where the gateway token comes from (never its value)");
  add_common(token_cmd);
  auto* token_generate_cmd = token_cmd->add_subcommand(
      "generate", "print a new random token and its sha256: digest for [callers] (stdout only)");

  CLI11_PARSE(app, argc, argv);

  if (serve_cmd->parsed()) return warden::app::RunServe(common, serve);
  if (status_cmd->parsed()) return warden::app::RunStatus(common, status);
  if (audit_cmd->parsed()) return warden::app::RunSecretsAudit(common, audit);
  if (token_generate_cmd->parsed()) return warden::app::RunTokenGenerate();
  if (token_cmd->parsed()) return warden::app::RunToken(common);
  return 2;
}
