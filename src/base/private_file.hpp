// Private files: files that hold a secret and must be readable by nobody but their owner, the
// current user (README, "SecretRefs": file). One check for every such file: file SecretRefs,
// federated token files, the gateway token file, and the files `warden secrets audit` inspects.
//
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
// Error context is the path. The content never appears in an error.
// Ownership: nothing is retained; the descriptor is closed before returning.
// Thread safety: stateless; safe to call concurrently.
#pragma once

#include <cstddef>
#include <string>

#include "base/result.hpp"

namespace warden {

[[nodiscard]] Result<void> CheckPrivateFile(const std::string& path);

// Also refuses a relative path (SECRET_FILE_INSECURE): "~" is expanded before this is called.
[[nodiscard]] Result<std::string> ReadSecureFile(const std::string& path,
                                                 std::size_t max_bytes = 1 << 20);

}  // namespace warden
