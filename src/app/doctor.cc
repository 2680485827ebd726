// `warden doctor [--fix] [--json]`: the file-level health of a warden installation (README,
// "CLI"). Each finding has a code, the path, a one-line fix and never a value:
//   FILE_INSECURE          a file or directory others could read or change: the home (0700),
//                          .env, the profile store, gateway.token, the TLS key, file SecretRef
//                          files and federated token files (0600), the config file (go-w);
//                          --fix applies exactly that chmod when the path is ours and not a
//                          symlink (ownership and symlinks are reported, never changed);
//   CONFIG_INVALID         the config does not load (the checks that need it are skipped);
//   PROFILE_STORE_CORRUPT  the profile store does not parse (never rewritten);
//   PROFILE_EXPIRED / PROFILE_EXPIRING  a profile needs a login or expires soon (AssessProfile);
//   TOKEN_SHADOWED         WARDEN_GATEWAY_TOKEN and gateway.auth.token differ (the function
//                          start-up and `secrets audit` use).
// Exit codes: 0 nothing left to fix · 1 findings (after --fix: the ones it could not fix) ·
// 2 could not check (no home).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "access/gateway_token.hpp"
#include "app/verbs.hpp"
#include "base/clock.hpp"
#include "base/unique_fd.hpp"
#include "base/warden_home.hpp"
#include "control/effective_config.hpp"
#include "creds/profile_store.hpp"
#include "observe/log.hpp"
#include "secrets/secret_resolver.hpp"

namespace warden::app {
namespace {

struct Finding {
  std::string code;
  std::string path;
  std::string message;  // what is wrong and the one-line fix; never a value
  bool fixed = false;
};

// What a path must not allow: kPrivate (no group/world bits at all: 0600 files, 0700 dirs) or
// kNotWritable (no group/world write: the config file).
enum class Rule { kPrivate, kNotWritable };

std::string Octal(mode_t mode) {
  return fmt::format("{:04o}", static_cast<unsigned>(mode & 07777));
}

// chmod through a descriptor opened without following a symlink, so the object fixed is the one
// that was checked.
bool Tighten(const std::string& path, const struct stat& st, mode_t mode) {
  const int flags =
      O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0);
  UniqueFd fd(::open(path.c_str(), flags));
  if (!fd.valid()) return false;
  struct stat now {};
  if (::fstat(fd.get(), &now) != 0 || now.st_ino != st.st_ino || now.st_dev != st.st_dev) {
    return false;
  }
  return ::fchmod(fd.get(), mode) == 0;
}

class Doctor {
 public:
  explicit Doctor(bool fix) : fix_(fix) {}

  // One path under `rule`; a missing path is fine (nothing to protect).
  void CheckPath(const std::string& path, const std::string& what, Rule rule) {
    struct stat st {};
    if (path.empty() || ::lstat(path.c_str(), &st) != 0) return;
    if (S_ISLNK(st.st_mode) && rule == Rule::kPrivate) {
      Add("FILE_INSECURE", path, what + " " + path + " is a symlink; replace it with the file");
      return;
    }
    if (S_ISLNK(st.st_mode) && ::stat(path.c_str(), &st) != 0) return;
    // A config an administrator installed may be root's (base/private_file.hpp, kUserOrRoot).
    const bool root_ok = rule == Rule::kNotWritable && st.st_uid == 0;
    if (st.st_uid != ::geteuid() && !root_ok) {
      Add("FILE_INSECURE", path,
          fmt::format("{} {} is owned by uid {}, not you (uid {}); run chown {} {}", what, path,
                      st.st_uid, ::geteuid(), ::geteuid(), path));
      return;
    }
    const mode_t bad = rule == Rule::kPrivate ? 077 : 022;
    if ((st.st_mode & bad) == 0) return;
    const mode_t wanted = st.st_mode & 07777 & ~bad;
    const std::string fix = rule == Rule::kPrivate
                                ? fmt::format("chmod {} {}", S_ISDIR(st.st_mode) ? 700 : 600, path)
                                : "chmod go-w " + path;
    Add("FILE_INSECURE", path,
        fmt::format("{} {} has mode {}, which lets group or others {} it; run {}", what, path,
                    Octal(st.st_mode), rule == Rule::kPrivate ? "access" : "change", fix));
    if (fix_ && Tighten(path, st, wanted)) findings_.back().fixed = true;
  }

  void CheckProfiles(const std::string& home) {
    creds::ProfileStore store = creds::ProfileStore::InHome(home);
    CheckPath(store.path(), "profile store", Rule::kPrivate);
    auto doc = store.Load();
    if (!doc) {
      // An insecure store is already a finding above; anything else (corrupt) is its own.
      if (doc.error().code != ErrorCode::kSecretFileInsecure) {
        Add(std::string(doc.error().CodeName()), store.path(), doc.error().message);
      }
      return;
    }
    const std::int64_t now = SystemClock().NowMs();
    for (const auto& [id, p] : doc->profiles) {
      const creds::ProfileHealth health = creds::AssessProfile(p, now);
      if (health.expiry == creds::ProfileExpiry::kExpired) {
        Add("PROFILE_EXPIRED", id,
            "profile " + id + " has expired; " +
                (health.needs_login ? "log in again, or `warden auth import` a fresh login"
                                    : "it will be refreshed when warden next uses it"));
      } else if (health.expiry == creds::ProfileExpiry::kExpiring) {
        Add("PROFILE_EXPIRING", id, "profile " + id + " expires soon; renew it before it does");
      }
    }
  }

  void CheckConfigFiles(const config::Config& cfg, const std::string& config_path) {
    CheckPath(config_path, "config file", Rule::kNotWritable);
    if (cfg.gateway.tls) CheckPath(cfg.gateway.tls->key, "TLS key", Rule::kPrivate);
    for (const auto& [alias, sp] : cfg.secret_providers) {
      if (sp.source == config::SecretSource::kFile) {
        CheckPath(sp.path, "secrets.providers." + alias + ".path", Rule::kPrivate);
      }
    }
    for (const auto& p : cfg.providers) {
      if (p.federated) CheckPath(p.federated->token_file, "token_file", Rule::kPrivate);
    }
  }

  void CheckTokenShadowing(const config::Config& cfg, const Environment& env) {
    if (!cfg.gateway.auth.token) return;
    secrets::SecretResolver resolver(cfg.secret_providers, env);
    std::optional<Secret> config_token;
    if (auto v = resolver.Resolve(*cfg.gateway.auth.token)) config_token = std::move(*v);
    if (auto shadowed = access::TokenShadowedMessage(env, config_token)) {
      Add(std::string(access::kTokenShadowed), "gateway.auth.token", *shadowed);
    }
  }

  void Add(std::string code, std::string path, std::string message) {
    findings_.push_back({std::move(code), std::move(path), std::move(message), false});
  }

  const std::vector<Finding>& findings() const { return findings_; }

 private:
  bool fix_;
  std::vector<Finding> findings_;
};

Result<control::EffectiveConfig> LoadConfig(const CommonOptions& common, const Environment& env) {
  if (auto dotenv = control::LoadHomeDotenv(env); !dotenv) return dotenv.error();
  return control::LoadEffectiveConfig(common.config_path, env);
}

int Print(const Doctor& doctor, bool json) {
  int open = 0;
  for (const auto& f : doctor.findings()) open += f.fixed ? 0 : 1;
  if (json) {
    boost::json::array arr;
    for (const auto& f : doctor.findings()) {
      arr.push_back(
          {{"code", f.code}, {"path", f.path}, {"message", f.message}, {"fixed", f.fixed}});
    }
    boost::json::object o{{"ok", open == 0}, {"findings", std::move(arr)}};
    std::puts(boost::json::serialize(o).c_str());
  } else {
    for (const auto& f : doctor.findings()) {
      std::printf("%-22s %s%s\n", f.code.c_str(), f.fixed ? "fixed: " : "", f.message.c_str());
    }
    if (open == 0) std::printf("ok: nothing left to fix\n");
  }
  return open == 0 ? 0 : 1;
}

}  // namespace

int RunDoctor(const CommonOptions& common, const DoctorOptions& options) {
  observe::InitLogging("off");
  ProcessEnvironment env;
  auto home = WardenHome(env);
  if (!home) {
    std::fprintf(stderr, "warden doctor: %s\n", home.error().ToString().c_str());
    return 2;
  }
  Doctor doctor(options.fix);
  // The home first, with --fix, so that the verbs below (which refuse an untrusted home) can run.
  doctor.CheckPath(*home, "warden home", Rule::kPrivate);
  doctor.CheckPath(*home + "/.env", "dotenv file", Rule::kPrivate);
  doctor.CheckPath(access::GatewayTokenPath(*home), "gateway token file", Rule::kPrivate);
  doctor.CheckProfiles(*home);
  auto effective = LoadConfig(common, env);
  // A config others can change is refused by the loader: report (and with --fix tighten) it
  // like any other path, then try once more.
  if (!effective && effective.error().code == ErrorCode::kFileInsecure &&
      !effective.error().context.empty()) {
    const std::size_t before = doctor.findings().size();
    doctor.CheckPath(effective.error().context, "config file", Rule::kNotWritable);
    if (doctor.findings().size() > before && doctor.findings().back().fixed) {
      effective = LoadConfig(common, env);
    }
  }
  if (!effective) {
    doctor.Add(std::string(effective.error().CodeName()), effective.error().context,
               "the config cannot be loaded (checks that need it were skipped): " +
                   effective.error().message);
  } else {
    doctor.CheckConfigFiles(*effective->config, effective->path);
    doctor.CheckTokenShadowing(*effective->config, env);
  }
  return Print(doctor, options.json);
}

}  // namespace warden::app
