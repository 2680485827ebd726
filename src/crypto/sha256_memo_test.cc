#include "crypto/sha256_memo.hpp"

#include <string>

#include <gtest/gtest.h>

namespace warden::crypto {
namespace {

// Every answer is the input's own digest, whatever came before it: the same input, one that
// extends or shortens the last, differs in its last byte, is empty, or is too large to keep.
TEST(Sha256Memo, AnswersEachInputsOwnDigest) {
  const std::string large(Sha256Memo::kMaxBytes + 1, 'k');
  const std::string inputs[] = {"wdn_token-a",
                                "wdn_token-a",
                                "wdn_token-b",
                                "wdn_token",
                                "wdn_token-bb",
                                "",
                                "",
                                large,
                                large,
                                "wdn_token-a",
                                std::string(Sha256Memo::kMaxBytes, 'k'),
                                "wdn_token-a"};
  Sha256Memo memo;
  for (const std::string& input : inputs) {
    EXPECT_EQ(memo.Of(input), Sha256(input)) << input.size();
  }
}

// Inputs that share the kept one's bytes up to the shorter length are not mistaken for it.
TEST(Sha256Memo, PrefixIsNotTheSameInput) {
  Sha256Memo memo;
  EXPECT_EQ(memo.Of("secret-token"), Sha256("secret-token"));
  EXPECT_EQ(memo.Of("secret"), Sha256("secret"));
  EXPECT_EQ(memo.Of("secret-token"), Sha256("secret-token"));
  EXPECT_EQ(memo.Of(std::string_view("secret-token\0", 13)),
            Sha256(std::string_view("secret-token\0", 13)));
}

}  // namespace
}  // namespace warden::crypto
