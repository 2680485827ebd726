// ReadSecureFile: reads a secret file only when nobody but its owner (the current user) could
// have read or replaced it (DESIGN §3 "file").
//
// Checks, on every read: the path is absolute; the final component is not a symlink; it is a
// regular file; it is owned by geteuid(); it has no group or world permission bits
// (mode & 077 == 0). The checks run on the opened descriptor (O_NOFOLLOW + fstat) as well as on
// lstat, so swapping the file between check and read is detected rather than trusted.
// Errors:
//   SECRET_FILE_INSECURE  a check failed; the message names the problem and the fix
//                         ("chmod 600 PATH", "chown", "replace the symlink with the file");
//   SECRET_PROVIDER_ERROR the file is missing or unreadable, or larger than `max_bytes`.
// Error context is the path. The content never appears in an error.
// Thread safety: stateless; safe to call concurrently.
#pragma once

#include <cstddef>
#include <string>

#include "base/result.hpp"

namespace warden {

[[nodiscard]] Result<std::string> ReadSecureFile(const std::string& path,
                                                 std::size_t max_bytes = 1 << 20);

}  // namespace warden
