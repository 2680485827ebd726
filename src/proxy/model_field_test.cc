#include "proxy/model_field.hpp"

#include <string>
#include <string_view>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::proxy {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The replaced body must equal the original with exactly [span_begin, span_end) swapped.
std::string Spliced(std::string_view body, const ModelField& f, std::string_view literal) {
  return std::string(body.substr(0, f.span_begin)) + std::string(literal) +
         std::string(body.substr(f.span_end));
}

TEST(FindModelField, FindsTopLevelModelAndItsSpan) {
  const std::string body = R"({"model":"openai/gpt-4o","stream":true})";
  Result<ModelField> f = FindModelField(body);
  ASSERT_TRUE(f.has_value()) << f.error().ToString();
  EXPECT_EQ(f->value, "openai/gpt-4o");
  EXPECT_EQ(body.substr(f->span_begin, f->span_end - f->span_begin), "\"openai/gpt-4o\"");
}

TEST(FindModelField, AcceptsValidBodiesInAnyShape) {
  struct Case {
    std::string_view body;
    std::string_view model;
  };
  const Case kCases[] = {
      {R"({"model":"a/b"})", "a/b"},
      {R"({ "model" : "a/b" })", "a/b"},
      {"{\n\t\"messages\": [],\n\t\"model\":\t\"a/b\"\n}", "a/b"},
      {R"({"messages":[{"role":"user","content":"hi"}],"model":"a/b","n":1})", "a/b"},
      {R"({"model":""})", ""},
      {"{\"model\":\"a/b\"}\n", "a/b"},        // trailing newline from curl/SDKs
      {"  {\"model\":\"a/b\"}  \r\n", "a/b"},  // surrounding whitespace
      {R"({"model":"a/b","x":{"model":"nested"}})", "a/b"},
      {R"({"x":{"model":"nested"},"model":"a/b"})", "a/b"},
      {R"({"x":[{"model":"in-array"}],"model":"a/b"})", "a/b"},
      {R"({"model":"ünï/cødé✓"})", "ünï/cødé✓"},
  };
  for (const Case& c : kCases) {
    Result<ModelField> f = FindModelField(c.body);
    ASSERT_TRUE(f.has_value()) << c.body << ": " << f.error().ToString();
    EXPECT_EQ(f->value, c.model) << c.body;
  }
}

TEST(ReplaceModel, KeepsEveryOtherByteIdentical) {
  const std::string bodies[] = {
      R"({"model":"openai/gpt-4o","messages":[{"role":"user","content":"héllo ✓ 😀"}]})",
      "{\n  \"temperature\" : 0.70,\n  \"model\"   :   \"openai/gpt-4o\" ,\n  \"z\":1e3 }\n",
      R"({"b":2,"a":1,"model":"openai/gpt-4o","messages":[],"x":{"model":"keep/me"}})",
      R"({"content":"\u00e9\n\"quoted\"","model":"openai/gpt-4o","n":null})",
  };
  for (const std::string& body : bodies) {
    Result<ModelField> f = FindModelField(body);
    ASSERT_TRUE(f.has_value()) << body << ": " << f.error().ToString();
    std::string out = ReplaceModel(body, *f, "gpt-4o");
    EXPECT_EQ(out, Spliced(body, *f, "\"gpt-4o\"")) << body;
    EXPECT_THAT(out, Not(HasSubstr("openai/gpt-4o"))) << body;
  }
}

TEST(ReplaceModel, EscapesTheNewModel) {
  const std::string body = R"({"model":"a/b","x":1})";
  Result<ModelField> f = FindModelField(body);
  ASSERT_TRUE(f.has_value());
  std::string out = ReplaceModel(body, *f, "we\"ird\\name\n");
  boost::json::value doc = boost::json::parse(out);
  EXPECT_EQ(doc.at("model").as_string(), "we\"ird\\name\n");
  EXPECT_EQ(doc.at("x").as_int64(), 1);
}

TEST(FindModelField, EscapedModelIsDecodedAndItsRawLiteralLocated) {
  struct Case {
    std::string_view body;
    std::string_view model;
  };
  const Case kCases[] = {
      {R"({"model":"open\u0061i/gpt-4o"})", "openai/gpt-4o"},
      {R"({"model":"openai\/gpt-4o"})", "openai/gpt-4o"},
      {R"({"model":"a/\u00e9"})", "a/\xc3\xa9"},
  };
  for (const Case& c : kCases) {
    Result<ModelField> f = FindModelField(c.body);
    ASSERT_TRUE(f.has_value()) << c.body << ": " << f.error().ToString();
    EXPECT_EQ(f->value, c.model) << c.body;
    // The span covers the raw literal, escapes included: no DOM round trip is needed.
    EXPECT_EQ(c.body.substr(f->span_begin, f->span_end - f->span_begin),
              c.body.substr(9, c.body.size() - 10))
        << c.body;
  }
}

TEST(ReplaceModel, FallbackPathKeepsTheDocumentSemantics) {
  const std::string body =
      R"({"x":{"model":"nested"},"model":"open\u0061i/gpt-4o","messages":[{"content":"é"}]})";
  Result<ModelField> f = FindModelField(body);
  ASSERT_TRUE(f.has_value()) << f.error().ToString();
  std::string out = ReplaceModel(body, *f, "gpt-4o");
  boost::json::value got = boost::json::parse(out);
  boost::json::value want = boost::json::parse(body);
  want.as_object()["model"] = "gpt-4o";
  EXPECT_EQ(got, want);
}

TEST(FindModelField, EscapedKeyNamedModelCounts) {
  const std::string_view body = R"({"mod\u0065l":"a/b"})";
  Result<ModelField> f = FindModelField(body);
  ASSERT_TRUE(f.has_value()) << f.error().ToString();
  EXPECT_EQ(f->value, "a/b");
  EXPECT_EQ(ReplaceModel(body, *f, "b"), R"({"mod\u0065l":"b"})");
}

TEST(ReplaceModel, EscapedValuesAmidNestedAndEscapedSiblingsKeepEveryOtherByte) {
  struct Case {
    std::string_view body;
    std::string_view want;
  } const kCases[] = {
      {R"({"a":"x\"model\":","b":[1,{"model":"n"}],"model":"p\/m","c":{"d":"]}"}})",
       R"({"a":"x\"model\":","b":[1,{"model":"n"}],"model":"m","c":{"d":"]}"}})"},
      {R"( { "modex" : 1 , "m\u006fdel" : "p\u002fm" , "z" : true } )",
       R"( { "modex" : 1 , "m\u006fdel" : "m" , "z" : true } )"},
      {R"({"model\n":"q","model":"\u0070/m"})", R"({"model\n":"q","model":"m"})"},
  };
  for (const auto& c : kCases) {
    Result<ModelField> f = FindModelField(c.body);
    ASSERT_TRUE(f.has_value()) << c.body << ": " << f.error().ToString();
    EXPECT_EQ(ReplaceModel(c.body, *f, "m"), c.want) << c.body;
  }
}

TEST(FindModelField, OnlyNestedModelIsMissing) {
  const std::string_view kBodies[] = {
      R"({})",
      R"({"x":{"model":"a/b"}})",
      R"({"messages":[{"model":"a/b"}]})",
      R"({"Model":"a/b"})",
      R"({"models":"a/b"})",
  };
  for (std::string_view body : kBodies) {
    Result<ModelField> f = FindModelField(body);
    ASSERT_FALSE(f.has_value()) << body;
    EXPECT_EQ(f.error().code, ErrorCode::kModelMissing) << body;
  }
}

TEST(FindModelField, DuplicateTopLevelModelIsRefused) {
  const std::string_view kBodies[] = {
      R"({"model":"a/b","model":"c/d"})",
      R"({"model":"a/b","model":"a/b"})",
      R"({"model":1,"model":"a/b"})",
      R"({"model":"a/b","x":{},"model":null})",
      R"({"model":"open\u0061i/x","model":"a/b"})",
  };
  for (std::string_view body : kBodies) {
    Result<ModelField> f = FindModelField(body);
    ASSERT_FALSE(f.has_value()) << body;
    EXPECT_EQ(f.error().code, ErrorCode::kModelDuplicate) << body;
  }
}

TEST(FindModelField, NonStringModelIsRefused) {
  const std::string_view kBodies[] = {
      R"({"model":1})",    R"({"model":1.5})", R"({"model":-3})",      R"({"model":true})",
      R"({"model":null})", R"({"model":{}})",  R"({"model":["a/b"]})", R"({"model":{"id":"a/b"}})",
  };
  for (std::string_view body : kBodies) {
    Result<ModelField> f = FindModelField(body);
    ASSERT_FALSE(f.has_value()) << body;
    EXPECT_EQ(f.error().code, ErrorCode::kModelNotString) << body;
  }
}

TEST(FindModelField, NonObjectRootIsRefused) {
  const std::string_view kBodies[] = {
      "[]", R"([{"model":"a/b"}])", R"("model")", "42", "null", "true", " [1,2] ",
  };
  for (std::string_view body : kBodies) {
    Result<ModelField> f = FindModelField(body);
    ASSERT_FALSE(f.has_value()) << body;
    EXPECT_EQ(f.error().code, ErrorCode::kBodyNotObject) << body;
  }
}

TEST(FindModelField, MalformedJsonIsRefused) {
  const std::string_view kBodies[] = {
      "",
      "   ",
      "{",
      R"({"model":"a/b")",
      R"({"model":"a/b)",
      R"({"model":)",
      R"({"model":"a/b",})",
      R"({"model" "a/b"})",
      R"({'model':'a/b'})",
      R"({model:"a/b"})",
      R"({"model":"a/b"} x)",
      R"({"model":"a/b"}{})",
      R"({"model":"a/b"},)",
      R"({/*c*/"model":"a/b"})",
      R"({"model":"a/b"} // c)",
      "{\"model\":\"a/\xff\"}",  // invalid UTF-8
      "{\"model\":\"a/\nb\"}",   // raw control character in a string
      R"({"model":"a/b","n":01})",
      R"({"model":"a/\x"})",
      std::string_view("{\"model\":\"a/b\"}\0", 16),  // trailing NUL
  };
  for (std::string_view body : kBodies) {
    Result<ModelField> f = FindModelField(body);
    ASSERT_FALSE(f.has_value()) << body;
    EXPECT_EQ(f.error().code, ErrorCode::kBodyInvalidJson) << body;
  }
}

TEST(FindModelField, InvalidJsonMessageNamesTheOffset) {
  Result<ModelField> f = FindModelField(R"({"model":"a/b"} garbage)");
  ASSERT_FALSE(f.has_value());
  EXPECT_THAT(f.error().message, HasSubstr("at byte"));
  EXPECT_THAT(f.error().message, Not(HasSubstr("garbage")));
}

TEST(FindModelField, FiveMebibyteBodyWithModelAtTheEnd) {
  std::string body = R"({"messages":[{"role":"user","content":")";
  body.append(5u << 20, 'x');
  body += R"("}],"model":"openai/gpt-4o"})";
  Result<ModelField> f = FindModelField(body);
  ASSERT_TRUE(f.has_value()) << f.error().ToString();
  EXPECT_EQ(f->value, "openai/gpt-4o");
  EXPECT_EQ(f->span_end, body.size() - 1);
  std::string out = ReplaceModel(body, *f, "gpt-4o");
  EXPECT_EQ(out.size(), body.size() - std::string_view("openai/").size());
  EXPECT_EQ(out, Spliced(body, *f, "\"gpt-4o\""));
}

}  // namespace
}  // namespace warden::proxy
