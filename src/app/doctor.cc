// `warden doctor [--fix] [--json]`: the health of a warden installation (README, "CLI"). Each
// finding has a code, the path or key, a one-line fix and never a value (app/doctor_report.hpp):
//   FILE_INSECURE          a file or directory others could read or change: the home (0700),
//                          .env, the profile store, gateway.token, the TLS key, file SecretRef
//                          files and federated token files (0600), the config file (go-w);
//                          --fix applies exactly that chmod when the path is ours and not a
//                          symlink (ownership and symlinks are reported, never changed);
//   CONFIG_INVALID         the config does not load (the checks that need it are skipped);
//   PROFILE_STORE_CORRUPT  the profile store does not parse (never rewritten);
//   PROFILE_EXPIRED / PROFILE_EXPIRING / PROFILE_NEEDS_LOGIN  (creds::AssessProfile);
//   SECRET_UNRESOLVABLE, TOKEN_WEAK, TOKEN_SHADOWED, BIND_NOT_LOOPBACK  over the loaded config,
//                          resolved as serve resolves it (app/doctor_checks.hpp);
//   GATEWAY_STALE_CONFIG, GATEWAY_NOT_READY, GATEWAY_TOKEN_MISMATCH  a gateway running on this
//                          machine disagrees with the config (app/doctor_live.hpp);
//   CLOCK_SKEW             the clock reads earlier than this binary's build.
// This file holds the file checks and the order of the run; doctor never binds a socket and
// only connects to loopback.
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

#include <fmt/format.h>

#include "access/gateway_token.hpp"
#include "app/doctor_checks.hpp"
#include "app/doctor_report.hpp"
#include "app/verbs.hpp"
#include "base/clock.hpp"
#include "base/unique_fd.hpp"
#include "base/warden_home.hpp"
#include "control/effective_config.hpp"
#include "creds/profile_store.hpp"
#include "observe/log.hpp"

namespace warden::app {
namespace {

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
  Doctor(bool fix, DoctorReport& report) : fix_(fix), report_(report) {}

  // One path under `rule`; a missing path is fine (nothing to protect).
  void CheckPath(const std::string& path, const std::string& what, Rule rule) {
    struct stat st {};
    if (path.empty() || ::lstat(path.c_str(), &st) != 0) return;
    if (S_ISLNK(st.st_mode) && rule == Rule::kPrivate) {
      Add(kFileInsecureCode, path, what + " " + path + " is a symlink; replace it with the file");
      return;
    }
    if (S_ISLNK(st.st_mode) && ::stat(path.c_str(), &st) != 0) return;
    // A config an administrator installed may be root's (base/private_file.hpp, kUserOrRoot).
    const bool root_ok = rule == Rule::kNotWritable && st.st_uid == 0;
    if (st.st_uid != ::geteuid() && !root_ok) {
      Add(kFileInsecureCode, path,
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
    Add(kFileInsecureCode, path,
        fmt::format("{} {} has mode {}, which lets group or others {} it; run {}", what, path,
                    Octal(st.st_mode), rule == Rule::kPrivate ? "access" : "change", fix));
    if (fix_ && Tighten(path, st, wanted)) report_.findings().back().fixed = true;
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
      } else if (health.needs_login) {
        Add("PROFILE_NEEDS_LOGIN", id,
            "profile " + id +
                ": its refresh token was refused (invalid_grant); it works until it expires, then "
                "run `warden auth login --provider " +
                p.provider + "`");
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

  void Add(std::string_view code, std::string path, std::string message) {
    report_.Add(code, std::move(path), std::move(message));
  }

 private:
  bool fix_;
  DoctorReport& report_;
};

Result<control::EffectiveConfig> LoadConfig(const CommonOptions& common, const Environment& env) {
  if (auto dotenv = control::LoadHomeDotenv(env); !dotenv) return dotenv.error();
  return control::LoadEffectiveConfig(common.config_path, env);
}

// The config as serve loads it. A config others can change is refused by the loader: report
// (and with --fix tighten) it like any other path, then try once more.
Result<control::EffectiveConfig> LoadCheckedConfig(const CommonOptions& common,
                                                   const Environment& env, Doctor& doctor,
                                                   DoctorReport& report) {
  auto effective = LoadConfig(common, env);
  if (!effective && effective.error().code == ErrorCode::kFileInsecure &&
      !effective.error().context.empty()) {
    const std::size_t before = report.findings().size();
    doctor.CheckPath(effective.error().context, "config file", Rule::kNotWritable);
    if (report.findings().size() > before && report.findings().back().fixed) {
      effective = LoadConfig(common, env);
    }
  }
  return effective;
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
  DoctorReport report;
  Doctor doctor(options.fix, report);
  // The home first, with --fix, so that the verbs below (which refuse an untrusted home) can run.
  doctor.CheckPath(*home, "warden home", Rule::kPrivate);
  doctor.CheckPath(*home + "/.env", "dotenv file", Rule::kPrivate);
  doctor.CheckPath(access::GatewayTokenPath(*home), "gateway token file", Rule::kPrivate);
  doctor.CheckProfiles(*home);
  CheckClock(report);
  auto effective = LoadCheckedConfig(common, env, doctor, report);
  if (!effective) {
    report.Add(effective.error().CodeName(), effective.error().context,
               "the config cannot be loaded (checks that need it were skipped): " +
                   effective.error().message);
  } else {
    // Files first: --fix may make a secret file readable to its resolver again.
    doctor.CheckConfigFiles(*effective->config, effective->path);
    CheckConfig(*effective->config, env, common.token, report);
  }
  return report.Print(options.json);
}

}  // namespace warden::app
