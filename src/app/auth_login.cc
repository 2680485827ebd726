// `warden auth login` (OAuth authorization code + PKCE through the loopback callback or a
// paste) and `warden auth refresh` (through the cross-process fence, creds/oauth_refresh.hpp).
// README, "Log in with OAuth" and "Refresh". Nothing is stored until the token endpoint has
// answered; the profile is then written in one atomic store update, so Ctrl-C at any point
// leaves either no profile or the whole one. Output names profiles, expiry and accounts, never
// a code or token.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "app/auth_common.hpp"
#include "app/oauth_callback.hpp"
#include "app/profile_report.hpp"
#include "app/verbs.hpp"
#include "base/clock.hpp"
#include "base/environment.hpp"
#include "config/duration.hpp"
#include "config/validate.hpp"
#include "control/effective_config.hpp"
#include "creds/oauth_client.hpp"
#include "creds/oauth_pkce.hpp"
#include "creds/oauth_refresh.hpp"

extern char** environ;

namespace warden::app {
namespace {

Error Invalid(std::string message) {
  return Error::Make(ErrorCode::kProfileInvalid, std::move(message));
}

// The provider's OAuth settings: its [providers.P.oauth], else the built-in preset.
Result<creds::OAuthSettings> SettingsFor(const CommonOptions& common, const std::string& provider) {
  ProcessEnvironment env;
  auto effective = control::LoadEffectiveConfig(common.config_path, env);
  if (!effective) return effective.error();
  std::optional<config::OAuthConfig> configured;
  for (const auto& p : effective->config->providers) {
    if (p.id == provider && p.oauth) configured = p.oauth;
  }
  return creds::ResolveOAuthSettings(provider, configured);
}

// xdg-open URL, detached; its absence (or failure) is fine: the URL is printed.
void TryOpenBrowser(const std::string& url) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::string prog = "xdg-open";
  std::string arg = url;
  char* argv[] = {prog.data(), arg.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawnp(&pid, "xdg-open", &actions, nullptr, argv, environ) == 0) {
    int status = 0;
    ::waitpid(pid, &status, WNOHANG);  // reaped later by exit if still running
  }
  posix_spawn_file_actions_destroy(&actions);
}

Result<std::chrono::milliseconds> LoginTimeout(const AuthLoginOptions& o) {
  auto d = config::ParseDuration(o.timeout);
  if (!d || d->count() <= 0 || d->count() > 24LL * 3600 * 1000) {
    return Invalid("--timeout must be a duration such as \"5m\" (at most 24h)");
  }
  return *d;
}

// The authorization, from the callback or a paste.
Result<creds::AuthorizationReply> Authorize(const creds::OAuthSettings& settings,
                                            const AuthLoginOptions& options, const Secret& verifier,
                                            std::chrono::milliseconds timeout) {
  creds::AuthorizeRequest request{settings.authorize_url,
                                  settings.client_id,
                                  settings.redirect_uri,
                                  settings.scopes,
                                  creds::PkceChallengeS256(verifier.Reveal()),
                                  creds::NewOAuthState()};
  const std::string url = creds::BuildAuthorizeUrl(request);
  CallbackWait wait{settings.redirect_uri, request.state, timeout, true, {}};
  wait.ready = [&] {
    std::fprintf(stderr,
                 "Open this address in a browser and log in:\n\n  %s\n\n"
                 "warden waits for the redirect to %s. If the browser is on another machine, "
                 "paste the address it was redirected to (or code#state) here and press Enter.\n",
                 url.c_str(), settings.redirect_uri.c_str());
    std::fflush(stderr);
    if (!options.no_browser) TryOpenBrowser(url);
  };
  return WaitForAuthorization(wait);
}

Result<creds::Profile> StoreLogin(const creds::ProfileStore& store, const std::string& id,
                                  const creds::OAuthTokens& tokens, std::int64_t now,
                                  bool& replaced) {
  creds::Profile p = creds::ProfileFromTokens(id, tokens, now, nullptr);
  p.extra[creds::kIssuedAtField] = now;
  auto doc = store.Update([&](creds::ProfileDocument& d) -> Result<bool> {
    replaced = d.profiles.count(id) != 0;
    d.profiles[id] = p;
    return true;
  });
  if (!doc) return doc.error();
  return p;
}

}  // namespace

int RunAuthLogin(const CommonOptions& common, const AuthLoginOptions& options) {
  constexpr std::string_view kVerb = "login";
  if (!config::IsProviderId(options.provider)) {
    return AuthFail(kVerb, Invalid("--provider must match ^[a-z0-9][a-z0-9_.-]{0,63}$"));
  }
  if (!creds::IsProfileName(options.profile)) {
    return AuthFail(kVerb, Invalid("--profile must match [A-Za-z0-9._@+-]{1,128}"));
  }
  auto timeout = LoginTimeout(options);
  if (!timeout) return AuthFail(kVerb, timeout.error());
  auto settings = SettingsFor(common, options.provider);
  if (!settings) return AuthFail(kVerb, settings.error());
  if (auto ok = ParseLoopbackRedirect(settings->redirect_uri); !ok) {
    return AuthFail(kVerb, ok.error());
  }
  auto store = OpenProfileStore();
  if (!store) return AuthFail(kVerb, store.error());
  if (auto current = store->Load(); !current) return AuthFail(kVerb, current.error());
  const Secret verifier = creds::NewPkceVerifier();
  auto reply = Authorize(*settings, options, verifier, *timeout);
  if (!reply) {
    AuthFail(kVerb, reply.error());
    return reply.error().code == ErrorCode::kIoError ? 130 : 1;
  }
  std::fputs("authorization received; exchanging it at the token endpoint\n", stderr);
  auto tokens = creds::ExchangeAuthorizationCode(*settings, reply->code, verifier);
  if (!tokens) return AuthFail(kVerb, tokens.error());
  const std::string id = options.provider + ":" + options.profile;
  const std::int64_t now = SystemClock().NowMs();
  bool replaced = false;
  auto stored = StoreLogin(*store, id, *tokens, now, replaced);
  if (!stored) return AuthFail(kVerb, stored.error());
  std::printf("%s %s in %s\n  %s\n", replaced ? "replaced" : "stored", id.c_str(),
              store->path().c_str(), ProfileLine(*stored, now).c_str());
  if (auto note = UnconfiguredProviderNote(common, options.provider)) {
    std::printf("note: %s\n", note->c_str());
  }
  return 0;
}

int RunAuthRefresh(const CommonOptions& common, const AuthRefreshOptions& options) {
  constexpr std::string_view kVerb = "refresh";
  if (options.profile) {
    if (auto ok = creds::CheckProfileId(*options.profile); !ok) return AuthFail(kVerb, ok.error());
  }
  auto store = OpenProfileStore();
  if (!store) return AuthFail(kVerb, store.error());
  auto doc = store->Load();
  if (!doc) return AuthFail(kVerb, doc.error());
  std::vector<creds::Profile> targets;
  if (options.profile) {
    auto it = doc->profiles.find(*options.profile);
    if (it == doc->profiles.end()) return AuthFail(kVerb, NotFound(*doc, *options.profile));
    targets.push_back(it->second);
  } else {
    for (const auto& [id, p] : doc->profiles) {
      if (p.Refreshable()) targets.push_back(p);
    }
    if (targets.empty())
      std::printf("no oauth profile with a refresh token in %s\n", store->path().c_str());
  }
  int rc = 0;
  SystemClock clock;
  creds::RefreshOptions refresh_options;
  refresh_options.honour_backoff = false;  // an operator asked for it now
  for (const auto& p : targets) {
    auto settings = SettingsFor(common, p.provider);
    if (!settings) {
      rc = AuthFail(kVerb, settings.error());
      continue;
    }
    auto grant = [&](const Secret& refresh) {
      return creds::RefreshAccessToken(*settings, refresh);
    };
    auto outcome = creds::RefreshProfile(*store, p.id, p.secret, grant, clock, refresh_options);
    if (!outcome) {
      rc = AuthFail(kVerb, outcome.error());
      continue;
    }
    std::printf("%s %s\n  %s\n",
                outcome->refreshed_here ? "refreshed" : "reused (a peer refreshed)", p.id.c_str(),
                ProfileLine(outcome->profile, clock.NowMs()).c_str());
  }
  return rc;
}

}  // namespace warden::app
