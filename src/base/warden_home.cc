#include "base/warden_home.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "base/private_file.hpp"

namespace warden {

std::optional<std::string> PasswdHome() {
  long hint = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(hint > 0 ? static_cast<std::size_t>(hint) : 4096);
  struct passwd entry {};
  struct passwd* found = nullptr;
  int rc = 0;
  while ((rc = ::getpwuid_r(::geteuid(), &entry, buf.data(), buf.size(), &found)) == ERANGE &&
         buf.size() < (1u << 20)) {
    buf.resize(buf.size() * 2);
  }
  if (rc != 0 || found == nullptr || found->pw_dir == nullptr || found->pw_dir[0] != '/') {
    return std::nullopt;
  }
  return std::string(found->pw_dir);
}

Result<std::string> WardenHome(const Environment& env,
                               const std::optional<std::string>& passwd_home) {
  if (auto home = env.Get("WARDEN_HOME"); home && !home->empty()) return *home;
  std::string user_home = env.Get("HOME").value_or("");
  if (user_home.empty()) user_home = passwd_home.value_or("");
  if (user_home.empty()) {
    return Error::Make(ErrorCode::kHomeUnset,
                       "cannot find the warden home: WARDEN_HOME and HOME are unset and uid " +
                           std::to_string(::geteuid()) +
                           " has no home directory in the passwd database; set WARDEN_HOME (or "
                           "HOME) to a directory only you can write");
  }
  if (user_home.back() != '/') user_home += '/';
  return user_home + ".warden";
}

Result<std::string> WardenHome(const Environment& env) {
  // Only look the user up when the environment does not answer.
  const bool from_env =
      !env.Get("WARDEN_HOME").value_or("").empty() || !env.Get("HOME").value_or("").empty();
  return WardenHome(env, from_env ? std::nullopt : PasswdHome());
}

Result<std::string> CheckedWardenHome(const Environment& env) {
  auto home = WardenHome(env);
  if (!home) return home.error();
  // A home that is not there, or cannot be reached (HOME=/dev/null/x, an unsearchable parent),
  // holds nothing warden could read, so there is nothing to distrust; creating it is up to
  // EnsurePrivateDir (0700), which reports why it cannot.
  struct stat st {};
  if (::stat(home->c_str(), &st) != 0) return home;
  if (auto ok = CheckTrustedDir(*home, "warden home", TrustedOwner::kUser); !ok) {
    return ok.error();
  }
  return home;
}

}  // namespace warden
