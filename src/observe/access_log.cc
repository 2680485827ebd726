#include "observe/access_log.hpp"

#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <string>

namespace warden::observe {

using namespace std::string_view_literals;

std::string& AccessLog::Buffer() {
  thread_local std::string buffer = [] {
    std::string b;
    b.reserve(kFlushBytes + 512);
    return b;
  }();
  return buffer;
}

void AccessLog::AppendPrefix(std::string& buf) {
  // The same layout as the spdlog pattern in log.cc; the seconds part is cached per thread.
  thread_local std::time_t cached_sec = 0;
  thread_local char cached[32] = {};
  thread_local std::size_t cached_size = 0;
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t sec = std::time_t(ms / 1000);
  if (sec != cached_sec) {
    std::tm tm{};
    ::localtime_r(&sec, &tm);
    cached_size = std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_sec = sec;
  }
  const int milli = int(ms % 1000);
  const char fraction[4] = {'.', char('0' + milli / 100), char('0' + milli / 10 % 10),
                            char('0' + milli % 10)};
  buf.append(cached, cached_size).append(fraction, sizeof fraction).append(" info access "sv);
}

void AccessLog::Flush() {
  std::string& buf = Buffer();
  std::size_t off = 0;
  while (off < buf.size()) {
    ssize_t n = ::write(STDERR_FILENO, buf.data() + off, buf.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // stderr gone: drop the lines rather than block the event loop
    }
    off += std::size_t(n);
  }
  buf.clear();
}

}  // namespace warden::observe
