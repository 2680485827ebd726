// Private and trusted files: the two checks warden applies to files it did not write itself.
//
// Private files hold a secret and must be readable by nobody but their owner, the current user
// (README, "SecretRefs": file): file SecretRefs, federated token files, the gateway token file,
// and the files `warden secrets audit` inspects.
// The check: the final component is not a symlink; it is a regular file; it is owned by
// geteuid(); it has no group or world permission bits (mode & 077 == 0). It runs on lstat and
// again on the descriptor that open(O_NOFOLLOW) returned (fstat, same device and inode), so a
// file swapped between check and use is detected rather than trusted.
//   CheckPrivateFile  the check alone;
//   ReadSecureFile    the check, on an absolute path, then the content of the very descriptor
//                     that passed.
// Errors:
//   SECRET_FILE_INSECURE  a check failed; the message names the problem and the fix
//                         ("chmod 600 PATH", "chown", "replace the symlink with the file");
//   SECRET_PROVIDER_ERROR the file is missing or unreadable, or larger than `max_bytes`.
//
// Trusted paths decide what warden does rather than hold a secret: the warden home, the config
// file, `$WARDEN_HOME/.env`, exec helpers and their directories (README, "Files"). Whoever can
// change one can change where warden sends keys or what it runs, so only the current user may:
//   owner  geteuid(); with TrustedOwner::kUserOrRoot also root (uid 0), for files an
//          administrator installed (/etc/warden/warden.toml, /usr/local/bin/helper): root can
//          change anything the user runs anyway. The home is always the user's own, since warden
//          writes its gateway token there;
//   mode   not writable by group or others (mode & 022 == 0). Readable is fine: a config is not
//          a secret (`warden secrets audit` reports one that holds plaintext secrets, and a
//          `.env` readable by others). Group-writable is refused even for a user-private group:
//          one rule, the fix is `chmod go-w`.
// A symlink is followed: the object it names is what is checked (and, for a file, read).
//   CheckTrustedStat  the rules on a stat the caller took (exec helpers lstat their command);
//   CheckTrustedDir   stat, a directory, the rules;
//   ReadTrustedFile   open, fstat the descriptor, a regular file, the rules, then its content:
//                     what is read is exactly what passed.
// Errors: FILE_INSECURE names the path, what it is and the fix ("chmod go-w PATH", "chown");
// IO_ERROR when it cannot be examined, opened or read; FILE_TOO_LARGE past `max_bytes`.
//
// Error context is the path. File content never appears in an error.
// Ownership: nothing is retained; every descriptor is closed before returning.
// Thread safety: stateless; safe to call concurrently.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace warden {

[[nodiscard]] Result<void> CheckPrivateFile(const std::string& path);

// Also refuses a relative path (SECRET_FILE_INSECURE): "~" is expanded before this is called.
[[nodiscard]] Result<std::string> ReadSecureFile(const std::string& path,
                                                 std::size_t max_bytes = 1 << 20);

// Who, besides the current user, may own a trusted path.
enum class TrustedOwner {
  kUser,        // geteuid() only
  kUserOrRoot,  // geteuid() or root
};

// `what` names the path in messages: "config file", "warden home", "exec helper".
[[nodiscard]] Result<void> CheckTrustedStat(const struct stat& st, const std::string& path,
                                            std::string_view what, TrustedOwner owner);

[[nodiscard]] Result<void> CheckTrustedDir(const std::string& path, std::string_view what,
                                           TrustedOwner owner);

[[nodiscard]] Result<std::string> ReadTrustedFile(const std::string& path, std::size_t max_bytes,
                                                  std::string_view what, TrustedOwner owner);

}  // namespace warden
