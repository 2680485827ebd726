#include "base/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace warden {

Result<FileLock> LockFile(const std::string& lock_path, std::chrono::milliseconds timeout) {
  UniqueFd fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) return Error::Posix("open lock file", lock_path, errno);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Polling with LOCK_NB instead of a blocking flock: a blocking call cannot be bounded without
  // signals. The step is short next to how long a holder keeps the lock (one file rewrite).
  constexpr std::chrono::milliseconds kPollStep{5};
  for (;;) {
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) return FileLock(std::move(fd));
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) return Error::Posix("lock", lock_path, errno);
    if (std::chrono::steady_clock::now() >= deadline) {
      return Error::Make(ErrorCode::kLockTimeout,
                         "another process has held the lock " + lock_path + " for more than " +
                             std::to_string(timeout.count()) +
                             "ms; retry, or find the holder with `fuser " + lock_path + "`",
                         lock_path);
    }
    std::this_thread::sleep_for(kPollStep);
  }
}

}  // namespace warden
