// FileWatch: notices when watched files are replaced or rewritten (inotify), for hot reload.
//
// Watches the *directories* of the given files, because editors and secret tools replace files
// by renaming a new one into place ("only moves are atomic"): a watch on the old inode would
// miss that. Reports IN_CLOSE_WRITE, IN_MOVED_TO and IN_CREATE events whose name is watched.
// Ownership: owns its inotify descriptor; borrows the executor, which must outlive it.
// Thread safety: not thread-safe; use from the control executor only.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "http/net.hpp"

namespace warden::control {

class FileWatch {
 public:
  explicit FileWatch(net::asio::any_io_executor executor);
  ~FileWatch();

  bool ok() const { return fd_ >= 0; }
  // Replaces the watched set (absolute paths). Directories that stay watched keep their watch, so
  // a change queued before the call is still reported by the next Next().
  void SetFiles(const std::vector<std::string>& files);
  // Waits for events and returns the watched paths that changed (possibly none; call again).
  net::Task<std::vector<std::string>> Next();
  void Cancel();

 private:
  int fd_ = -1;
  net::asio::posix::stream_descriptor stream_;
  std::map<int, std::string> dirs_;                     // wd → directory
  std::map<std::string, std::set<std::string>> files_;  // directory → watched names
};

}  // namespace warden::control
