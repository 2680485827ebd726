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
using config::SecretSource;
using warden::test_util::ReadAll;
using warden::test_util::TempDir;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

config::SecretRef Ref(SecretSource source, const std::string& provider, const std::string& id) {
  return config::SecretRef{source, provider, id};
}

config::SecretProviderConfig Provider(const std::string& alias, SecretSource source) {
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
  auto r = resolver.Resolve(Ref(SecretSource::kEnv, "default", "OPENAI_API_KEY"));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->Reveal(), "sk-env");
  auto missing = resolver.Resolve(Ref(SecretSource::kEnv, "default", "NOPE"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kSecretRefNotFound);
  EXPECT_TRUE(Contains(missing.error().message, "NOPE"));
}

TEST(SecretResolver, EnvAliasWithAllowlist) {
  std::map<std::string, config::SecretProviderConfig> providers;
  providers["ci"] = Provider("ci", SecretSource::kEnv);
  providers["ci"].allowlist = {"A"};
  MapEnvironment env(Vars{{"A", "a"}, {"B", "b"}});
  SecretResolver resolver(providers, env);
  EXPECT_TRUE(resolver.Resolve(Ref(SecretSource::kEnv, "ci", "A")));
  auto denied = resolver.Resolve(Ref(SecretSource::kEnv, "ci", "B"));
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, ErrorCode::kSecretRefInvalid);
  EXPECT_TRUE(Contains(denied.error().message, "not in allowlist"));
}

TEST(SecretResolver, UnknownAliasListsConfiguredOnes) {
  std::map<std::string, config::SecretProviderConfig> providers;
  providers["vault"] = Provider("vault", SecretSource::kExec);
  providers["filemain"] = Provider("filemain", SecretSource::kFile);
  MapEnvironment env;
  SecretResolver resolver(providers, env);
  for (const auto& ref :
       {Ref(SecretSource::kExec, "vualt", "x"), Ref(SecretSource::kEnv, "other", "X"),
        Ref(SecretSource::kFile, "default", "/x")}) {
    auto r = resolver.Resolve(ref);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kSecretProviderNotConfigured);
    EXPECT_TRUE(Contains(r.error().message, "filemain")) << r.error().message;
    EXPECT_TRUE(Contains(r.error().message, "vault")) << r.error().message;
    EXPECT_EQ(r.error().context, ref.Describe());
  }
}

TEST(SecretResolver, SourceMismatch) {
  std::map<std::string, config::SecretProviderConfig> providers;
  providers["vault"] = Provider("vault", SecretSource::kExec);
  MapEnvironment env;
  SecretResolver resolver(providers, env);
  auto mismatch = resolver.Resolve(Ref(SecretSource::kFile, "vault", "/x"));
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().code, ErrorCode::kSecretRefInvalid);
  EXPECT_TRUE(Contains(mismatch.error().message, "\"exec\""));
  // An unknown source can no longer reach the resolver: SecretSource has only env, file and
  // exec, and the loader refuses any other spelling (config tests).
}

TEST(SecretResolver, FileChecksRunOnEveryResolve) {
  TempDir dir;
  auto path = dir.WriteFile("s.json", R"({"k":"v"})");
  std::map<std::string, config::SecretProviderConfig> providers;
  providers["fm"] = Provider("fm", SecretSource::kFile);
  providers["fm"].path = path;
  MapEnvironment env;
  SecretResolver resolver(providers, env);
  ASSERT_TRUE(resolver.Resolve(Ref(SecretSource::kFile, "fm", "/k")));
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  auto r = resolver.Resolve(Ref(SecretSource::kFile, "fm", "/k"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kSecretFileInsecure);
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
  providers["vault"] = Provider("vault", SecretSource::kExec);
  providers["vault"].command = vault;
  providers["other"] = Provider("other", SecretSource::kExec);
  providers["other"].command = other;
  providers["fm"] = Provider("fm", SecretSource::kFile);
  providers["fm"].path = file;
  MapEnvironment env(Vars{{"E", "ev"}});
  SecretResolver resolver(providers, env);

  auto results = resolver.ResolveAll(
      {Ref(SecretSource::kExec, "vault", "a"), Ref(SecretSource::kEnv, "default", "E"),
       Ref(SecretSource::kExec, "other", "a"), Ref(SecretSource::kFile, "fm", "/f"),
       Ref(SecretSource::kExec, "vault", "b"), Ref(SecretSource::kExec, "nope", "a"),
       Ref(SecretSource::kExec, "vault", "missing")});
  ASSERT_EQ(results.size(), 7u);
  const char* expected[] = {"va", "ev", "oa", "fv", "vb"};
  for (std::size_t i = 0; i < 5; ++i) {
    ASSERT_TRUE(results[i]) << i << " " << results[i].error().ToString();
    EXPECT_EQ(results[i]->Reveal(), expected[i]) << i;
  }
  EXPECT_EQ(results[5].error().code, ErrorCode::kSecretProviderNotConfigured);
  EXPECT_EQ(results[6].error().code, ErrorCode::kSecretRefNotFound);
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
  ref.ref = Ref(SecretSource::kEnv, "default", "CF_AIG_TOKEN");
  ref.prefix = "Bearer ";
  auto r = resolver.Resolve(ref);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Reveal(), "Bearer cf-tok");

  ref.ref = Ref(SecretSource::kEnv, "default", "UNSET");
  auto e = resolver.Resolve(ref);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ErrorCode::kSecretRefNotFound);
  EXPECT_EQ(e.error().context, "env:default:UNSET");
}

// Plants one value in every place a secret can come from (env, files, helper stdout, stderr,
// error codes) and drives every failure path: no error may ever contain it.
TEST(SecretResolver, NoErrorEverContainsAValueOrChildOutput) {
  const std::string kPlanted = "PLANTED-7f3a9c-SECRET";
  TempDir dir;
  std::map<std::string, config::SecretProviderConfig> providers;
  auto add_exec = [&](const std::string& alias, const std::string& body, bool json_only = true) {
    providers[alias] = Provider(alias, SecretSource::kExec);
    providers[alias].command = dir.WriteScript(alias + ".sh", "cat > /dev/null\n" + body);
    providers[alias].json_only = json_only;
    providers[alias].timeout = 300ms;
  };
  auto add_file = [&](const std::string& alias, const std::string& content, mode_t mode,
                      config::FileMode file_mode = config::FileMode::kJson) {
    providers[alias] = Provider(alias, SecretSource::kFile);
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
  add_file("single", p + "\n", 0600, config::FileMode::kSingleValue);
  providers["allow"] = Provider("allow", SecretSource::kEnv);
  providers["allow"].allowlist = {"OTHER"};
  MapEnvironment env(Vars{{"PLANTED_VAR", p}});
  SecretResolver resolver(providers, env);

  std::vector<config::SecretRef> refs = {Ref(SecretSource::kExec, "garbage", "a"),
                                         Ref(SecretSource::kExec, "exit3", "a"),
                                         Ref(SecretSource::kExec, "hang", "a"),
                                         Ref(SecretSource::kExec, "flood", "a"),
                                         Ref(SecretSource::kExec, "badver", "a"),
                                         Ref(SecretSource::kExec, "codes", "a"),
                                         Ref(SecretSource::kExec, "codes", "b"),
                                         Ref(SecretSource::kExec, "codes", "n"),
                                         Ref(SecretSource::kExec, "codes", "z"),
                                         Ref(SecretSource::kExec, "rawtwo", "a"),
                                         Ref(SecretSource::kExec, "rawtwo", "b"),
                                         Ref(SecretSource::kExec, "signal", "a"),
                                         Ref(SecretSource::kFile, "badjson", "/a"),
                                         Ref(SecretSource::kFile, "insecure", "/a"),
                                         Ref(SecretSource::kFile, "shapes", "/obj"),
                                         Ref(SecretSource::kFile, "shapes", "/arr"),
                                         Ref(SecretSource::kFile, "shapes", "/obj/x/y"),
                                         Ref(SecretSource::kFile, "shapes", "/num/x"),
                                         Ref(SecretSource::kFile, "single", "/a"),
                                         Ref(SecretSource::kEnv, "allow", "PLANTED_VAR"),
                                         Ref(SecretSource::kExec, "nope", "a"),
                                         Ref(SecretSource::kFile, "allow", "/a")};
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
  good.ref = Ref(SecretSource::kEnv, "default", "PLANTED_VAR");
  EXPECT_EQ(resolver.Resolve(good)->Reveal(), kPlanted);
}

}  // namespace
}  // namespace warden::secrets
