#include "base/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdlib.h>

#include <cerrno>
#include <filesystem>

#include "base/paths.hpp"
#include "base/unique_fd.hpp"

namespace warden {

Result<void> EnsurePrivateDir(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p(path);
  if (p.has_parent_path() && !std::filesystem::exists(p.parent_path(), ec)) {
    if (auto r = EnsurePrivateDir(p.parent_path().string()); !r) return r;
  }
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
    return Error::Posix("mkdir", path, errno);
  return Ok();
}

Result<void> WriteFileAtomically(const std::string& path, std::string_view content, unsigned mode) {
  std::string dir = DirectoryOf(path);
  // mkostemp picks a fresh name and creates it with O_EXCL and mode 0600 from the start.
  std::string tmp = path + ".tmp-XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return Error::Posix("create", tmp, errno);
  auto fail = [&](const char* op, int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return Error::Posix(op, tmp, err);
  };
  // Exactly `mode` (0600 unless the caller asks otherwise), whatever the umask.
  if (::fchmod(fd, mode) != 0) return fail("chmod", errno);
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write", errno);
    }
    written += std::size_t(n);
  }
  if (::fsync(fd) != 0) return fail("fsync", errno);
  if (::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return Error::Posix("close", tmp, errno);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Error::Posix("rename", path, err);
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Ok();
}

Result<std::string> ReadWholeFile(const std::string& path, std::size_t max_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Error::Posix("open", path, errno);
  return ReadWholeFd(fd.get(), path, max_bytes);
}

Result<std::string> ReadWholeFd(int fd, const std::string& path, std::size_t max_bytes) {
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::Posix("read", path, errno);
    }
    if (n == 0) break;
    out.append(buf, std::size_t(n));
    if (out.size() > max_bytes) {
      return Error::Make(ErrorCode::kFileTooLarge,
                         path + " is larger than " + std::to_string(max_bytes) + " bytes", path);
    }
  }
  return out;
}

}  // namespace warden
