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
  std::string cwd = std::filesystem::path(command).parent_path().string();
  if (cwd.empty()) cwd = "/";

  // Everything the child needs is built before spawning.
  std::vector<std::string> argv_storage;
  argv_storage.push_back(command);
  argv_storage.insert(argv_storage.end(), spec.args.begin(), spec.args.end());
  std::vector<std::string> env_storage;
  std::set<std::string, std::less<>> seen;
  for (const auto& name : spec.pass_env) {
    if (name.empty() || name.find('=') != std::string::npos ||
        name.find('\0') != std::string::npos || !seen.insert(name).second) {
      continue;
    }
    if (auto value = env.Get(name)) env_storage.push_back(name + "=" + *value);
  }
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  auto in_pipe = MakePipe();
  if (!in_pipe) return in_pipe.error();
  auto out_pipe = MakePipe();
  if (!out_pipe) return out_pipe.error();
  auto err_pipe = MakePipe();
  if (!err_pipe) return err_pipe.error();
  UniqueFd stdin_w = std::move(in_pipe->second);
  UniqueFd stdout_r = std::move(out_pipe->first);
  UniqueFd stderr_r = std::move(err_pipe->first);

  pid_t pid = -1;
  {
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
    // Own process group (pgid = child pid) so the timeout can kill the whole tree; default
    // dispositions and an empty mask so an ignored SIGPIPE/SIGTERM in the gateway does not leak
    // into the helper.
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
    if (rc != 0) {
      return ProcessError(command, std::string("could not be started: ") + std::strerror(rc));
    }
    // glibc's posix_spawn reports exec failures (ENOENT, EACCES, ENOEXEC) synchronously and
    // returns only once the child has exec'd, so the process group exists from here on.
    rc = ::posix_spawn(&pid, command.c_str(), setup.actions(), setup.attr(), argv.data(),
                       envp.data());
    if (rc != 0) {
      return ProcessError(command, std::string("could not be started: ") + std::strerror(rc));
    }
  }
  // The child's ends belong to the child now; closing ours lets EOF propagate.
  in_pipe->first.Reset();
  out_pipe->second.Reset();
  err_pipe->second.Reset();

  // pidfd lets poll() wake on the child's exit; older kernels fall back to waitid polling.
  UniqueFd pidfd(PidfdOpen(pid));

  SetNonBlocking(stdin_w.get());
  SetNonBlocking(stdout_r.get());
  SetNonBlocking(stderr_r.get());
  if (spec.stdin_data.empty()) stdin_w.Reset();

  ScopedSigpipeBlock sigpipe_block;
  ProcessOutput output;
  std::size_t stdin_offset = 0;
  bool exited = false;
  std::optional<std::string> failure;  // set → kill the tree and fail with this
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + spec.timeout;
  std::vector<char> buf(kReadChunkBytes);

  auto drain = [&](UniqueFd& fd, bool is_stdout) {
    while (true) {
      ssize_t n = ::read(fd.get(), buf.data(), buf.size());
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
      if (is_stdout) {
        if (output.stdout_data.size() + count > spec.max_output) {
          failure = "output exceeds " + std::to_string(spec.max_output) +
                    " bytes; the process tree was killed (raise max_output_bytes or fix the "
                    "command)";
          return;
        }
        output.stdout_data.append(buf.data(), count);
      } else {
        output.stderr_bytes += count;
        output.stderr_tail.append(buf.data(), count);
        if (output.stderr_tail.size() > kStderrTailBytes) {
          output.stderr_tail.erase(0, output.stderr_tail.size() - kStderrTailBytes);
        }
      }
    }
  };

  while (!failure && (stdin_w.valid() || stdout_r.valid() || stderr_r.valid() || !exited)) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      failure = "timed out after " + config::FormatDuration(spec.timeout) +
                "; the process tree was killed";
      break;
    }
    auto remaining = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();

    std::vector<pollfd> fds;
    int stdin_slot = -1, stdout_slot = -1, stderr_slot = -1, pid_slot = -1;
    if (stdin_w.valid()) {
      stdin_slot = static_cast<int>(fds.size());
      fds.push_back({stdin_w.get(), POLLOUT, 0});
    }
    if (stdout_r.valid()) {
      stdout_slot = static_cast<int>(fds.size());
      fds.push_back({stdout_r.get(), POLLIN, 0});
    }
    if (stderr_r.valid()) {
      stderr_slot = static_cast<int>(fds.size());
      fds.push_back({stderr_r.get(), POLLIN, 0});
    }
    int timeout_ms = static_cast<int>(std::min<long long>(remaining, 60'000));
    if (!exited) {
      if (pidfd.valid()) {
        pid_slot = static_cast<int>(fds.size());
        fds.push_back({pidfd.get(), POLLIN, 0});
      } else {
        exited = HasExited(pid);
        if (exited) continue;
        timeout_ms = std::min<int>(timeout_ms, static_cast<int>(kExitPollInterval.count()));
      }
    }

    int ready = ::poll(fds.data(), fds.size(), timeout_ms);
    if (ready < 0) {
      int err = errno;
      if (err == EINTR) continue;
      failure = std::string("could not be supervised: poll: ") + std::strerror(err);
      break;
    }
    if (ready == 0) continue;

    if (stdin_slot >= 0 && fds[stdin_slot].revents != 0) {
      while (stdin_offset < spec.stdin_data.size()) {
        ssize_t n = ::write(stdin_w.get(), spec.stdin_data.data() + stdin_offset,
                            spec.stdin_data.size() - stdin_offset);
        if (n < 0) {
          if (errno == EINTR) continue;
          if (errno == EAGAIN || errno == EWOULDBLOCK) break;
          // EPIPE: the child does not want its stdin. Not our failure; its exit status and
          // output decide the outcome.
          if (errno == EPIPE) sigpipe_block.NoteEpipe();
          stdin_offset = spec.stdin_data.size();
          break;
        }
        stdin_offset += static_cast<std::size_t>(n);
      }
      if (stdin_offset >= spec.stdin_data.size()) stdin_w.Reset();
    }
    if (stdout_slot >= 0 && fds[stdout_slot].revents != 0) drain(stdout_r, true);
    if (!failure && stderr_slot >= 0 && fds[stderr_slot].revents != 0) drain(stderr_r, false);
    if (pid_slot >= 0 && fds[pid_slot].revents != 0) exited = true;
  }

  stdin_w.Reset();
  stdout_r.Reset();
  stderr_r.Reset();
  if (failure) {
    // The child has not been reaped, so its pid is still its group's id; the whole group dies.
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    Reap(pid);
    explicit_bzero(output.stdout_data.data(), output.stdout_data.size());
    explicit_bzero(output.stderr_tail.data(), output.stderr_tail.size());
    return ProcessError(command, *failure + StderrNote(output.stderr_bytes));
  }

  int status = Reap(pid);
  if (status < 0) return ProcessError(command, "could not be reaped");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    explicit_bzero(output.stdout_data.data(), output.stdout_data.size());
    explicit_bzero(output.stderr_tail.data(), output.stderr_tail.size());
    return ProcessError(command, ExitDescription(status) + StderrNote(output.stderr_bytes));
  }
  output.exit_code = 0;
  return output;
}

}  // namespace warden::secrets
