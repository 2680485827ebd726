// warden: the gateway (`serve`) and its operator CLI (`status`, `secrets audit`, `token`,
// `auth`, `doctor`).
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "app/cli_errors.hpp"
#include "app/verbs.hpp"

namespace {

// Every subcommand name (nested ones too): words a parse error may quote that are not values.
void CollectSubcommandNames(const CLI::App& app, std::vector<std::string_view>& out) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    out.emplace_back(sub->get_name());
    CollectSubcommandNames(*sub, out);
  }
}

// CLI11's own handling of --help and --version; any other parse error is printed with the
// arguments' values replaced (app/cli_errors.hpp): never echo what may be a pasted token.
int ExitWithParseError(const CLI::App& app, const CLI::ParseError& e, int argc,
                       const char* const* argv) {
  if (e.get_exit_code() == 0) return app.exit(e);
  std::vector<std::string_view> keep;
  CollectSubcommandNames(app, keep);
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  const std::string message = warden::app::RedactArguments(e.what(), args, keep);
  std::fprintf(stderr, "%s\nRun with --help for more information.\n", message.c_str());
  return e.get_exit_code();
}

// The `warden auth` verbs: their options (CLI11 writes into them, so the object must outlive
// parsing) and their subcommands.
struct AuthCli {
  warden::app::AuthPasteOptions paste;
  warden::app::AuthListOptions list;
  warden::app::AuthLogoutOptions logout;
  warden::app::AuthOrderOptions order;
  warden::app::AuthImportOptions import_options;
  warden::app::AuthLoginOptions login;
  warden::app::AuthRefreshOptions refresh;
  CLI::App* paste_cmd = nullptr;
  CLI::App* list_cmd = nullptr;
  CLI::App* logout_cmd = nullptr;
  CLI::App* order_get_cmd = nullptr;
  CLI::App* order_set_cmd = nullptr;
  CLI::App* import_cmd = nullptr;
  CLI::App* login_cmd = nullptr;
  CLI::App* refresh_cmd = nullptr;

  // The exit code of the verb that was parsed; nullopt when none of them was.
  std::optional<int> Run(const warden::app::CommonOptions& common) const {
    if (paste_cmd->parsed()) return warden::app::RunAuthPasteToken(common, paste);
    if (list_cmd->parsed()) return warden::app::RunAuthList(list);
    if (logout_cmd->parsed()) return warden::app::RunAuthLogout(logout);
    if (order_get_cmd->parsed()) return warden::app::RunAuthOrderGet(order);
    if (order_set_cmd->parsed()) return warden::app::RunAuthOrderSet(order);
    if (import_cmd->parsed()) return warden::app::RunAuthImport(import_options);
    if (login_cmd->parsed()) return warden::app::RunAuthLogin(common, login);
    if (refresh_cmd->parsed()) return warden::app::RunAuthRefresh(common, refresh);
    return std::nullopt;
  }
};

void AddAuthCommands(CLI::App& app, const std::function<void(CLI::App*)>& add_common,
                     AuthCli& cli) {
  auto* auth_cmd =
      app.add_subcommand("auth", "manage the profile store ($WARDEN_HOME/auth-profiles.json)");
  auth_cmd->require_subcommand(1);
  cli.paste_cmd = auth_cmd->add_subcommand(
      "paste-token", "store a token read from stdin as profile PROVIDER:NAME (never from argv)");
  add_common(cli.paste_cmd);
  cli.paste_cmd->add_option("--provider", cli.paste.provider, "provider id, as in [providers.ID]")
      ->required();
  cli.paste_cmd->add_option("--profile", cli.paste.profile, "profile name (default: default)");
  cli.paste_cmd->add_option("--expires", cli.paste.expires,
                            "expires after this duration: 8h, 720h");
  cli.paste_cmd->add_option("--expires-at", cli.paste.expires_at,
                            "expires at this ISO 8601 time: 2026-12-31T23:00:00Z");

  cli.list_cmd = auth_cmd->add_subcommand("list", "list profiles (never a credential value)");
  cli.list_cmd->add_flag("--json", cli.list.json, "machine-readable output");

  cli.logout_cmd = auth_cmd->add_subcommand("logout", "remove a profile from the store");
  cli.logout_cmd->add_option("--profile", cli.logout.profile, "profile id, provider:name")
      ->required();

  auto* order_cmd = auth_cmd->add_subcommand("order", "the order in which profiles are tried");
  order_cmd->require_subcommand(1);
  cli.order_get_cmd = order_cmd->add_subcommand("get", "show the order of each provider");
  cli.order_get_cmd->add_option("--provider", cli.order.provider, "only this provider");
  cli.order_get_cmd->add_flag("--json", cli.order.json, "machine-readable output");
  cli.order_set_cmd = order_cmd->add_subcommand("set", "set a provider's order (no ids: clear it)");
  cli.order_set_cmd->add_option("--provider", cli.order.provider, "provider id")->required();
  cli.order_set_cmd->add_option("ids", cli.order.ids, "profile ids, most preferred first");

  cli.import_cmd = auth_cmd->add_subcommand(
      "import", "import logins of Codex CLI, Claude Code or another gateway (read-only on them)");
  auto* from_opt = cli.import_cmd->add_option("--from", cli.import_options.from,
                                              "codex | claude | profiles (default: all found)");
  cli.import_cmd->add_option("--path", cli.import_options.path, "the source file (with --from)")
      ->needs(from_opt);
  cli.import_cmd->add_flag("--dry-run", cli.import_options.dry_run,
                           "show what would be imported; change nothing");
  cli.import_cmd->add_flag("--replace", cli.import_options.replace,
                           "overwrite a different credential already stored under the same id");

  cli.login_cmd = auth_cmd->add_subcommand(
      "login", "log in with OAuth (PKCE) and store the tokens as profile PROVIDER:NAME");
  add_common(cli.login_cmd);
  cli.login_cmd->add_option("--provider", cli.login.provider, "provider id, as in [providers.ID]")
      ->required();
  cli.login_cmd->add_option("--profile", cli.login.profile, "profile name (default: default)");
  cli.login_cmd->add_flag("--no-browser", cli.login.no_browser,
                          "do not run xdg-open; only print the address");
  cli.login_cmd->add_option("--timeout", cli.login.timeout,
                            "how long to wait for the redirect or a paste (default 5m)");

  cli.refresh_cmd = auth_cmd->add_subcommand(
      "refresh", "refresh OAuth profiles now (once across processes sharing the store)");
  add_common(cli.refresh_cmd);
  cli.refresh_cmd->add_option("--profile", cli.refresh.profile,
                              "profile id, provider:name (default: every refreshable profile)");
}

}  // namespace

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

  AuthCli auth;
  AddAuthCommands(app, add_common, auth);

  warden::app::DoctorOptions doctor;
  auto* doctor_cmd = app.add_subcommand(
      "doctor", "check permissions, config and profiles; --fix tightens permissions");
  add_common(doctor_cmd);
  doctor_cmd->add_flag("--fix", doctor.fix, "tighten the permissions it reports");
  doctor_cmd->add_flag("--json", doctor.json, "machine-readable output");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return ExitWithParseError(app, e, argc, argv);
  }

  if (serve_cmd->parsed()) return warden::app::RunServe(common, serve);
  if (status_cmd->parsed()) return warden::app::RunStatus(common, status);
  if (audit_cmd->parsed()) return warden::app::RunSecretsAudit(common, audit);
  if (token_generate_cmd->parsed()) return warden::app::RunTokenGenerate();
  if (token_cmd->parsed()) return warden::app::RunToken(common);
  if (auto code = auth.Run(common)) return *code;
  if (doctor_cmd->parsed()) return warden::app::RunDoctor(common, doctor);
  return 2;
}
