#include "secrets/process_runner.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "base/test_util.hpp"

namespace warden::secrets {
namespace {

using Vars = std::map<std::string, std::string>;

using namespace std::chrono_literals;
using warden::test_util::ReadAll;
using warden::test_util::TempDir;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

ProcessSpec Spec(const std::string& command) {
  ProcessSpec spec;
  spec.command = command;
  spec.timeout = 5s;
  return spec;
}

TEST(ProcessRunner, FeedsStdinAndCapturesStdout) {
  TempDir dir;
  auto script = dir.WriteScript("echo.sh", "cat\n");
  auto spec = Spec(script);
  spec.stdin_data = "{\"hello\":1}";
  auto r = RunProcess(spec, MapEnvironment());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->stdout_data, "{\"hello\":1}");
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->stderr_bytes, 0u);
}

TEST(ProcessRunner, FeedsStdinLargerThanAPipeBuffer) {
  TempDir dir;
  auto script = dir.WriteScript("count.sh", "wc -c\n");
  auto spec = Spec(script);
  spec.stdin_data = std::string(512 * 1024, 'x');
  auto r = RunProcess(spec, MapEnvironment());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(std::stoul(r->stdout_data), 512u * 1024u);
}

TEST(ProcessRunner, ChildIgnoringStdinDoesNotRaiseSigpipe) {
  TempDir dir;
  auto script = dir.WriteScript("ignore.sh", "exec 0<&-\necho done\n");
  auto spec = Spec(script);
  spec.stdin_data = std::string(1 << 20, 'x');  // far more than the pipe holds
  auto r = RunProcess(spec, MapEnvironment());  // a SIGPIPE would kill the test binary
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->stdout_data, "done\n");
  sigset_t pending;
  sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);
}

TEST(ProcessRunner, PassesArgvWithoutAShell) {
  TempDir dir;
  auto script = dir.WriteScript("args.sh", "printf '%s|' \"$0\" \"$@\"\n");
  auto spec = Spec(script);
  spec.args = {"--profile", "a b; rm -rf /", "$HOME"};
  auto r = RunProcess(spec, MapEnvironment());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->stdout_data, script + "|--profile|a b; rm -rf /|$HOME|");
}

TEST(ProcessRunner, RunsInTheCommandsDirectory) {
  TempDir dir;
  auto bin = dir.MakeDir("bin");
  auto script = dir.WriteScript("bin/pwd.sh", "pwd -P\n");
  auto r = RunProcess(Spec(script), MapEnvironment());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->stdout_data, bin + "\n");
}

TEST(ProcessRunner, EnvironmentIsOnlyPassEnv) {
  // /usr/bin/env adds nothing of its own, so its output is exactly the child's environment.
  struct stat st {};
  if (::lstat("/usr/bin/env", &st) != 0 || !S_ISREG(st.st_mode)) GTEST_SKIP();
  MapEnvironment env(Vars{{"VAULT_ADDR", "https://v"}, {"VAULT_TOKEN", "t"}, {"HOME", "/root"}});
  ProcessSpec spec = Spec("/usr/bin/env");
  spec.pass_env = {"VAULT_ADDR", "ABSENT", "VAULT_ADDR", "BAD=NAME"};
  auto r = RunProcess(spec, env);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->stdout_data, "VAULT_ADDR=https://v\n");
}

TEST(ProcessRunner, TimeoutKillsTheWholeProcessTree) {
  TempDir dir;
  // The script starts a grandchild in the same process group and records its pid (cwd is the
  // script's directory), then hangs too.
  auto script = dir.WriteScript("hang.sh",
                                "sleep 30 &\n"
                                "echo $! > grandchild.pid\n"
                                "sleep 30\n");
  // Become a subreaper so the orphaned grandchild is re-parented to us: then we can await its
  // death with waitpid instead of sleeping, and see exactly which signal ended it.
  struct SubreaperScope {
    SubreaperScope() { EXPECT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0); }
    ~SubreaperScope() { ::prctl(PR_SET_CHILD_SUBREAPER, 0); }
  } subreaper;
  auto spec = Spec(script);
  spec.timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto r = RunProcess(spec, MapEnvironment());
  auto elapsed = std::chrono::steady_clock::now() - start;

  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kSecretProviderError);
  EXPECT_TRUE(Contains(r.error().message, "timed out after 300ms")) << r.error().message;
  EXPECT_GE(elapsed, 300ms);
  EXPECT_LT(elapsed, 600ms);

  std::string pid_text = ReadAll(dir.Join("grandchild.pid"));
  ASSERT_FALSE(pid_text.empty());
  pid_t grandchild = static_cast<pid_t>(std::stol(pid_text));
  // Await the grandchild's end (no sleeping): pidfd becomes readable when it exits. ESRCH
  // means it is already gone entirely.
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, grandchild, 0));
  const bool have_pidfd = pidfd >= 0;
  if (have_pidfd) {
    pollfd p{pidfd, POLLIN, 0};
    EXPECT_EQ(::poll(&p, 1, 2000), 1) << "grandchild still running";
    ::close(pidfd);
  } else {
    ASSERT_EQ(errno, ESRCH) << "pidfd_open";
  }
  // SIGKILL reaches the group's members one by one, so the dying script may reap its sleep
  // before dying itself (then waitpid says ECHILD); otherwise the orphan was re-parented to us
  // and must have died of SIGKILL.
  int status = 0;
  pid_t waited = ::waitpid(grandchild, &status, WNOHANG);
  if (waited == grandchild) {
    EXPECT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
  } else {
    EXPECT_EQ(waited, -1);
    EXPECT_EQ(errno, ECHILD);
  }
  EXPECT_EQ(::kill(grandchild, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(ProcessRunner, TimeoutWhileAGrandchildHoldsStdoutOpen) {
  TempDir dir;
  // The child exits at once but leaves a grandchild holding stdout: the run is not complete
  // until stdout closes, so the deadline still applies and the tree is killed.
  auto script = dir.WriteScript("bg.sh", "sleep 30 &\necho partial\n");
  auto spec = Spec(script);
  spec.timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto r = RunProcess(spec, MapEnvironment());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 600ms);
  ASSERT_FALSE(r);
  EXPECT_TRUE(Contains(r.error().message, "timed out")) << r.error().message;
  EXPECT_FALSE(Contains(r.error().ToString(), "partial"));
}

TEST(ProcessRunner, NonZeroExitReportsStatusAndStderrSizeOnly) {
  TempDir dir;
  auto script = dir.WriteScript("fail.sh",
                                "echo PLANTED-STDOUT\n"
                                "echo PLANTED-STDERR >&2\n"
                                "exit 3\n");
  auto r = RunProcess(Spec(script), MapEnvironment());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kSecretProviderError);
  EXPECT_TRUE(Contains(r.error().message, "exited with status 3")) << r.error().message;
  EXPECT_TRUE(Contains(r.error().message, "stderr: 15 bytes")) << r.error().message;
  EXPECT_EQ(r.error().context, script);
  EXPECT_FALSE(Contains(r.error().ToString(), "PLANTED"));
}

TEST(ProcessRunner, DeathBySignalIsReported) {
  TempDir dir;
  auto script = dir.WriteScript("die.sh", "kill -9 $$\n");
  auto r = RunProcess(Spec(script), MapEnvironment());
  ASSERT_FALSE(r);
  EXPECT_TRUE(Contains(r.error().message, "killed by signal 9")) << r.error().message;
}

TEST(ProcessRunner, OversizedOutputKillsAndFails) {
  TempDir dir;
  auto script = dir.WriteScript("flood.sh", "head -c 10485760 /dev/zero | tr '\\0' P\n");
  auto spec = Spec(script);
  auto start = std::chrono::steady_clock::now();
  auto r = RunProcess(spec, MapEnvironment());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kSecretProviderError);
  EXPECT_TRUE(Contains(r.error().message, "output exceeds 1048576 bytes")) << r.error().message;
  EXPECT_FALSE(Contains(r.error().ToString(), "PPPP"));
}

TEST(ProcessRunner, OutputExactlyAtTheCapIsAccepted) {
  TempDir dir;
  auto script = dir.WriteScript("cap.sh", "head -c 1000 /dev/zero\n");
  auto spec = Spec(script);
  spec.max_output = 1000;
  auto r = RunProcess(spec, MapEnvironment());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->stdout_data.size(), 1000u);
}

TEST(ProcessRunner, StderrIsCountedAndOnlyItsTailKept) {
  TempDir dir;
  auto script = dir.WriteScript("noisy.sh", "head -c 10000 /dev/zero >&2\necho ok\n");
  auto r = RunProcess(Spec(script), MapEnvironment());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->stdout_data, "ok\n");
  EXPECT_EQ(r->stderr_bytes, 10000u);
  EXPECT_EQ(r->stderr_tail.size(), 4096u);
}

TEST(ProcessRunner, RefusesSymlinkCommand) {
  TempDir dir;
  auto script = dir.WriteScript("real.sh", "echo hi\n");
  auto link = dir.Join("link.sh");
  ASSERT_EQ(::symlink(script.c_str(), link.c_str()), 0);
  auto r = RunProcess(Spec(link), MapEnvironment());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kSecretProviderError);
  EXPECT_TRUE(Contains(r.error().message, "command " + link + " is a symlink"))
      << r.error().message;
}

TEST(ProcessRunner, RefusesGroupOrWorldWritableCommand) {
  TempDir dir;
  for (mode_t mode : {0770, 0707, 0772}) {
    auto script = dir.WriteScript("w" + std::to_string(mode) + ".sh", "echo hi\n", mode);
    auto r = RunProcess(Spec(script), MapEnvironment());
    ASSERT_FALSE(r) << std::oct << mode;
    EXPECT_EQ(r.error().code, ErrorCode::kFileInsecure);
    EXPECT_TRUE(Contains(r.error().message, "exec helper " + script + " has mode"))
        << r.error().message;
    EXPECT_TRUE(Contains(r.error().message, "chmod go-w " + script)) << r.error().message;
  }
  // Group/world read and execute are fine.
  auto ok = dir.WriteScript("ok.sh", "echo hi\n", 0755);
  EXPECT_TRUE(RunProcess(Spec(ok), MapEnvironment()));
}

TEST(ProcessRunner, RefusesRelativeCommandAndDirectory) {
  auto r = RunProcess(Spec("bin/helper"), MapEnvironment());
  ASSERT_FALSE(r);
  EXPECT_TRUE(Contains(r.error().message, "absolute"));
  TempDir dir;
  auto d = RunProcess(Spec(dir.path()), MapEnvironment());
  ASSERT_FALSE(d);
  EXPECT_TRUE(Contains(d.error().message, "not a regular file"));
}

TEST(ProcessRunner, ReportsExecFailureWithoutExecuteBit) {
  TempDir dir;
  auto script = dir.WriteScript("noexec.sh", "echo hi\n", 0600);
  auto r = RunProcess(Spec(script), MapEnvironment());
  ASSERT_FALSE(r);
  EXPECT_TRUE(Contains(r.error().message, "could not be started")) << r.error().message;
}

TEST(ProcessRunner, TrustedDirsCompareWholeComponents) {
  TempDir dir;
  auto trusted = dir.MakeDir("trusted");
  dir.MakeDir("trusted-not");
  dir.MakeDir("trusted/sub");
  auto inside = dir.WriteScript("trusted/sub/ok.sh", "echo ok\n");
  auto sibling = dir.WriteScript("trusted-not/evil.sh", "echo evil\n");

  struct Case {
    std::string command;
    std::vector<std::string> trusted_dirs;
    bool allowed;
  };
  const Case cases[] = {
      {inside, {trusted}, true},
      {inside, {trusted + "/"}, true},
      {inside, {trusted + "/./"}, true},
      {inside, {"/nonexistent", trusted}, true},
      {inside, {}, true},
      {sibling, {trusted}, false},                              // prefix, not a parent
      {trusted + "/../trusted-not/evil.sh", {trusted}, false},  // judged where it leads
      {trusted + "/sub/../sub/ok.sh", {trusted}, true},
      {inside, {"trusted"}, false},               // relative trusted dirs never match
      {inside, {trusted + "/sub/ok.sh"}, false},  // the file itself is not a directory it is in
  };
  for (const auto& c : cases) {
    auto spec = Spec(c.command);
    spec.trusted_dirs = c.trusted_dirs;
    auto r = RunProcess(spec, MapEnvironment());
    EXPECT_EQ(static_cast<bool>(r), c.allowed) << c.command;
    if (!c.allowed && !r) {
      EXPECT_TRUE(Contains(r.error().message, "is not in trusted_dirs [")) << r.error().message;
    }
  }
}

TEST(ProcessRunner, RefusesAHelperInADirectoryOthersCanWrite) {
  TempDir dir;
  for (mode_t mode : {0777, 01777, 0770, 0703}) {
    auto sub = dir.MakeDir("d" + std::to_string(mode));
    auto script = dir.WriteScript("d" + std::to_string(mode) + "/ok.sh", "echo hi\n");
    ASSERT_EQ(::chmod(sub.c_str(), mode), 0);
    auto spec = Spec(script);
    spec.trusted_dirs = {sub};
    auto r = RunProcess(spec, MapEnvironment());
    ASSERT_FALSE(r) << std::oct << mode;
    EXPECT_EQ(r.error().code, ErrorCode::kFileInsecure);
    EXPECT_TRUE(Contains(r.error().message, "exec helper directory " + sub + " has mode"))
        << r.error().message;
    EXPECT_TRUE(Contains(r.error().message, "chmod go-w " + sub)) << r.error().message;
  }
}

TEST(ProcessRunner, RefusesAHelperOwnedByAnotherUser) {
  TempDir dir;
  auto script = dir.WriteScript("theirs.sh", "echo hi\n", 0755);
  if (geteuid() != 0 || ::chown(script.c_str(), 65534, -1) != 0) {
    GTEST_SKIP() << "needs root to create a file owned by another user";
  }
  auto r = RunProcess(Spec(script), MapEnvironment());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kFileInsecure);
  EXPECT_TRUE(Contains(r.error().message, "exec helper " + script + " is owned by uid 65534"))
      << r.error().message;
}

TEST(CheckCommand, ARootOwnedSystemHelperPassesAndRunsWhereItLies) {
  // /usr/bin/true: root's, 0755, in root's 0755 /usr/bin; on merged-/usr systems /bin is a
  // symlink to usr/bin, which resolves into the trusted directory.
  struct stat st {};
  if (::lstat("/usr/bin/true", &st) != 0 || !S_ISREG(st.st_mode)) {
    GTEST_SKIP() << "no /usr/bin/true";
  }
  auto r = CheckCommand("/usr/bin/true", {"/usr/bin"});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(*r, "/usr/bin/true");
  auto via_bin = CheckCommand("/bin/true", {"/usr/bin"});
  if (via_bin) {  // /bin may be a real directory elsewhere
    EXPECT_EQ(*via_bin, "/usr/bin/true");
  }
}

TEST(ProcessRunner, TrustedDirsAreResolvedSoASymlinkedDirectoryDoesNotPass) {
  TempDir dir;
  auto trusted = dir.MakeDir("trusted");
  auto elsewhere = dir.MakeDir("elsewhere");
  auto evil = dir.WriteScript("elsewhere/evil.sh", "echo evil\n");
  auto top = dir.WriteScript("top.sh", "echo top\n");
  auto ok = dir.WriteScript("trusted/ok.sh", "echo ok\n");
  const std::string escape = trusted + "/escape";  // → elsewhere
  const std::string alias = dir.Join("alias");     // → trusted
  ASSERT_EQ(::symlink(elsewhere.c_str(), escape.c_str()), 0);
  ASSERT_EQ(::symlink(trusted.c_str(), alias.c_str()), 0);

  struct Case {
    std::string command;
    std::string trusted_dir;
    std::string runs;  // empty: refused
  };
  const Case cases[] = {
      {escape + "/evil.sh", trusted, ""},
      {escape + "/../top.sh", trusted,
       ""},                             // lexically trusted/top.sh; the kernel finds dir/top.sh
      {alias + "/ok.sh", trusted, ok},  // a symlink to the trusted directory itself is fine
      {ok, alias, ok},                  // and so is naming the trusted directory through one
  };
  for (const auto& c : cases) {
    auto spec = Spec(c.command);
    spec.trusted_dirs = {c.trusted_dir};
    auto r = RunProcess(spec, MapEnvironment());
    if (c.runs.empty()) {
      ASSERT_FALSE(r) << c.command;
      EXPECT_EQ(r.error().code, ErrorCode::kSecretProviderError);
      EXPECT_TRUE(Contains(r.error().message, "command " + c.command + " (resolved to "))
          << r.error().message;
      EXPECT_TRUE(Contains(r.error().message, "is not in trusted_dirs [")) << r.error().message;
      // Without trusted_dirs it passes, as the file it really is.
      auto where = CheckCommand(c.command, {});
      ASSERT_TRUE(where) << where.error().ToString();
      EXPECT_EQ(*where, c.command == escape + "/evil.sh" ? evil : top);
    } else {
      ASSERT_TRUE(r) << c.command << ": " << r.error().ToString();
      EXPECT_EQ(r->stdout_data, "ok\n");
      auto where = CheckCommand(c.command, spec.trusted_dirs);
      ASSERT_TRUE(where) << where.error().ToString();
      EXPECT_EQ(*where, c.runs);
    }
  }
}

}  // namespace
}  // namespace warden::secrets
