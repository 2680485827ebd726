// Test-only helpers for tests that need real files: a private temporary directory under /tmp, files
// with exact permission bits, and bash helper scripts. Real files, real modes, real processes.
// Ownership: a TempDir owns its directory and removes it, with its contents, when destroyed.
// Thread safety: not thread-safe; one TempDir per test.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace warden::test_util {

// mkdtemp'd 0700 directory, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/warden-secrets-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

  // Writes `content` to dir/name with exactly `mode` (fchmod, so the umask does not interfere).
  std::string WriteFile(const std::string& name, const std::string& content,
                        mode_t mode = 0600) const {
    std::string file = Join(name);
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("open " + file);
    std::size_t off = 0;
    while (off < content.size()) {
      ssize_t n = ::write(fd, content.data() + off, content.size() - off);
      if (n <= 0) {
        ::close(fd);
        throw std::runtime_error("write " + file);
      }
      off += static_cast<std::size_t>(n);
    }
    if (::fchmod(fd, mode) != 0) {
      ::close(fd);
      throw std::runtime_error("fchmod " + file);
    }
    ::close(fd);
    return file;
  }

  // A bash script (0700 unless told otherwise).
  std::string WriteScript(const std::string& name, const std::string& body,
                          mode_t mode = 0700) const {
    return WriteFile(name, "#!/bin/bash\n" + body, mode);
  }

  std::string MakeDir(const std::string& name, mode_t mode = 0700) const {
    std::string dir = Join(name);
    if (::mkdir(dir.c_str(), mode) != 0) throw std::runtime_error("mkdir " + dir);
    return dir;
  }

 private:
  std::string path_;
};

// Permission bits of `path` (07777), failing the test if it cannot be stat-ed.
inline mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace warden::test_util
