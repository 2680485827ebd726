#include "secrets/exec_resolver.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <set>
#include <sstream>
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

config::SecretRef Ref(const std::string& id, const std::string& alias = "vault") {
  return config::SecretRef{config::SecretSource::kExec, alias, id};
}

config::SecretProviderConfig ExecProvider(const std::string& command) {
  config::SecretProviderConfig p;
  p.alias = "vault";
  p.source = config::SecretSource::kExec;
  p.command = command;
  p.timeout = 5s;
  return p;
}

// Prints `stdout_text` (a bash $'...' literal body is avoided: the text goes through a file).
std::string ScriptPrinting(const TempDir& dir, const std::string& name, const std::string& out,
                           const std::string& extra = "") {
  dir.WriteFile(name + ".out", out, 0600);
  return dir.WriteScript(name, "cat > /dev/null\n" + extra + "cat " + name + ".out\n");
}

TEST(ExecResolver, SendsProtocolRequestAndReadsValues) {
  TempDir dir;
  auto script = dir.WriteScript("helper.sh",
                                "cat > request.json\n"
                                "echo run >> runs.log\n"
                                "printf '%s' '{\"protocolVersion\":1,\"values\":"
                                "{\"openai/key\":\"sk-one\",\"anthropic/key\":\"sk-two\"}}'\n");
  auto results = ResolveExecRefs("vault", ExecProvider(script),
                                 {Ref("openai/key"), Ref("anthropic/key"), Ref("openai/key")},
                                 MapEnvironment());
  ASSERT_EQ(results.size(), 3u);
  ASSERT_TRUE(results[0]) << results[0].error().ToString();
  ASSERT_TRUE(results[1]) << results[1].error().ToString();
  ASSERT_TRUE(results[2]);
  EXPECT_EQ(results[0]->Reveal(), "sk-one");
  EXPECT_EQ(results[1]->Reveal(), "sk-two");
  EXPECT_EQ(results[2]->Reveal(), "sk-one");

  // One run for the whole batch, each id asked once.
  EXPECT_EQ(ReadAll(dir.Join("runs.log")), "run\n");
  auto request = boost::json::parse(ReadAll(dir.Join("request.json")));
  EXPECT_EQ(request, boost::json::parse(R"({"protocolVersion":1,"provider":"vault",
                                            "ids":["openai/key","anthropic/key"]})"));
}

TEST(ExecResolver, ErrorsMapToRefCodes) {
  TempDir dir;
  auto script = ScriptPrinting(dir, "h.sh", R"({"protocolVersion":1,
      "values":{"num":42,"empty":"","obj":{"a":"b"}},
      "errors":{"gone":{"code":"NOT_FOUND"},"dup":{"code":"AMBIGUOUS_DUPLICATE_KEY"},
                "other":{"code":"PLANTED-CODE"},"weird":"PLANTED-ERR"}})");
  auto results = ResolveExecRefs("vault", ExecProvider(script),
                                 {Ref("num"), Ref("empty"), Ref("obj"), Ref("gone"), Ref("dup"),
                                  Ref("other"), Ref("weird"), Ref("absent")},
                                 MapEnvironment());
  const ErrorCode expected[] = {ErrorCode::kSecretRefInvalid,    ErrorCode::kSecretRefInvalid,
                                ErrorCode::kSecretRefInvalid,    ErrorCode::kSecretRefNotFound,
                                ErrorCode::kSecretRefInvalid,    ErrorCode::kSecretProviderError,
                                ErrorCode::kSecretProviderError, ErrorCode::kSecretRefNotFound};
  ASSERT_EQ(results.size(), std::size(expected));
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_FALSE(results[i]) << i;
    EXPECT_EQ(results[i].error().code, expected[i]) << i << " " << results[i].error().ToString();
    EXPECT_FALSE(Contains(results[i].error().ToString(), "PLANTED"));
  }
  EXPECT_TRUE(Contains(results[0].error().message, "must be a non-empty string"));
  EXPECT_EQ(results[3].error().context, "exec:vault:gone");
  EXPECT_TRUE(Contains(results[4].error().message, "AMBIGUOUS_DUPLICATE_KEY"));
}

TEST(ExecResolver, BadEnvelopeFailsTheWholeBatch) {
  TempDir dir;
  const char* outputs[] = {
      "this is not json PLANTED",
      R"({"protocolVersion":2,"values":{"a":"PLANTED"}})",
      R"({"values":{"a":"PLANTED"}})",
      R"({"protocolVersion":"1","values":{"a":"PLANTED"}})",
      R"({"protocolVersion":1.0,"values":{"a":"PLANTED"}})",
      R"({"protocolVersion":1,"values":["PLANTED"]})",
      R"({"protocolVersion":1,"values":{},"errors":["PLANTED"]})",
      R"(["PLANTED"])",
      "",
  };
  int n = 0;
  for (const char* out : outputs) {
    auto script = ScriptPrinting(dir, "bad" + std::to_string(n++) + ".sh", out);
    auto results =
        ResolveExecRefs("vault", ExecProvider(script), {Ref("a"), Ref("b")}, MapEnvironment());
    ASSERT_EQ(results.size(), 2u);
    for (const auto& r : results) {
      ASSERT_FALSE(r) << out;
      EXPECT_EQ(r.error().code, ErrorCode::kSecretProviderError) << out;
      EXPECT_FALSE(Contains(r.error().ToString(), "PLANTED")) << r.error().ToString();
    }
    EXPECT_EQ(results[1].error().context, "exec:vault:b");
  }
}

TEST(ExecResolver, RunFailuresFailEveryIdOfTheBatch) {
  TempDir dir;
  auto exit3 = dir.WriteScript("exit3.sh",
                               "echo '{\"protocolVersion\":1,\"values\":{\"a\":\"PLANTED\"}}'\n"
                               "echo PLANTED >&2\nexit 3\n");
  auto hang = dir.WriteScript("hang.sh", "sleep 30\n");
  auto flood = dir.WriteScript("flood.sh", "head -c 10485760 /dev/zero | tr '\\0' P\n");
  struct Case {
    std::string command;
    std::string message;
  };
  const Case cases[] = {{exit3, "exited with status 3"},
                        {hang, "timed out after 300ms"},
                        {flood, "output exceeds 1048576 bytes"}};
  for (const auto& c : cases) {
    auto provider = ExecProvider(c.command);
    provider.timeout = 300ms;
    auto results = ResolveExecRefs("vault", provider, {Ref("a"), Ref("b")}, MapEnvironment());
    ASSERT_EQ(results.size(), 2u);
    for (const auto& r : results) {
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code, ErrorCode::kSecretProviderError);
      EXPECT_TRUE(Contains(r.error().message, c.message)) << r.error().message;
      EXPECT_TRUE(Contains(r.error().message, "exec provider \"vault\"")) << r.error().message;
      EXPECT_FALSE(Contains(r.error().ToString(), "PLANTED"));
      EXPECT_FALSE(Contains(r.error().ToString(), "PPPP"));
    }
  }
}

TEST(ExecResolver, RawStdoutWhenNotJsonOnlyAndOneId) {
  TempDir dir;
  struct Case {
    std::string out;
    std::string value;
  };
  const Case cases[] = {{"sk-raw\n", "sk-raw"},
                        {"sk-raw\r\n", "sk-raw"},
                        {"sk-raw", "sk-raw"},
                        {"sk-raw\n\n", "sk-raw\n"},  // only one newline is stripped
                        {"{\"not\":\"protocol\"}\n", "{\"not\":\"protocol\"}"},
                        // protocol JSON is still understood in raw mode
                        {R"({"protocolVersion":1,"values":{"k":"from-json"}})", "from-json"}};
  int n = 0;
  for (const auto& c : cases) {
    auto script = ScriptPrinting(dir, "raw" + std::to_string(n++) + ".sh", c.out);
    auto provider = ExecProvider(script);
    provider.json_only = false;
    auto results = ResolveExecRefs("vault", provider, {Ref("k"), Ref("k")}, MapEnvironment());
    ASSERT_EQ(results.size(), 2u);
    ASSERT_TRUE(results[0]) << results[0].error().ToString();
    EXPECT_EQ(results[0]->Reveal(), c.value);
    ASSERT_TRUE(results[1]);
    EXPECT_EQ(results[1]->Reveal(), c.value);
  }
}

TEST(ExecResolver, RawStdoutNeedsExactlyOneIdAndJsonOnlyFalse) {
  TempDir dir;
  auto script = ScriptPrinting(dir, "raw.sh", "PLANTED-RAW\n");
  auto provider = ExecProvider(script);
  // json_only = true (the default): raw output is an error even for one id.
  auto strict = ResolveExecRefs("vault", provider, {Ref("k")}, MapEnvironment());
  ASSERT_FALSE(strict[0]);
  EXPECT_EQ(strict[0].error().code, ErrorCode::kSecretProviderError);
  EXPECT_TRUE(Contains(strict[0].error().message, "json_only = false"));
  // Two ids: raw output cannot be split between them.
  provider.json_only = false;
  auto two = ResolveExecRefs("vault", provider, {Ref("k"), Ref("j")}, MapEnvironment());
  for (const auto& r : two) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kSecretProviderError);
    EXPECT_FALSE(Contains(r.error().ToString(), "PLANTED"));
  }
  // Empty raw output.
  auto empty_script = ScriptPrinting(dir, "empty.sh", "\n");
  provider.command = empty_script;
  auto empty = ResolveExecRefs("vault", provider, {Ref("k")}, MapEnvironment());
  ASSERT_FALSE(empty[0]);
  EXPECT_EQ(empty[0].error().code, ErrorCode::kSecretRefInvalid);
}

TEST(ExecResolver, ChildSeesOnlyPassEnv) {
  TempDir dir;
  // Dumps the names of its environment, and one value, into a protocol response.
  auto script = dir.WriteScript(
      "env.sh",
      "cat > /dev/null\n"
      "names=$(/usr/bin/env | /usr/bin/cut -d= -f1 | /usr/bin/sort | /usr/bin/tr '\\n' ' ')\n"
      "printf '{\"protocolVersion\":1,\"values\":{\"names\":\"%s\",\"addr\":\"%s\"}}' "
      "\"$names\" \"$VAULT_ADDR\"\n");
  auto provider = ExecProvider(script);
  provider.pass_env = {"VAULT_ADDR", "VAULT_TOKEN", "NOT_SET_ANYWHERE"};
  MapEnvironment env(Vars{{"VAULT_ADDR", "https://vault.example"},
                          {"VAULT_TOKEN", "tok"},
                          {"HOME", "/root"},
                          {"PATH", "/usr/bin:/bin"},
                          {"OPENAI_API_KEY", "sk-should-not-leak"}});
  auto results = ResolveExecRefs("vault", provider, {Ref("names"), Ref("addr")}, env);
  ASSERT_TRUE(results[0]) << results[0].error().ToString();
  ASSERT_TRUE(results[1]) << results[1].error().ToString();
  EXPECT_EQ(results[1]->Reveal(), "https://vault.example");

  std::set<std::string> names;
  std::istringstream in{std::string(results[0]->Reveal())};
  for (std::string name; in >> name;) names.insert(name);
  // bash itself exports PWD, SHLVL and _ to its children; nothing else may appear.
  std::set<std::string> expected = {"VAULT_ADDR", "VAULT_TOKEN", "PWD", "SHLVL", "_"};
  EXPECT_EQ(names, expected) << results[0]->Reveal();
}

TEST(ExecResolver, UntrustedOrUnsafeCommandsNeverRun) {
  TempDir dir;
  auto trusted = dir.MakeDir("trusted");
  auto outside = dir.WriteScript("outside.sh", "echo run >> runs.log\n");
  auto group_writable = dir.WriteScript("trusted/gw.sh", "echo run >> runs.log\n", 0770);
  auto real = dir.WriteScript("trusted/real.sh", "echo run >> runs.log\n");
  auto link = trusted + "/link.sh";
  ASSERT_EQ(::symlink(real.c_str(), link.c_str()), 0);
  // A directory inside trusted_dirs that is a symlink to one outside.
  dir.MakeDir("elsewhere");
  dir.WriteScript("elsewhere/evil.sh", "echo run >> runs.log\n");
  ASSERT_EQ(::symlink(dir.Join("elsewhere").c_str(), (trusted + "/escape").c_str()), 0);
  // A trusted-looking helper in a directory everyone can write to.
  auto open_dir = dir.MakeDir("trusted/open");
  auto in_open_dir = dir.WriteScript("trusted/open/h.sh", "echo run >> runs.log\n");
  ASSERT_EQ(::chmod(open_dir.c_str(), 0777), 0);

  struct Case {
    std::string command;
    std::string message;
  };
  const Case cases[] = {{outside, "is not in trusted_dirs [" + trusted + "]"},
                        {group_writable, "which lets group or others change it"},
                        {link, "is a symlink"},
                        {trusted + "/escape/evil.sh", "is not in trusted_dirs [" + trusted + "]"},
                        {in_open_dir, "chmod go-w " + open_dir}};
  for (const auto& c : cases) {
    auto provider = ExecProvider(c.command);
    provider.trusted_dirs = {trusted};
    auto results = ResolveExecRefs("vault", provider, {Ref("a")}, MapEnvironment());
    ASSERT_FALSE(results[0]);
    EXPECT_EQ(results[0].error().code, ErrorCode::kSecretProviderError);
    EXPECT_TRUE(Contains(results[0].error().message, c.message)) << results[0].error().message;
    EXPECT_EQ(results[0].error().context, "exec:vault:a");
  }
  EXPECT_EQ(ReadAll(dir.Join("runs.log")), "");
  EXPECT_EQ(ReadAll(trusted + "/runs.log"), "");
  EXPECT_EQ(ReadAll(dir.Join("elsewhere/runs.log")), "");
  EXPECT_EQ(ReadAll(open_dir + "/runs.log"), "");
}

}  // namespace
}  // namespace warden::secrets
