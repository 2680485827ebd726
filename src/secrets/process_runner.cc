// Over ~400 lines on purpose: this is the whole life of one helper process — the checks on the
// command (realpath, owner, mode), posix_spawn with a scrubbed environment in its own process
// group, stdin/stdout/stderr pumped with poll() under one deadline and a size cap, and the kill of
// the whole group on timeout. Split up, the descriptor and child-reaping invariants would have to
// be re-stated in every piece.
#include "secrets/process_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>
#include <utility>

#include "base/paths.hpp"
#include "base/private_file.hpp"
#include "base/unique_fd.hpp"
#include "config/duration.hpp"

namespace warden::secrets {
namespace {

constexpr ErrorCode kProviderError = ErrorCode::kSecretProviderError;
constexpr std::size_t kStderrTailBytes = 4096;
constexpr std::size_t kReadChunkBytes = 64 * 1024;
// Without a pidfd we cannot poll for the child's exit, so once its pipes are closed we re-check
// with waitid() at this interval.
constexpr std::chrono::milliseconds kExitPollInterval{5};

Error ProcessError(const std::string& command, std::string why) {
  return Error::Make(kProviderError, "command " + command + " " + std::move(why), command);
}

std::string StderrNote(std::size_t bytes) {
  if (bytes == 0) return "";
  return " (stderr: " + std::to_string(bytes) + " bytes, not shown because it may hold secrets)";
}

std::string ListDirs(const std::vector<std::string>& dirs) {
  std::string out = "[";
  for (std::size_t i = 0; i < dirs.size(); ++i) {
    if (i > 0) out += ", ";
    out += dirs[i];
  }
  return out + "]";
}

// A close-on-exec pipe whose ends are both >= 3, so that dup2() onto 0-2 in the child never
// hits the "same descriptor, FD_CLOEXEC stays set" corner when the parent has closed stdio.
Result<std::pair<UniqueFd, UniqueFd>> MakePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Error::Posix("pipe2", "", errno);
  UniqueFd ends[2] = {UniqueFd(fds[0]), UniqueFd(fds[1])};
  for (UniqueFd& end : ends) {
    if (end.get() < 3) {
      int moved = ::fcntl(end.get(), F_DUPFD_CLOEXEC, 3);
      if (moved < 0) return Error::Posix("fcntl(F_DUPFD_CLOEXEC)", "", errno);
      end = UniqueFd(moved);
    }
  }
  return std::make_pair(std::move(ends[0]), std::move(ends[1]));
}

bool SetNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

// Blocks SIGPIPE in this thread for the lifetime of the object. A write to a pipe whose reader
// is gone raises SIGPIPE on the writing thread; blocked, it stays pending instead of killing
// the process, and we consume it (if we caused it) before unblocking.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigemptyset(&pipe_set_);
    sigaddset(&pipe_set_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    blocked_ = pthread_sigmask(SIG_BLOCK, &pipe_set_, &old_mask_) == 0;
  }
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;
  ~ScopedSigpipeBlock() {
    if (!blocked_) return;
    if (raised_ && !was_pending_) {
      struct timespec zero {};
      while (sigtimedwait(&pipe_set_, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  void NoteEpipe() { raised_ = true; }

 private:
  sigset_t pipe_set_;
  sigset_t old_mask_;
  bool was_pending_ = false;
  bool blocked_ = false;
  bool raised_ = false;
};

// posix_spawn attributes and file actions, destroyed on every path.
class SpawnSetup {
 public:
  SpawnSetup() {
    attr_ok_ = posix_spawnattr_init(&attr_) == 0;
    actions_ok_ = posix_spawn_file_actions_init(&actions_) == 0;
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  ~SpawnSetup() {
    if (attr_ok_) posix_spawnattr_destroy(&attr_);
    if (actions_ok_) posix_spawn_file_actions_destroy(&actions_);
  }
  bool ok() const { return attr_ok_ && actions_ok_; }
  posix_spawnattr_t* attr() { return &attr_; }
  posix_spawn_file_actions_t* actions() { return &actions_; }

 private:
  posix_spawnattr_t attr_;
  posix_spawn_file_actions_t actions_;
  bool attr_ok_ = false;
  bool actions_ok_ = false;
};

std::string ExitDescription(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended with wait status " + std::to_string(status);
}

// pidfd_open(2) through syscall(): glibc 2.36's <sys/pidfd.h> lacks extern "C", so the C++
// declaration does not link. -1 (e.g. ENOSYS on old kernels or under seccomp) selects the
// waitid() fallback.
int PidfdOpen(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  errno = ENOSYS;
  return -1;
#endif
}

// Reaps `pid`, retrying on EINTR. Returns the wait status, or -1 if it could not be reaped.
int Reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

// True once `pid` has exited, without reaping it: until reaped, its pid (and so its process
// group id) cannot be reused, which keeps kill(-pgid) aimed at the right group.
bool HasExited(pid_t pid) {
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return errno == ECHILD;
  }
  return info.si_pid == pid;
}

// A started helper: its pid (also its process group id) and our ends of its pipes.
struct Child {
  pid_t pid = -1;
  UniqueFd stdin_w;
  UniqueFd stdout_r;
  UniqueFd stderr_r;
  UniqueFd pidfd;  // invalid on kernels without pidfd_open: then exits are polled
};

// argv = the checked command and spec.args; the environment = exactly the pass_env names that are
// set (each once; names with '=' or NUL are skipped).
struct ChildArgs {
  std::vector<std::string> argv;
  std::vector<std::string> env;
};

ChildArgs BuildChildArgs(const std::string& command, const ProcessSpec& spec,
                         const Environment& env) {
  ChildArgs out;
  out.argv.push_back(command);
  out.argv.insert(out.argv.end(), spec.args.begin(), spec.args.end());
  std::set<std::string, std::less<>> seen;
  for (const auto& name : spec.pass_env) {
    if (name.empty() || name.find('=') != std::string::npos ||
        name.find('\0') != std::string::npos || !seen.insert(name).second) {
      continue;
    }
    if (auto value = env.Get(name)) out.env.push_back(name + "=" + *value);
  }
  return out;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// posix_spawn in its own process group (pgid = child pid) so the timeout can kill the whole tree;
// default dispositions and an empty mask so an ignored SIGPIPE/SIGTERM in the gateway does not
// leak into the helper; stdin/stdout/stderr on pipes, every other descriptor closed, cwd = the
// command's directory.
Result<Child> SpawnChild(const std::string& command, ChildArgs& args) {
  std::string cwd = std::filesystem::path(command).parent_path().string();
  if (cwd.empty()) cwd = "/";
  std::vector<char*> argv = CStrings(args.argv);
  std::vector<char*> envp = CStrings(args.env);
  auto in_pipe = MakePipe();
  if (!in_pipe) return in_pipe.error();
  auto out_pipe = MakePipe();
  if (!out_pipe) return out_pipe.error();
  auto err_pipe = MakePipe();
  if (!err_pipe) return err_pipe.error();

  Child child;
  SpawnSetup setup;
  if (!setup.ok()) return ProcessError(command, "could not be started: posix_spawn setup failed");
  sigset_t empty_mask;
  sigemptyset(&empty_mask);
  sigset_t all_signals;
  sigfillset(&all_signals);
  int rc = 0;
  auto step = [&rc](int r) {
    if (rc == 0) rc = r;
  };
  step(posix_spawnattr_setflags(
      setup.attr(), POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
  step(posix_spawnattr_setpgroup(setup.attr(), 0));
  step(posix_spawnattr_setsigmask(setup.attr(), &empty_mask));
  step(posix_spawnattr_setsigdefault(setup.attr(), &all_signals));
  step(posix_spawn_file_actions_adddup2(setup.actions(), in_pipe->first.get(), 0));
  step(posix_spawn_file_actions_adddup2(setup.actions(), out_pipe->second.get(), 1));
  step(posix_spawn_file_actions_adddup2(setup.actions(), err_pipe->second.get(), 2));
  step(posix_spawn_file_actions_addchdir_np(setup.actions(), cwd.c_str()));
  // Close every other descriptor, including any a library opened without O_CLOEXEC.
  step(posix_spawn_file_actions_addclosefrom_np(setup.actions(), 3));
  if (rc != 0)
    return ProcessError(command, std::string("could not be started: ") + std::strerror(rc));
  // glibc's posix_spawn reports exec failures (ENOENT, EACCES, ENOEXEC) synchronously and
  // returns only once the child has exec'd, so the process group exists from here on.
  rc = ::posix_spawn(&child.pid, command.c_str(), setup.actions(), setup.attr(), argv.data(),
                     envp.data());
  if (rc != 0)
    return ProcessError(command, std::string("could not be started: ") + std::strerror(rc));
  // The child's ends (in_pipe->first, out_pipe->second, err_pipe->second) belong to the child
  // now and close when the pairs go out of scope, which lets EOF propagate.
  child.stdin_w = std::move(in_pipe->second);
  child.stdout_r = std::move(out_pipe->first);
  child.stderr_r = std::move(err_pipe->first);
  // pidfd lets poll() wake on the child's exit; older kernels fall back to waitid polling.
  child.pidfd = UniqueFd(PidfdOpen(child.pid));
  SetNonBlocking(child.stdin_w.get());
  SetNonBlocking(child.stdout_r.get());
  SetNonBlocking(child.stderr_r.get());
  return child;
}

// Everything the supervision loop reads, writes and decides, for one helper run.
struct Supervision {
  Supervision(const ProcessSpec& spec, Child& child, ProcessOutput& output,
              ScopedSigpipeBlock& sigpipe_block)
      : spec(spec), child(child), output(output), sigpipe_block(sigpipe_block) {}

  const ProcessSpec& spec;
  Child& child;
  ProcessOutput& output;
  ScopedSigpipeBlock& sigpipe_block;
  std::vector<char> buf = std::vector<char>(kReadChunkBytes);
  std::size_t stdin_offset = 0;
  bool exited = false;
  std::optional<std::string> failure;  // set → kill the tree and fail with this
};

// Reads what is available on `fd` (stdout into the output, under max_output; stderr as a
// bounded tail and a byte count); closes `fd` at EOF or on an error.
void Drain(Supervision& s, UniqueFd& fd, bool is_stdout) {
  while (true) {
    ssize_t n = ::read(fd.get(), s.buf.data(), s.buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) fd.Reset();
      return;
    }
    if (n == 0) {
      fd.Reset();
      return;
    }
    auto count = static_cast<std::size_t>(n);
    if (!is_stdout) {
      s.output.stderr_bytes += count;
      s.output.stderr_tail.append(s.buf.data(), count);
      if (s.output.stderr_tail.size() > kStderrTailBytes) {
        s.output.stderr_tail.erase(0, s.output.stderr_tail.size() - kStderrTailBytes);
      }
      continue;
    }
    if (s.output.stdout_data.size() + count > s.spec.max_output) {
      s.failure = "output exceeds " + std::to_string(s.spec.max_output) +
                  " bytes; the process tree was killed (raise max_output_bytes or fix the "
                  "command)";
      return;
    }
    s.output.stdout_data.append(s.buf.data(), count);
  }
}

// Writes as much of spec.stdin_data as the pipe takes; closes stdin once it is all written (or
// the child closed its end: EPIPE is not our failure, its exit status and output decide).
void FeedStdin(Supervision& s) {
  const std::string& data = s.spec.stdin_data;
  while (s.stdin_offset < data.size()) {
    ssize_t n =
        ::write(s.child.stdin_w.get(), data.data() + s.stdin_offset, data.size() - s.stdin_offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EPIPE) s.sigpipe_block.NoteEpipe();
      s.stdin_offset = data.size();
      break;
    }
    s.stdin_offset += static_cast<std::size_t>(n);
  }
  if (s.stdin_offset >= data.size()) s.child.stdin_w.Reset();
}

// Pumps the pipes until the child has exited and closed them all, or the deadline passes, or
// the output cap is hit (s.failure says which).
void Supervise(Supervision& s, std::chrono::steady_clock::time_point deadline) {
  Child& c = s.child;
  if (s.spec.stdin_data.empty()) c.stdin_w.Reset();
  while (!s.failure &&
         (c.stdin_w.valid() || c.stdout_r.valid() || c.stderr_r.valid() || !s.exited)) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      s.failure = "timed out after " + config::FormatDuration(s.spec.timeout) +
                  "; the process tree was killed";
      return;
    }
    auto remaining = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
    int timeout_ms = static_cast<int>(std::min<long long>(remaining, 60'000));
    std::vector<pollfd> fds;
    auto slot = [&fds](const UniqueFd& fd, short events) {
      if (!fd.valid()) return -1;
      fds.push_back({fd.get(), events, 0});
      return static_cast<int>(fds.size()) - 1;
    };
    const int stdin_slot = slot(c.stdin_w, POLLOUT);
    const int stdout_slot = slot(c.stdout_r, POLLIN);
    const int stderr_slot = slot(c.stderr_r, POLLIN);
    int pid_slot = -1;
    if (!s.exited && c.pidfd.valid()) {
      pid_slot = slot(c.pidfd, POLLIN);
    } else if (!s.exited) {
      s.exited = HasExited(c.pid);
      if (s.exited) continue;
      timeout_ms = std::min<int>(timeout_ms, static_cast<int>(kExitPollInterval.count()));
    }
    int ready = ::poll(fds.data(), fds.size(), timeout_ms);
    if (ready < 0) {
      int err = errno;
      if (err == EINTR) continue;
      s.failure = std::string("could not be supervised: poll: ") + std::strerror(err);
      return;
    }
    if (ready == 0) continue;
    if (stdin_slot >= 0 && fds[stdin_slot].revents != 0) FeedStdin(s);
    if (stdout_slot >= 0 && fds[stdout_slot].revents != 0) Drain(s, c.stdout_r, true);
    if (!s.failure && stderr_slot >= 0 && fds[stderr_slot].revents != 0) {
      Drain(s, c.stderr_r, false);
    }
    if (pid_slot >= 0 && fds[pid_slot].revents != 0) s.exited = true;
  }
}

void Scrub(ProcessOutput& output) {
  explicit_bzero(output.stdout_data.data(), output.stdout_data.size());
  explicit_bzero(output.stderr_tail.data(), output.stderr_tail.size());
}

}  // namespace

Result<std::string> CheckCommand(const std::string& command,
                                 const std::vector<std::string>& trusted_dirs) {
  if (command.empty() || command.front() != '/') {
    return ProcessError(command.empty() ? "\"\"" : command,
                        "must be an absolute path (commands run without a shell or PATH lookup)");
  }
  // Judge (and later run) the helper where the kernel finds it: a symlinked directory on the
  // way, or a ".." through one, must not carry it out of trusted_dirs unseen.
  std::optional<std::string> resolved = ResolveDirectory(command);
  if (!resolved) {
    int err = errno;
    return ProcessError(command, std::string("cannot be examined: ") + std::strerror(err));
  }
  const std::string& path = *resolved;
  // Messages name the path as configured, and where it leads when that differs.
  const std::string shown = std::filesystem::path(command).lexically_normal().string() == path
                                ? path
                                : command + " (resolved to " + path + ")";

  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    int err = errno;
    return ProcessError(shown, std::string("cannot be examined: ") + std::strerror(err));
  }
  if (S_ISLNK(st.st_mode)) {
    return ProcessError(shown,
                        "is a symlink, which could be redirected to another program; point the "
                        "config at the real file");
  }
  if (!S_ISREG(st.st_mode)) return ProcessError(shown, "is not a regular file");
  // Whoever can change the helper, or rename another file into its place, runs code with the
  // user's secrets in hand.
  if (auto ok = CheckTrustedStat(st, path, "exec helper", TrustedOwner::kUserOrRoot); !ok) {
    return ok.error();
  }
  const std::string dir = std::filesystem::path(path).parent_path().string();
  if (auto ok = CheckTrustedDir(dir, "exec helper directory", TrustedOwner::kUserOrRoot); !ok) {
    return ok.error();
  }
  if (!trusted_dirs.empty() && !IsInsideResolved(path, trusted_dirs)) {
    return ProcessError(shown, "is not in trusted_dirs " + ListDirs(trusted_dirs));
  }
  return path;
}

Result<ProcessOutput> RunProcess(const ProcessSpec& spec, const Environment& env) {
  // What runs is exactly the path that passed the checks.
  auto checked = CheckCommand(spec.command, spec.trusted_dirs);
  if (!checked) return checked.error();
  const std::string command = std::move(*checked);
  ChildArgs args = BuildChildArgs(command, spec, env);
  auto child = SpawnChild(command, args);
  if (!child) return child.error();

  ScopedSigpipeBlock sigpipe_block;
  ProcessOutput output;
  Supervision supervision(spec, *child, output, sigpipe_block);
  Supervise(supervision, std::chrono::steady_clock::now() + spec.timeout);
  child->stdin_w.Reset();
  child->stdout_r.Reset();
  child->stderr_r.Reset();
  if (supervision.failure) {
    // The child has not been reaped, so its pid is still its group's id; the whole group dies.
    ::kill(-child->pid, SIGKILL);
    ::kill(child->pid, SIGKILL);
    Reap(child->pid);
    Scrub(output);
    return ProcessError(command, *supervision.failure + StderrNote(output.stderr_bytes));
  }
  int status = Reap(child->pid);
  if (status < 0) return ProcessError(command, "could not be reaped");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    Scrub(output);
    return ProcessError(command, ExitDescription(status) + StderrNote(output.stderr_bytes));
  }
  output.exit_code = 0;
  return output;
}

}  // namespace warden::secrets
