// FileLock: an exclusive advisory lock (flock) on a lock file, held for the lifetime of the
// object, so that processes sharing a file (the profile store) serialise their read-modify-write.
//
// LockFile opens (creating it 0600 if needed, O_NOFOLLOW) `lock_path` and takes flock(LOCK_EX),
// retrying without blocking every few milliseconds until `timeout` has passed; then it fails
// with LOCK_TIMEOUT naming the lock file and how to find its holder. A lock is tied to the open
// file description: it is released when the FileLock goes away, or by the kernel when the
// process dies, so a crashed holder never leaves a stale lock behind. The lock file itself is
// never removed (removing it would let two processes lock two different files).
// Errors: IO_ERROR (open/flock failed, with errno), LOCK_TIMEOUT.
// Ownership: a FileLock owns its descriptor; movable, not copyable.
// Thread safety: one FileLock per holder. flock locks of two descriptors conflict even within
// one process, so threads (and tests) may use separate FileLocks on one path.
#pragma once

#include <chrono>
#include <string>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace warden {

class FileLock {
 public:
  FileLock() = default;
  explicit FileLock(UniqueFd fd) : fd_(std::move(fd)) {}
  bool held() const { return fd_.valid(); }
  // Releases the lock now.
  void Release() { fd_.Reset(); }

 private:
  UniqueFd fd_;
};

[[nodiscard]] Result<FileLock> LockFile(const std::string& lock_path,
                                        std::chrono::milliseconds timeout);

}  // namespace warden
