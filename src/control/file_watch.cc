#include "control/file_watch.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <array>

#include <spdlog/spdlog.h>

namespace warden::control {

FileWatch::FileWatch(net::asio::any_io_executor executor) : stream_(executor) {
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) {
    spdlog::warn("file watching unavailable (inotify: {}); reload with SIGHUP",
                 std::strerror(errno));
    return;
  }
  stream_.assign(fd_);
}

FileWatch::~FileWatch() { Cancel(); }

void FileWatch::Cancel() {
  net::error_code ec;
  stream_.cancel(ec);
}

void FileWatch::SetFiles(const std::vector<std::string>& files) {
  if (fd_ < 0) return;
  files_.clear();
  for (const auto& f : files) {
    auto slash = f.rfind('/');
    if (slash == std::string::npos) continue;
    std::string dir = slash == 0 ? "/" : f.substr(0, slash);
    files_[dir].insert(f.substr(slash + 1));
  }
  // A directory watched before keeps its watch descriptor (inotify_add_watch on a watched inode
  // returns the same one), so an event already queued for it is still recognised: a file
  // replaced while a reload runs is reloaded next, not lost. Only watches no longer wanted go.
  std::map<int, std::string> wanted;
  for (const auto& [dir, names] : files_) {
    int wd = ::inotify_add_watch(fd_, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE);
    if (wd < 0) {
      spdlog::warn("cannot watch {} for changes: {}", dir, std::strerror(errno));
      continue;
    }
    wanted[wd] = dir;
  }
  for (const auto& [wd, dir] : dirs_) {
    if (!wanted.contains(wd)) ::inotify_rm_watch(fd_, wd);
  }
  dirs_ = std::move(wanted);
}

net::Task<std::vector<std::string>> FileWatch::Next() {
  std::vector<std::string> changed;
  if (fd_ < 0) co_return changed;
  auto [ec] =
      co_await stream_.async_wait(net::asio::posix::stream_descriptor::wait_read, net::kUseTuple);
  if (ec) co_return changed;
  alignas(inotify_event) std::array<char, 8192> buf;
  for (;;) {
    ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n <= 0) break;
    for (ssize_t off = 0; off < n;) {
      auto* ev = reinterpret_cast<inotify_event*>(buf.data() + off);
      off += ssize_t(sizeof(inotify_event) + ev->len);
      if (ev->len == 0) continue;
      auto dir = dirs_.find(ev->wd);
      if (dir == dirs_.end()) continue;
      std::string name(ev->name);
      if (files_[dir->second].contains(name)) {
        std::string path = (dir->second == "/" ? "" : dir->second) + "/" + name;
        if (std::find(changed.begin(), changed.end(), path) == changed.end())
          changed.push_back(path);
      }
    }
  }
  co_return changed;
}

}  // namespace warden::control
