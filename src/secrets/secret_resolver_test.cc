#include "secrets/secret_resolver.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

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

config::SecretRef Ref(const std::string& source, const std::string& provider,
                      const std::string& id) {
  return config::SecretRef{source, provider, id};
}

config::SecretProviderConfig Provider(const std::string& alias, const std::string& source) {
  config::SecretProviderConfig p;
  p.alias = alias;
  p.source = source;
  p.timeout = 5s;
  return p;
}

TEST(SecretResolver, EnvDefaultAliasNeedsNoConfig) {
  std::map<std::string, config::SecretProviderConfig> providers;
  MapEnvironment env(Vars{{"OPENAI_API_KEY", "sk-env"}});
  SecretResolver resolver(providers, env);
  auto r = resolver.Resolve(Ref("env", "default", "OPENAI_API_KEY"));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->Reveal(), "sk-env");
  auto missing = resolver.Resolve(Ref("env", "default", "NOPE"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "SECRET_REF_NOT_FOUND");
  EXPECT_TRUE(Contains(missing.error().message, "NOPE"));
}

TEST(SecretResolver, EnvAliasWithAllowlist) {
  std::map<std::string, config::SecretProviderConfig> providers;
  providers["ci"] = Provider("ci", "env");
  providers["ci"].allowlist = {"A"};
  MapEnvironment env(Vars{{"A", "a"}, {"B", "b"}});
  SecretResolver resolver(providers, env);
  EXPECT_TRUE(resolver.Resolve(Ref("env", "ci", "A")));
  auto denied = resolver.Resolve(Ref("env", "ci", "B"));
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, "SECRET_REF_INVALID");
  EXPECT_TRUE(Contains(denied.error().message, "not in allowlist"));
}

TEST(SecretResolver, UnknownAliasListsConfiguredOnes) {
  std::map<std::string, config::SecretProviderConfig> providers;
  providers["vault"] = Provider("vault", "exec");
  providers["filemain"] = Provider("filemain", "file");
  MapEnvironment env;
  SecretResolver resolver(providers, env);
  for (const auto& ref :
       {Ref("exec", "vualt", "x"), Ref("env", "other", "X"), Ref("file", "default", "/x")}) {
    auto r = resolver.Resolve(ref);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "SECRET_PROVIDER_NOT_CONFIGURED");
    EXPECT_TRUE(Contains(r.error().message, "filemain")) << r.error().message;
    EXPECT_TRUE(Contains(r.error().message, "vault")) << r.error().message;
    EXPECT_EQ(r.error().context, ref.Describe());
  }
}

TEST(SecretResolver, SourceMismatchAndUnknownSource) {
  std::map<std::string, config::SecretProviderConfig> providers;
  providers["vault"] = Provider("vault", "exec");
  MapEnvironment env;
  SecretResolver resolver(providers, env);
  auto mismatch = resolver.Resolve(Ref("file", "vault", "/x"));
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().code, "SECRET_REF_INVALID");
  EXPECT_TRUE(Contains(mismatch.error().message, "\"exec\""));
  auto unknown = resolver.Resolve(Ref("store", "default", "X"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, "SECRET_REF_INVALID");
}

TEST(SecretResolver, FileChecksRunOnEveryResolve) {
  TempDir dir;
  auto path = dir.WriteFile("s.json", R"({"k":"v"})");
  std::map<std::string, config::SecretProviderConfig> providers;
  providers["fm"] = Provider("fm", "file");
  providers["fm"].path = path;
  MapEnvironment env;
  SecretResolver resolver(providers, env);
  ASSERT_TRUE(resolver.Resolve(Ref("file", "fm", "/k")));
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  auto r = resolver.Resolve(Ref("file", "fm", "/k"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "SECRET_FILE_INSECURE");
}

TEST(SecretResolver, ResolveAllBatchesOneProcessPerExecAliasInInputOrder) {
  TempDir dir;
  auto vault = dir.WriteScript("vault.sh",
                               "cat > /dev/null\necho run >> vault.runs\n"
                               "printf '%s' '{\"protocolVersion\":1,"
                               "\"values\":{\"a\":\"va\",\"b\":\"vb\"}}'\n");
  auto other = dir.WriteScript("other.sh",
                               "cat > /dev/null\necho run >> other.runs\n"
                               "printf '%s' '{\"protocolVersion\":1,\"values\":{\"a\":\"oa\"}}'\n");
  auto file = dir.WriteFile("s.json", R"({"f":"fv"})");
  std::map<std::string, config::SecretProviderConfig> providers;
  providers["vault"] = Provider("vault", "exec");
  providers["vault"].command = vault;
  providers["other"] = Provider("other", "exec");
  providers["other"].command = other;
  providers["fm"] = Provider("fm", "file");
  providers["fm"].path = file;
  MapEnvironment env(Vars{{"E", "ev"}});
  SecretResolver resolver(providers, env);

  auto results = resolver.ResolveAll({Ref("exec", "vault", "a"), Ref("env", "default", "E"),
                                      Ref("exec", "other", "a"), Ref("file", "fm", "/f"),
                                      Ref("exec", "vault", "b"), Ref("exec", "nope", "a"),
                                      Ref("exec", "vault", "missing")});
  ASSERT_EQ(results.size(), 7u);
  const char* expected[] = {"va", "ev", "oa", "fv", "vb"};
  for (std::size_t i = 0; i < 5; ++i) {
    ASSERT_TRUE(results[i]) << i << " " << results[i].error().ToString();
    EXPECT_EQ(results[i]->Reveal(), expected[i]) << i;
  }
  EXPECT_EQ(results[5].error().code, "SECRET_PROVIDER_NOT_CONFIGURED");
  EXPECT_EQ(results[6].error().code, "SECRET_REF_NOT_FOUND");
  EXPECT_EQ(results[6].error().context, "exec:vault:missing");
  EXPECT_EQ(ReadAll(dir.Join("vault.runs")), "run\n");
  EXPECT_EQ(ReadAll(dir.Join("other.runs")), "run\n");
}

TEST(SecretResolver, SecretInputLiteralAndRefWithPrefix) {
  std::map<std::string, config::SecretProviderConfig> providers;
  MapEnvironment env(Vars{{"CF_AIG_TOKEN", "cf-tok"}});
  SecretResolver resolver(providers, env);

  config::SecretInput literal;
  literal.literal = Secret("lit");
  literal.prefix = "Bearer ";
  auto l = resolver.Resolve(literal);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->Reveal(), "Bearer lit");

  config::SecretInput bare;
  bare.literal = Secret("lit");
  EXPECT_EQ(resolver.Resolve(bare)->Reveal(), "lit");

  config::SecretInput ref;
  ref.ref = Ref("env", "default", "CF_AIG_TOKEN");
  ref.prefix = "Bearer ";
  auto r = resolver.Resolve(ref);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Reveal(), "Bearer cf-tok");

  ref.ref = Ref("env", "default", "UNSET");
  auto e = resolver.Resolve(ref);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, "SECRET_REF_NOT_FOUND");
  EXPECT_EQ(e.error().context, "env:default:UNSET");
}

// Plants one value in every place a secret can come from (env, files, helper stdout, stderr,
// error codes) and drives every failure path: no error may ever contain it.
TEST(SecretResolver, NoErrorEverContainsAValueOrChildOutput) {
  const std::string kPlanted = "PLANTED-7f3a9c-SECRET";
  TempDir dir;
  std::map<std::string, config::SecretProviderConfig> providers;
  auto add_exec = [&](const std::string& alias, const std::string& body, bool json_only = true) {
    providers[alias] = Provider(alias, "exec");
    providers[alias].command = dir.WriteScript(alias + ".sh", "cat > /dev/null\n" + body);
    providers[alias].json_only = json_only;
    providers[alias].timeout = 300ms;
  };
  auto add_file = [&](const std::string& alias, const std::string& content, mode_t mode,
                      const std::string& file_mode = "json") {
    providers[alias] = Provider(alias, "file");
    providers[alias].path = dir.WriteFile(alias + ".json", content, mode);
    providers[alias].mode = file_mode;
  };
  const std::string p = kPlanted;
  add_exec("garbage", "echo 'not json " + p + "'\n");
  add_exec("exit3", "echo '" + p + "'\necho '" + p + "' >&2\nexit 3\n");
  add_exec("hang", "echo '" + p + "'\necho '" + p + "' >&2\nsleep 30\n");
  add_exec("flood", "while :; do echo '" + p + "'; done\n");
  add_exec("badver", "echo '{\"protocolVersion\":2,\"values\":{\"a\":\"" + p + "\"}}'\n");
  add_exec("codes",
           "echo '{\"protocolVersion\":1,\"values\":{\"n\":1},"
           "\"errors\":{\"a\":{\"code\":\"" +
               p + "\"},\"b\":\"" + p + "\"}}'\n");
  add_exec("rawtwo", "echo '" + p + "'\n", /*json_only=*/false);
  add_exec("signal", "echo '" + p + "'\nkill -9 $$\n");
  add_file("badjson", "{\"a\":\"" + p + "\",", 0600);
  add_file("insecure", "{\"a\":\"" + p + "\"}", 0644);
  add_file("shapes", "{\"obj\":{\"x\":\"" + p + "\"},\"arr\":[\"" + p + "\"],\"num\":1}", 0600);
  add_file("single", p + "\n", 0600, "single_value");
  providers["allow"] = Provider("allow", "env");
  providers["allow"].allowlist = {"OTHER"};
  MapEnvironment env(Vars{{"PLANTED_VAR", p}});
  SecretResolver resolver(providers, env);

  std::vector<config::SecretRef> refs = {
      Ref("exec", "garbage", "a"),       Ref("exec", "exit3", "a"),
      Ref("exec", "hang", "a"),          Ref("exec", "flood", "a"),
      Ref("exec", "badver", "a"),        Ref("exec", "codes", "a"),
      Ref("exec", "codes", "b"),         Ref("exec", "codes", "n"),
      Ref("exec", "codes", "z"),         Ref("exec", "rawtwo", "a"),
      Ref("exec", "rawtwo", "b"),        Ref("exec", "signal", "a"),
      Ref("file", "badjson", "/a"),      Ref("file", "insecure", "/a"),
      Ref("file", "shapes", "/obj"),     Ref("file", "shapes", "/arr"),
      Ref("file", "shapes", "/obj/x/y"), Ref("file", "shapes", "/num/x"),
      Ref("file", "single", "/a"),       Ref("env", "allow", "PLANTED_VAR"),
      Ref("exec", "nope", "a"),          Ref("file", "allow", "/a")};
  auto results = resolver.ResolveAll(refs);
  ASSERT_EQ(results.size(), refs.size());
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_FALSE(results[i]) << refs[i].Describe() << " unexpectedly resolved";
    const Error& e = results[i].error();
    EXPECT_EQ(e.context, refs[i].Describe());
    EXPECT_FALSE(Contains(e.ToString(), "PLANTED-7f3a9c")) << e.ToString();
    EXPECT_FALSE(Contains(e.ToString(), "7f3a9c")) << e.ToString();
  }

  // Sanity: the planted value really is reachable where a ref is valid.
  config::SecretInput good;
  good.ref = Ref("env", "default", "PLANTED_VAR");
  EXPECT_EQ(resolver.Resolve(good)->Reveal(), kPlanted);
}

}  // namespace
}  // namespace warden::secrets
