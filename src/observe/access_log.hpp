// AccessLog: one line per request, buffered per thread.
//
// Each event loop appends to its own thread-local buffer (no lock, no syscall per request) and
// the buffer is written to stderr with one write(2) when it nears PIPE_BUF (so lines from
// different threads never interleave mid-line) or when the loop's periodic flush runs (at most
// kFlushInterval later). Lines never contain credentials: callers pass names, fingerprints,
// statuses and timings only.
// Ownership: each thread owns its buffer; lines are copied into it.
// Thread safety: Append/Flush touch only the calling thread's buffer.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace warden::observe {

class AccessLog {
 public:
  static constexpr std::chrono::milliseconds kFlushInterval{200};
  static constexpr std::size_t kFlushBytes = 3584;  // below PIPE_BUF (4096)

  // Appends "<timestamp> info access <text>\n".
  template <typename... Args>
  static void Write(fmt::format_string<Args...> format, Args&&... args) {
    std::string& buf = Begin();
    fmt::format_to(std::back_inserter(buf), format, std::forward<Args>(args)...);
    End(buf);
  }
  // The same line built by appending: Begin() returns the buffer with the prefix appended,
  // End() closes the line. For the per-request line, where fmt's runtime format parsing shows.
  static std::string& Begin() {
    std::string& buf = Buffer();
    AppendPrefix(buf);
    return buf;
  }
  static void End(std::string& buf) {
    buf.push_back('\n');
    if (buf.size() >= kFlushBytes) Flush();
  }
  static void Flush();

 private:
  static std::string& Buffer();
  static void AppendPrefix(std::string& buf);
};

}  // namespace warden::observe
