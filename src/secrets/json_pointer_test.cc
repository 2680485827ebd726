#include "secrets/json_pointer.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

namespace warden::secrets {
namespace {

const boost::json::value& Doc() {
  static const boost::json::value doc = boost::json::parse(R"({
    "a": {"b": "c"},
    "arr": ["x", "y", {"k": "v"}],
    "a/b": "slash",
    "m~n": "tilde",
    "~1": "literal-tilde-one",
    "": "empty-key",
    "0": "zero-key",
    "nested": {"": {"x": "deep"}},
    "num": 42
  })");
  return doc;
}

struct FoundCase {
  const char* pointer;
  const char* expected;
};

TEST(JsonPointer, ResolvesTable) {
  const FoundCase cases[] = {
      {"/a/b", "c"},
      {"/arr/0", "x"},
      {"/arr/1", "y"},
      {"/arr/2/k", "v"},
      {"/a~1b", "slash"},
      {"/m~0n", "tilde"},
      {"/~01", "literal-tilde-one"},  // "~01" is "~" then "1", never "/"
      {"/", "empty-key"},
      {"/0", "zero-key"},  // numeric token on an object is a member name
      {"/nested//x", "deep"},
  };
  for (const auto& c : cases) {
    auto r = ResolvePointer(Doc(), c.pointer);
    ASSERT_TRUE(r) << c.pointer << ": " << r.error().ToString();
    ASSERT_TRUE((*r)->is_string()) << c.pointer;
    EXPECT_EQ((*r)->get_string(), c.expected) << c.pointer;
  }
}

TEST(JsonPointer, EmptyPointerIsWholeDocument) {
  auto r = ResolvePointer(Doc(), "");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, &Doc());
}

TEST(JsonPointer, ReturnsNonStringValues) {
  auto r = ResolvePointer(Doc(), "/num");
  ASSERT_TRUE(r);
  EXPECT_TRUE((*r)->is_int64());
  auto a = ResolvePointer(Doc(), "/arr");
  ASSERT_TRUE(a);
  EXPECT_TRUE((*a)->is_array());
}

TEST(JsonPointer, NotFoundTable) {
  const char* cases[] = {
      "/missing", "/a/x",      "/arr/3", "/arr/99999999999999999999999999", "/a/b/c", "/num/0",
      "/A/b",     "/nested/x", "/a~1c",
  };
  for (const char* pointer : cases) {
    auto r = ResolvePointer(Doc(), pointer);
    ASSERT_FALSE(r) << pointer;
    EXPECT_EQ(r.error().code, ErrorCode::kSecretRefNotFound) << pointer;
    EXPECT_NE(r.error().message.find(pointer), std::string::npos) << r.error().message;
  }
}

TEST(JsonPointer, InvalidTable) {
  const char* cases[] = {
      "a",        // no leading slash
      "a/b",      //
      "/a~",      // dangling escape
      "/a~2",     // unknown escape
      "/arr/-",   // the element after the last: nothing to read
      "/arr/01",  // leading zero
      "/arr/-1",  //
      "/arr/+1",  //
      "/arr/k",   // not an index
      "/arr/1x",  //
  };
  for (const char* pointer : cases) {
    auto r = ResolvePointer(Doc(), pointer);
    ASSERT_FALSE(r) << pointer;
    EXPECT_EQ(r.error().code, ErrorCode::kSecretRefInvalid) << pointer;
  }
}

// The syntax is judged on the whole pointer, before and whatever the lookup finds.
TEST(JsonPointer, BadEscapeIsInvalidEvenPastAMissingStep) {
  for (const char* pointer : {"/missing/a~2", "/num/~", "/arr/9/~x"}) {
    auto r = ResolvePointer(Doc(), pointer);
    ASSERT_FALSE(r) << pointer;
    EXPECT_EQ(r.error().code, ErrorCode::kSecretRefInvalid) << pointer;
  }
}

TEST(JsonPointer, MessagesNameWhereTheLookupStopped) {
  auto missing = ResolvePointer(Doc(), "/a/x/y");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "JSON pointer \"/a/x/y\" not found: nothing at \"/a/x\"");
  auto index = ResolvePointer(Doc(), "/arr/01/k");
  ASSERT_FALSE(index);
  EXPECT_EQ(index.error().message,
            "JSON pointer \"/arr/01/k\": \"01\" is not an array index (decimal digits, no "
            "leading zeros)");
}

TEST(JsonPointer, ErrorsNeverQuoteDocumentValues) {
  auto doc = boost::json::parse(R"({"k": "PLANTED-VALUE-123", "arr": ["PLANTED-VALUE-123"]})");
  for (const char* pointer : {"/k/x", "/arr/5", "/arr/-", "/k/0"}) {
    auto r = ResolvePointer(doc, pointer);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().ToString().find("PLANTED"), std::string::npos) << r.error().ToString();
  }
}

}  // namespace
}  // namespace warden::secrets
