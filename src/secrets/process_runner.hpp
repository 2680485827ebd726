// RunProcess: runs a secret helper (exec SecretRef provider, federated refresh_command) as a
// child process under tight, explicit limits, without a shell.
//
// Before running, the command is vetted (CheckCommand): an absolute path, whose directory is
// resolved with realpath (base/paths.hpp ResolveDirectory) before anything is judged, so that a
// symlinked directory or a ".." cannot lead it out of trusted_dirs; that resolved path is what
// runs ("/trusted/../elsewhere/x" is judged and run as "/elsewhere/x", "/trusted/link/x" as
// where link points). The file itself is not a symlink, is a regular file, and is trusted
// (base/private_file.hpp: owned by the current user or root, not writable by group or others),
// as is its directory (sticky or not: keep helpers out of /tmp); and it lies inside one of
// `trusted_dirs`, each resolved with realpath too, when that list is non-empty.
// The child gets argv = {command, args...}; an environment made only of the `pass_env`
// variables present in `env`; cwd = the command's directory; stdin = `stdin_data`, then EOF;
// default signal dispositions and an empty signal mask; no inherited descriptors beyond 0-2; and
// its own process group, so that on timeout or oversized output kill(-pgid, SIGKILL) takes the
// whole tree down. The child is always reaped before returning.
// stdout is captured up to `max_output` bytes. stderr is drained and counted, and only its last
// 4 KiB are kept: helpers may echo secrets there, so errors report its size, never its content.
// Errors are SECRET_PROVIDER_ERROR with the command path as context: "timed out after 5s",
// "exited with status 3", "killed by signal 9", "output exceeds N bytes", "is a symlink",
// "not in trusted_dirs [...]", ...; an owner or mode problem of the helper or its directory is
// FILE_INSECURE naming the chmod/chown fix. They never contain the child's output.
// Ownership: the caller owns the ProcessSpec and gets the ProcessOutput by value; every
// descriptor and the child process are released before returning.
// Thread safety: stateless; safe to call from several threads at once. Blocks the calling thread
// for up to `timeout`, so it belongs on the control plane, never on an event loop. SIGPIPE is
// blocked in the calling thread while feeding stdin (a child that exits without reading its
// stdin must not kill the gateway), then restored.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "base/environment.hpp"
#include "base/result.hpp"

namespace warden::secrets {

struct ProcessSpec {
  std::string command;                      // absolute path; run directly, no shell
  std::vector<std::string> args;            // argv[1..]
  std::vector<std::string> pass_env;        // names copied from Environment; absent ones skipped
  std::vector<std::string> trusted_dirs;    // when non-empty, command must be inside one
  std::chrono::milliseconds timeout{5000};  // whole run, spawn to reap; then the tree is killed
  std::size_t max_output = 1 << 20;         // stdout cap (1 MiB); exceeding kills the tree
  std::string stdin_data;                   // written to the child's stdin, which is then closed
};

struct ProcessOutput {
  int exit_code = 0;  // always 0 on success: a non-zero exit is an error
  std::string stdout_data;
  std::size_t stderr_bytes = 0;  // total bytes the child wrote to stderr
  // The last 4 KiB of stderr. May echo secrets: never log or report it verbatim.
  std::string stderr_tail;
};

// The pre-run checks alone. Returns the path that passed, which is the one to run: `command`
// with its directory resolved.
[[nodiscard]] Result<std::string> CheckCommand(const std::string& command,
                                               const std::vector<std::string>& trusted_dirs);

[[nodiscard]] Result<ProcessOutput> RunProcess(const ProcessSpec& spec, const Environment& env);

}  // namespace warden::secrets
