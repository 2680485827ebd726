// `warden auth paste-token | list | logout | order get|set|clear`: the profile store from the
// command line (README, "Profiles"). Each verb reads or changes $WARDEN_HOME/auth-profiles.json
// through creds::ProfileStore (locked read-modify-write, atomic 0600 writes) and prints ids,
// types and expiry — never a credential value. Errors go to stderr as "warden auth VERB: CODE:
// message (context)" with exit code 1, as the other verbs do.
#include <termios.h>
#include <unistd.h>

#include <string.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <iterator>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app/auth_common.hpp"
#include "app/profile_report.hpp"
#include "app/verbs.hpp"
#include "base/clock.hpp"
#include "base/iso_time.hpp"
#include "base/strings.hpp"
#include "config/duration.hpp"
#include "config/validate.hpp"
#include "secrets/header_value.hpp"

namespace warden::app {
namespace {

constexpr std::size_t kMaxPastedBytes = 64 * 1024;

Error Invalid(std::string message) {
  return Error::Make(ErrorCode::kProfileInvalid, std::move(message));
}

// Hides what is typed while a token is pasted into a terminal; restores the mode when done.
class HiddenInput {
 public:
  HiddenInput() {
    if (::isatty(STDIN_FILENO) == 0 || ::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    struct termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  ~HiddenInput() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  HiddenInput(const HiddenInput&) = delete;
  HiddenInput& operator=(const HiddenInput&) = delete;

 private:
  struct termios saved_ {};
  bool active_ = false;
};

// The token from stdin: one line from a terminal, else all of it; trimmed.
Result<Secret> ReadPastedToken() {
  const bool tty = ::isatty(STDIN_FILENO) != 0;
  if (tty) std::fputs("Paste the token (input hidden), then press Enter: ", stderr);
  HiddenInput hidden;
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxPastedBytes) {
      explicit_bzero(text.data(), text.size());
      return Invalid("the token on stdin is larger than 64 KiB");
    }
    if (tty && text.find('\n') != std::string::npos) break;
  }
  if (tty) std::fputs("\n", stderr);
  Secret token{std::string(TrimWhitespace(text))};
  explicit_bzero(text.data(), text.size());
  explicit_bzero(buf, sizeof buf);
  if (token.empty()) {
    return Invalid("no token on stdin; pipe it in (`warden auth paste-token --provider P < file`)");
  }
  if (auto ok = secrets::CheckHeaderValue(token.Reveal(), "the token on stdin"); !ok) {
    return ok.error();
  }
  return token;
}

// --expires DURATION | --expires-at ISO → ms since the epoch; neither → nullopt.
Result<std::optional<std::int64_t>> PastedExpiry(const AuthPasteOptions& o, std::int64_t now_ms) {
  if (o.expires && o.expires_at) return Invalid("give --expires or --expires-at, not both");
  std::optional<std::int64_t> at;
  if (o.expires) {
    auto d = config::ParseDuration(*o.expires);
    if (!d || d->count() <= 0) {
      return Invalid("--expires must be a duration such as \"8h\" or \"720h\" (units ms, s, m, h)");
    }
    at = now_ms + d->count();
  }
  if (o.expires_at) {
    at = ParseIsoTime(*o.expires_at);
    if (!at) return Invalid("--expires-at must be an ISO 8601 time such as 2026-12-31T23:00:00Z");
    if (*at <= now_ms) return Invalid("--expires-at is in the past");
  }
  return at;
}

}  // namespace

int RunAuthPasteToken(const CommonOptions& common, const AuthPasteOptions& options) {
  constexpr std::string_view kVerb = "paste-token";
  if (!config::IsProviderId(options.provider)) {
    return AuthFail(kVerb, Invalid("--provider must match ^[a-z0-9][a-z0-9_.-]{0,63}$"));
  }
  if (!creds::IsProfileName(options.profile)) {
    return AuthFail(kVerb, Invalid("--profile must match [A-Za-z0-9._@+-]{1,128}"));
  }
  const std::int64_t now = SystemClock().NowMs();
  auto expires = PastedExpiry(options, now);
  if (!expires) return AuthFail(kVerb, expires.error());
  auto store = OpenProfileStore();
  if (!store) return AuthFail(kVerb, store.error());
  auto token = ReadPastedToken();
  if (!token) return AuthFail(kVerb, token.error());
  creds::Profile p;
  p.id = options.provider + ":" + options.profile;
  p.type = creds::ProfileType::kToken;
  p.provider = options.provider;
  p.secret = std::move(*token);
  p.expires_ms = *expires;
  bool replaced = false;
  auto doc = store->Update([&](creds::ProfileDocument& d) -> Result<bool> {
    replaced = d.profiles.count(p.id) != 0;
    d.profiles[p.id] = p;
    return true;
  });
  if (!doc) return AuthFail(kVerb, doc.error());
  std::printf("%s %s in %s\n  %s\n", replaced ? "replaced" : "stored", p.id.c_str(),
              store->path().c_str(), ProfileLine(p, now).c_str());
  if (auto note = UnconfiguredProviderNote(common, options.provider)) {
    std::printf("note: %s\n", note->c_str());
  }
  return 0;
}

int RunAuthList(const AuthListOptions& options) {
  auto store = OpenProfileStore();
  if (!store) return AuthFail("list", store.error());
  auto doc = store->Load();
  if (!doc) return AuthFail("list", doc.error());
  const std::int64_t now = SystemClock().NowMs();
  if (options.json) {
    boost::json::array profiles;
    for (const auto& [id, p] : doc->profiles) profiles.push_back(ProfileJson(p, now));
    boost::json::object root{
        {"store", store->path()}, {"profiles", std::move(profiles)}, {"order", OrderJson(*doc)}};
    std::puts(boost::json::serialize(root).c_str());
    return 0;
  }
  if (doc->profiles.empty()) {
    std::printf("no profiles in %s\n", store->path().c_str());
    return 0;
  }
  std::printf("profiles in %s:\n", store->path().c_str());
  for (const auto& [id, p] : doc->profiles) std::printf("  %s\n", ProfileLine(p, now).c_str());
  for (const auto& [provider, ids] : doc->order) {
    std::printf("order %s: %s\n", provider.c_str(),
                fmt::format("{}", fmt::join(ids, ", ")).c_str());
  }
  return 0;
}

int RunAuthLogout(const AuthLogoutOptions& options) {
  constexpr std::string_view kVerb = "logout";
  if (auto ok = creds::CheckProfileId(options.profile); !ok) return AuthFail(kVerb, ok.error());
  auto store = OpenProfileStore();
  if (!store) return AuthFail(kVerb, store.error());
  auto doc = store->Update([&](creds::ProfileDocument& d) -> Result<bool> {
    if (d.profiles.erase(options.profile) == 0) return NotFound(d, options.profile);
    for (auto it = d.order.begin(); it != d.order.end();) {
      auto& ids = it->second;
      ids.erase(std::remove(ids.begin(), ids.end(), options.profile), ids.end());
      it = ids.empty() ? d.order.erase(it) : std::next(it);
    }
    return true;
  });
  if (!doc) return AuthFail(kVerb, doc.error());
  std::printf(
      "removed %s from %s (only here: the provider was not told; revoke the login there if "
      "needed)\n",
      options.profile.c_str(), store->path().c_str());
  return 0;
}

int RunAuthOrderGet(const AuthOrderOptions& options) {
  auto store = OpenProfileStore();
  if (!store) return AuthFail("order get", store.error());
  auto doc = store->Load();
  if (!doc) return AuthFail("order get", doc.error());
  std::set<std::string> providers;
  for (const auto& [provider, ids] : doc->order) providers.insert(provider);
  for (const auto& [id, p] : doc->profiles) providers.insert(p.provider);
  if (options.provider) providers = {*options.provider};
  if (options.json) {
    boost::json::object order = OrderJson(*doc);
    if (options.provider) {
      boost::json::object one;
      if (order.contains(*options.provider)) one[*options.provider] = order[*options.provider];
      order = std::move(one);
    }
    std::puts(boost::json::serialize(boost::json::object{{"order", std::move(order)}}).c_str());
    return 0;
  }
  for (const auto& provider : providers) {
    auto it = doc->order.find(provider);
    if (it != doc->order.end()) {
      std::printf("%s: %s\n", provider.c_str(),
                  fmt::format("{}", fmt::join(it->second, ", ")).c_str());
    } else {
      std::printf("%s: (no order set: oauth, then token, then api_key)\n", provider.c_str());
    }
  }
  return 0;
}

int RunAuthOrderSet(const AuthOrderOptions& options) {
  constexpr std::string_view kVerb = "order set";
  const std::string provider = options.provider.value_or("");
  if (!config::IsProviderId(provider)) {
    return AuthFail(kVerb, Invalid("--provider must match ^[a-z0-9][a-z0-9_.-]{0,63}$"));
  }
  auto store = OpenProfileStore();
  if (!store) return AuthFail(kVerb, store.error());
  auto doc = store->Update([&](creds::ProfileDocument& d) -> Result<bool> {
    if (auto ok = CheckOrder(d, provider, options.ids); !ok) return ok.error();
    if (options.ids.empty()) return d.order.erase(provider) != 0;
    d.order[provider] = options.ids;
    return true;
  });
  if (!doc) return AuthFail(kVerb, doc.error());
  if (options.ids.empty()) {
    std::printf("order for %s cleared (default: oauth, then token, then api_key)\n",
                provider.c_str());
  } else {
    std::printf("order for %s: %s\n", provider.c_str(),
                fmt::format("{}", fmt::join(options.ids, ", ")).c_str());
  }
  return 0;
}

}  // namespace warden::app
