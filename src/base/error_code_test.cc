#include "base/error_code.hpp"

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "base/result.hpp"

namespace warden {
namespace {

std::vector<ErrorCode> AllCodes() {
  return {
#define WARDEN_ERROR_CODE_LIST(id, wire) ErrorCode::id,
      WARDEN_ERROR_CODES(WARDEN_ERROR_CODE_LIST)
#undef WARDEN_ERROR_CODE_LIST
  };
}

TEST(ErrorCode, WireNamesAreUniqueSortedAndRoundTrip) {
  std::set<std::string_view> seen;
  std::string_view previous;
  for (ErrorCode code : AllCodes()) {
    std::string_view wire = WireName(code);
    EXPECT_FALSE(wire.empty());
    EXPECT_TRUE(seen.insert(wire).second) << "duplicate wire name " << wire;
    EXPECT_LT(previous, wire) << "the table must stay sorted";
    previous = wire;
    ASSERT_TRUE(ParseErrorCode(wire).has_value()) << wire;
    EXPECT_EQ(*ParseErrorCode(wire), code) << wire;
  }
}

TEST(ErrorCode, WireNamesAreUpperSnakeCase) {
  for (ErrorCode code : AllCodes()) {
    for (char c : WireName(code)) {
      EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') << WireName(code);
    }
  }
}

TEST(ErrorCode, NoneHasNoWireName) {
  EXPECT_EQ(WireName(ErrorCode::kNone), "");
  EXPECT_EQ(Error().ToString(), "");
}

TEST(ErrorCode, UnknownNamesDoNotParse) {
  for (std::string_view name : {"", "config_invalid", "NOT_FOUND", "CONFIG_INVALID "}) {
    EXPECT_FALSE(ParseErrorCode(name).has_value()) << name;
  }
}

TEST(Error, ToStringPrintsTheWireName) {
  EXPECT_EQ(Error::Make(ErrorCode::kConfigInvalid, "bad", "gateway.bind").ToString(),
            "CONFIG_INVALID: bad (gateway.bind)");
  EXPECT_EQ(Error::Make(ErrorCode::kIoError, "").ToString(), "IO_ERROR");
  EXPECT_EQ(Error::Make(ErrorCode::kTokenMissing, "none").CodeName(), "TOKEN_MISSING");
}

TEST(Error, WrapPrefixesTheMessageAndKeepsCodeAndContext) {
  Error e = Error::Make(ErrorCode::kSecretRefNotFound, "variable X is not set", "env:default:X");
  Error wrapped = e.Wrap("providers.p.keys[0]");
  EXPECT_EQ(wrapped.code, ErrorCode::kSecretRefNotFound);
  EXPECT_EQ(wrapped.message, "providers.p.keys[0]: variable X is not set");
  EXPECT_EQ(wrapped.context, "env:default:X");
  Error moved = e.WithContext("elsewhere");
  EXPECT_EQ(moved.message, e.message);
  EXPECT_EQ(moved.context, "elsewhere");
}

TEST(Error, PosixNamesOperationPathAndErrno) {
  Error e = Error::Posix("open", "/x/y", ENOENT);
  EXPECT_EQ(e.code, ErrorCode::kIoError);
  EXPECT_EQ(e.message, "open /x/y: No such file or directory");
  EXPECT_EQ(e.context, "/x/y");
}

}  // namespace
}  // namespace warden
