#include "base/private_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/atomic_file.hpp"
#include "base/unique_fd.hpp"

namespace warden {
namespace {

constexpr ErrorCode kInsecure = ErrorCode::kSecretFileInsecure;
constexpr ErrorCode kUntrusted = ErrorCode::kFileInsecure;
constexpr ErrorCode kProviderError = ErrorCode::kSecretProviderError;

std::string OctalMode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

Error IoError(const std::string& op, const std::string& path, int err) {
  return Error::Make(kProviderError,
                     "cannot " + op + " secret file " + path + ": " + std::strerror(err), path);
}

// The ownership and permission checks, shared by the lstat pass and the fstat pass.
Result<void> CheckStat(const struct stat& st, const std::string& path) {
  if (S_ISLNK(st.st_mode)) {
    return Error::Make(kInsecure,
                       "secret file " + path +
                           " is a symlink, which could be redirected to another file; replace "
                           "the symlink with the file it points to",
                       path);
  }
  if (!S_ISREG(st.st_mode)) {
    return Error::Make(kInsecure, "secret file " + path + " is not a regular file", path);
  }
  const uid_t euid = geteuid();
  if (st.st_uid != euid) {
    return Error::Make(kInsecure,
                       "secret file " + path + " is owned by uid " + std::to_string(st.st_uid) +
                           ", not by the current user (uid " + std::to_string(euid) +
                           "); run chown " + std::to_string(euid) + " " + path +
                           " (or keep the secret in a file you own)",
                       path);
  }
  if ((st.st_mode & 077) != 0) {
    return Error::Make(kInsecure,
                       "secret file " + path + " has mode " + OctalMode(st.st_mode) +
                           ", which lets group or others access it; run chmod 600 " + path,
                       path);
  }
  return Ok();
}

// The checks of CheckStat on `path` (lstat) and again on the descriptor open() returned
// (fstat), which must be the same object. The descriptor is returned open, so a caller reads
// exactly what passed; `opened` receives its fstat.
Result<UniqueFd> OpenPrivate(const std::string& path, struct stat& opened) {
  // First pass with lstat, for precise diagnostics (a symlink is reported as such rather than
  // as the ELOOP that O_NOFOLLOW would give).
  struct stat before {};
  if (::lstat(path.c_str(), &before) != 0) {
    int err = errno;
    if (err == ENOENT) {
      return Error::Make(kProviderError, "secret file " + path + " does not exist", path);
    }
    return IoError("stat", path, err);
  }
  if (auto ok = CheckStat(before, path); !ok) return ok.error();

  // O_NOFOLLOW refuses a symlink swapped in after lstat; O_NONBLOCK keeps a FIFO swapped in
  // from blocking the open. The fstat below then re-checks the object actually opened.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd.valid()) {
    int err = errno;
    if (err == ELOOP) {
      return Error::Make(
          kInsecure,
          "secret file " + path + " is a symlink; replace the symlink with the file it points to",
          path);
    }
    if (err == ENOENT) {
      return Error::Make(kProviderError, "secret file " + path + " does not exist", path);
    }
    return IoError("open", path, err);
  }

  if (::fstat(fd.get(), &opened) != 0) return IoError("stat", path, errno);
  if (auto ok = CheckStat(opened, path); !ok) return ok.error();
  if (opened.st_dev != before.st_dev || opened.st_ino != before.st_ino) {
    return Error::Make(kInsecure,
                       "secret file " + path + " was replaced while being checked; retry", path);
  }
  return fd;
}

}  // namespace

Result<void> CheckPrivateFile(const std::string& path) {
  struct stat st {};
  auto fd = OpenPrivate(path, st);
  if (!fd) return fd.error();
  return Ok();
}

Result<std::string> ReadSecureFile(const std::string& path, std::size_t max_bytes) {
  if (path.empty() || path.front() != '/') {
    return Error::Make(kInsecure,
                       "secret file path \"" + path +
                           "\" must be absolute (\"~\" is expanded by the config loader)",
                       path);
  }
  struct stat after {};
  auto opened = OpenPrivate(path, after);
  if (!opened) return opened.error();
  const int fd = opened->get();

  std::string content;
  // Reserve up front so the buffer holding the secret is not reallocated (leaving copies in
  // freed memory) for any file that does not grow while being read.
  if (after.st_size > 0) {
    content.reserve(std::min(static_cast<std::size_t>(after.st_size), max_bytes) + 1);
  }
  char buf[16 * 1024];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      explicit_bzero(buf, sizeof buf);
      explicit_bzero(content.data(), content.size());
      return IoError("read", path, err);
    }
    if (n == 0) break;
    if (content.size() + static_cast<std::size_t>(n) > max_bytes) {
      explicit_bzero(buf, sizeof buf);
      explicit_bzero(content.data(), content.size());
      return Error::Make(
          kProviderError,
          "secret file " + path + " is larger than " + std::to_string(max_bytes) + " bytes", path);
    }
    content.append(buf, static_cast<std::size_t>(n));
  }
  explicit_bzero(buf, sizeof buf);
  return content;
}

Result<void> CheckTrustedStat(const struct stat& st, const std::string& path, std::string_view what,
                              TrustedOwner owner) {
  const std::string name = std::string(what) + " " + path;
  const uid_t euid = geteuid();
  const bool root_allowed = owner == TrustedOwner::kUserOrRoot;
  if (st.st_uid != euid && !(root_allowed && st.st_uid == 0)) {
    const std::string uid = std::to_string(euid);
    return Error::Make(kUntrusted,
                       name + " is owned by uid " + std::to_string(st.st_uid) +
                           ", not by the current user (uid " + uid + ")" +
                           (root_allowed ? " or root" : "") +
                           ", and its owner could change what warden does; run chown " + uid + " " +
                           path + " as root, or use one that you own",
                       path);
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return Error::Make(kUntrusted,
                       name + " has mode " + OctalMode(st.st_mode) +
                           ", which lets group or others change it; run chmod go-w " + path,
                       path);
  }
  return Ok();
}

Result<void> CheckTrustedDir(const std::string& path, std::string_view what, TrustedOwner owner) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Error::Posix("stat", path, errno);
  if (!S_ISDIR(st.st_mode)) {
    return Error::Make(kUntrusted, std::string(what) + " " + path + " is not a directory", path);
  }
  return CheckTrustedStat(st, path, what, owner);
}

Result<std::string> ReadTrustedFile(const std::string& path, std::size_t max_bytes,
                                    std::string_view what, TrustedOwner owner) {
  // O_NONBLOCK so that a FIFO put in the file's place cannot block the open; the fstat below
  // then refuses it. Reads of a regular file ignore the flag.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd.valid()) return Error::Posix("open", path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Error::Posix("stat", path, errno);
  if (!S_ISREG(st.st_mode)) {
    return Error::Make(kUntrusted, std::string(what) + " " + path + " is not a regular file", path);
  }
  if (auto ok = CheckTrustedStat(st, path, what, owner); !ok) return ok.error();
  return ReadWholeFd(fd.get(), path, max_bytes);
}

}  // namespace warden
