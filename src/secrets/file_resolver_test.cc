#include "secrets/file_resolver.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "base/test_util.hpp"

namespace warden::secrets {
namespace {

using warden::test_util::TempDir;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

config::SecretRef FileRef(const std::string& id) {
  return config::SecretRef{config::SecretSource::kFile, "fm", id};
}

config::SecretProviderConfig FileProvider(const std::string& path, config::FileMode mode) {
  config::SecretProviderConfig p;
  p.alias = "fm";
  p.source = config::SecretSource::kFile;
  p.path = path;
  p.mode = mode;
  return p;
}

TEST(FileResolver, JsonModeResolvesPointers) {
  TempDir dir;
  auto path = dir.WriteFile("s.json", R"({"providers":{"openai":{"key":"sk-o"}},
      "keys":["k0","k1"],"a/b":"slash","num":7,"empty":""})");
  auto results = ResolveFileRefs(
      "fm", FileProvider(path, config::FileMode::kJson),
      {FileRef("/providers/openai/key"), FileRef("/keys/1"), FileRef("/a~1b"), FileRef("/missing"),
       FileRef("/num"), FileRef("/empty"), FileRef("/keys"), FileRef("nope"), FileRef("")});
  ASSERT_EQ(results.size(), 9u);
  ASSERT_TRUE(results[0]);
  EXPECT_EQ(results[0]->Reveal(), "sk-o");
  ASSERT_TRUE(results[1]);
  EXPECT_EQ(results[1]->Reveal(), "k1");
  ASSERT_TRUE(results[2]);
  EXPECT_EQ(results[2]->Reveal(), "slash");

  EXPECT_EQ(results[3].error().code, ErrorCode::kSecretRefNotFound);
  EXPECT_TRUE(Contains(results[3].error().message, "/missing"));
  EXPECT_EQ(results[3].error().context, "file:fm:/missing");
  for (int i : {4, 5, 6}) {
    EXPECT_EQ(results[i].error().code, ErrorCode::kSecretRefInvalid) << i;
    EXPECT_TRUE(Contains(results[i].error().message, "must be a non-empty string"));
  }
  EXPECT_EQ(results[7].error().code, ErrorCode::kSecretRefInvalid);  // malformed pointer
  EXPECT_EQ(results[8].error().code, ErrorCode::kSecretRefInvalid);  // "" = whole doc, an object
}

TEST(FileResolver, InvalidJsonIsProviderErrorForEveryRef) {
  TempDir dir;
  auto path = dir.WriteFile("s.json", R"({"key": "PLANTED-VALUE",)");
  auto results = ResolveFileRefs("fm", FileProvider(path, config::FileMode::kJson),
                                 {FileRef("/key"), FileRef("/b")});
  for (const auto& r : results) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kSecretProviderError);
    EXPECT_TRUE(Contains(r.error().message, "not valid JSON"));
    EXPECT_FALSE(Contains(r.error().ToString(), "PLANTED"));
  }
  EXPECT_EQ(results[1].error().context, "file:fm:/b");
}

TEST(FileResolver, SingleValueStripsOneLineEnding) {
  TempDir dir;
  struct Case {
    std::string content;
    std::string value;
  };
  const Case cases[] = {{"sk-1\n", "sk-1"},
                        {"sk-1\r\n", "sk-1"},
                        {"sk-1", "sk-1"},
                        {"sk-1\n\n", "sk-1\n"},
                        {" sk-1 \n", " sk-1 "}};
  int n = 0;
  for (const auto& c : cases) {
    auto path = dir.WriteFile("v" + std::to_string(n++), c.content);
    auto results = ResolveFileRefs("fm", FileProvider(path, config::FileMode::kSingleValue),
                                   {FileRef("value")});
    ASSERT_TRUE(results[0]) << results[0].error().ToString();
    EXPECT_EQ(results[0]->Reveal(), c.value);
  }
}

TEST(FileResolver, SingleValueNeedsIdValueAndContent) {
  TempDir dir;
  auto path = dir.WriteFile("v", "sk-1\n");
  auto wrong =
      ResolveFileRefs("fm", FileProvider(path, config::FileMode::kSingleValue), {FileRef("/key")});
  ASSERT_FALSE(wrong[0]);
  EXPECT_EQ(wrong[0].error().code, ErrorCode::kSecretRefInvalid);
  EXPECT_TRUE(Contains(wrong[0].error().message, "\"value\""));

  auto empty_path = dir.WriteFile("e", "\n");
  auto empty = ResolveFileRefs("fm", FileProvider(empty_path, config::FileMode::kSingleValue),
                               {FileRef("value")});
  ASSERT_FALSE(empty[0]);
  EXPECT_EQ(empty[0].error().code, ErrorCode::kSecretRefInvalid);
}

TEST(FileResolver, SecurityChecksApplyAndNameTheFix) {
  TempDir dir;
  auto path = dir.WriteFile("s.json", R"({"k":"PLANTED"})", 0644);
  auto results =
      ResolveFileRefs("fm", FileProvider(path, config::FileMode::kJson), {FileRef("/k")});
  ASSERT_FALSE(results[0]);
  EXPECT_EQ(results[0].error().code, ErrorCode::kSecretFileInsecure);
  EXPECT_TRUE(Contains(results[0].error().message, "chmod 600 " + path));
  EXPECT_EQ(results[0].error().context, "file:fm:/k");
  EXPECT_FALSE(Contains(results[0].error().ToString(), "PLANTED"));
}

TEST(FileResolver, MissingFile) {
  TempDir dir;
  auto missing = ResolveFileRefs("fm", FileProvider(dir.Join("no.json"), config::FileMode::kJson),
                                 {FileRef("/k")});
  EXPECT_EQ(missing[0].error().code, ErrorCode::kSecretProviderError);
  EXPECT_TRUE(Contains(missing[0].error().message, dir.Join("no.json")));
  // An unknown mode can no longer reach the resolver: FileMode has only json and single_value,
  // and the loader refuses any other spelling (config tests).
}

}  // namespace
}  // namespace warden::secrets
