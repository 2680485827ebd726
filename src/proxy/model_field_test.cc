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

// FindModelField on a copy (no padding readable), checked against the same body read in place,
// followed by 64 zeroed bytes (what http::Request::PadBody leaves): both must agree.
Result<ModelField> FindBoth(std::string_view body) {
  Result<ModelField> copied = FindModelField(body);
  std::string buffer(body);
  buffer.append(64, '\0');
  const Result<ModelField> in_place =
      FindModelField(std::string_view(buffer.data(), body.size()), 64);
  EXPECT_EQ(in_place.has_value(), copied.has_value()) << body;
  if (in_place.has_value() && copied.has_value()) {
    EXPECT_EQ(in_place->value, copied->value) << body;
    EXPECT_EQ(in_place->span_begin, copied->span_begin) << body;
    EXPECT_EQ(in_place->span_end, copied->span_end) << body;
  } else if (!in_place.has_value() && !copied.has_value()) {
    EXPECT_EQ(in_place.error().code, copied.error().code) << body;
    EXPECT_EQ(in_place.error().message, copied.error().message) << body;
  }
  return copied;
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

// The new literal is written directly for plain names and by Boost.JSON's serializer otherwise:
// both must give the serializer's bytes, for every byte around the boundary between the two.
TEST(ReplaceModel, NewLiteralIsTheSerializersForEveryByte) {
  const std::string body = R"({"model":"a/b"})";
  Result<ModelField> f = FindModelField(body);
  ASSERT_TRUE(f.has_value());
  for (int byte = 0; byte < 256; ++byte) {
    const std::string model = std::string("m") + static_cast<char>(byte) + "-4o";
    const std::string want =
        "{\"model\":" + boost::json::serialize(boost::json::string(model)) + "}";
    EXPECT_EQ(ReplaceModel(body, *f, model), want) << "byte " << byte;
  }
  for (const std::string model : {"", "gpt-4o", "claude-3-5-sonnet@work", "modèle", "\xe2\x82\xac",
                                  "a\"b", "a\\b", "\x7f", "q4_k_m:8bit/x"}) {
    const std::string want =
        "{\"model\":" + boost::json::serialize(boost::json::string(model)) + "}";
    EXPECT_EQ(ReplaceModel(body, *f, model), want) << model;
  }
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

// Bodies with an escape in a string take the second scan (simdjson); both must give one verdict.
// `WithEscapeFirst` puts an escaped member before the rest of an object body.
std::string WithEscapeFirst(std::string_view object_body) {
  return "{\"note\":\"line\\nnext \\\"quoted\\\" \\u00e9\"," + std::string(object_body.substr(1));
}

TEST(FindModelField, EscapedBodiesGetTheVerdictsOfPlainOnes) {
  const std::string_view kValid[] = {
      R"({"model":"a/b"})",
      R"({"model" : "a/b" , "n":[1e400,0e400,-0.0e-99999,123456789012345678901234567890]})",
      R"({"model":"a/b","t":true,"f":false,"z":null,"o":{},"a":[],"s":""})",
      R"({"model":"a/b","x":"\u0000\ud83d\ude00\/"})",
  };
  for (std::string_view plain : kValid) {
    const std::string body = WithEscapeFirst(plain);
    Result<ModelField> f = FindBoth(body);
    ASSERT_TRUE(f.has_value()) << body << ": " << f.error().ToString();
    EXPECT_EQ(f->value, "a/b") << body;
    EXPECT_EQ(body.substr(f->span_begin, f->span_end - f->span_begin), "\"a/b\"") << body;
  }
  const std::pair<std::string_view, ErrorCode> kRefused[] = {
      {R"({"model":"a/b")", ErrorCode::kBodyInvalidJson},
      {R"({"model":"a/b)", ErrorCode::kBodyInvalidJson},
      {R"({"model":"a/b",})", ErrorCode::kBodyInvalidJson},
      {R"({"model" "a/b"})", ErrorCode::kBodyInvalidJson},
      {R"({"model":"a/b"} x)", ErrorCode::kBodyInvalidJson},
      {R"({"model":"a/b"}{})", ErrorCode::kBodyInvalidJson},
      {R"({"model":"a/b","n":01})", ErrorCode::kBodyInvalidJson},
      {R"({"model":"a/b","n":1.})", ErrorCode::kBodyInvalidJson},
      {R"({"model":"a/b","n":-})", ErrorCode::kBodyInvalidJson},
      {R"({"model":"a/b","n":1e99999999999999999999})", ErrorCode::kBodyInvalidJson},
      {R"({"model":"a/b","n":[1 2]})", ErrorCode::kBodyInvalidJson},
      {R"({"model":"a/b","n":[1,]})", ErrorCode::kBodyInvalidJson},
      {R"({"model":"a/b","n":tru})", ErrorCode::kBodyInvalidJson},
      {R"({"model":"a/b","n":["s":1}]})", ErrorCode::kBodyInvalidJson},  // a string then ':'
      {R"({"model":"a/b","n":{"k":"s":1}})", ErrorCode::kBodyInvalidJson},
      {R"({"model":"a/b","n":nul})", ErrorCode::kBodyInvalidJson},
      {R"({"model":"a/\x"})", ErrorCode::kBodyInvalidJson},
      {R"({"model":"a/b","s":"\ud800"})", ErrorCode::kBodyInvalidJson},
      {R"({"model":"a/b","s":"\udc00"})", ErrorCode::kBodyInvalidJson},
      {R"({"model":"a/b","s":"\u12"})", ErrorCode::kBodyInvalidJson},
      {"{\"model\":\"a/b\",\"s\":\"\xff\"}", ErrorCode::kBodyInvalidJson},
      {"{\"model\":\"a/b\",\"s\":\"\x01\"}", ErrorCode::kBodyInvalidJson},
      {std::string_view("{\"model\":\"a/b\"}\0", 16), ErrorCode::kBodyInvalidJson},
      {R"({"model":"a","model":"b"})", ErrorCode::kModelDuplicate},
      {R"({"model":"a","\u006dodel":"b"})", ErrorCode::kModelDuplicate},
      {R"({"model":1})", ErrorCode::kModelNotString},
      {R"({"models":"a"})", ErrorCode::kModelMissing},
      {R"({"x":{"model":"a"}})", ErrorCode::kModelMissing},
  };
  for (const auto& [plain, code] : kRefused) {
    const std::string body = WithEscapeFirst(plain);
    Result<ModelField> f = FindBoth(body);
    ASSERT_FALSE(f.has_value()) << body;
    EXPECT_EQ(f.error().code, code) << body << ": " << f.error().ToString();
  }
  // Non-object roots with an escape: still "not an object" when valid, "not JSON" when not.
  EXPECT_EQ(FindBoth(R"(["\n",{"model":"a"}])").error().code, ErrorCode::kBodyNotObject);
  EXPECT_EQ(FindBoth(R"("\n")").error().code, ErrorCode::kBodyNotObject);
  EXPECT_EQ(FindBoth(R"(["\n",{"model",:"a"}])").error().code, ErrorCode::kBodyInvalidJson);
  EXPECT_EQ(FindBoth(R"(["\n")").error().code, ErrorCode::kBodyInvalidJson);
  EXPECT_EQ(FindBoth(R"(["\n":"l"}])").error().code, ErrorCode::kBodyInvalidJson);
}

// boost::json::parse_options' max_depth (32) holds on both scans: the root object is level 1.
TEST(FindModelField, NestingDepthLimitIsTheSameWithEscapes) {
  for (const bool escaped : {false, true}) {
    for (const int arrays : {31, 32}) {
      const std::string plain =
          R"({"model":"a/b","deep":)" + std::string(arrays, '[') + std::string(arrays, ']') + "}";
      const std::string body = escaped ? WithEscapeFirst(plain) : plain;
      Result<ModelField> f = FindModelField(body);
      EXPECT_EQ(f.has_value(), arrays == 31) << body;
      if (!f) {
        EXPECT_THAT(f.error().message, HasSubstr("at byte")) << body;
      }
    }
  }
}

TEST(FindModelField, AgentTurnWithEscapedCodeAndModelLast) {
  std::string body = R"({"messages":[)";
  for (int i = 0; i < 400; ++i) {
    body += R"({"role":"user","content":"int main() {\n  printf(\"%d\\n\", x);\n}\t// \u00e9"},)";
  }
  body +=
      R"({"role":"user","content":"end"}],"tools":[{"type":"function"}],"model" :  "openai/gpt-4o" })";
  Result<ModelField> f = FindBoth(body);
  ASSERT_TRUE(f.has_value()) << f.error().ToString();
  EXPECT_EQ(f->value, "openai/gpt-4o");
  EXPECT_EQ(body.substr(f->span_begin, f->span_end - f->span_begin), "\"openai/gpt-4o\"");
  EXPECT_EQ(ReplaceModel(body, *f, "gpt-4o"), Spliced(body, *f, "\"gpt-4o\""));
}

// Escapes are checked 64 bytes at a time, with runs of backslashes carried across chunks: every
// run length at every offset around the chunk edges, against Boost.JSON's DOM parser.
TEST(FindModelField, BackslashRunsAtEveryOffsetAgreeWithBoostJson) {
  const std::string_view kAfter[] = {"n",   "x", "u0041", "\"", "ud83d\\ude00", "udc00", "ud83d",
                                     "u12", "/", "t\\",   ""};
  int checked = 0;
  for (int offset = 0; offset < 140; ++offset) {
    for (int run = 1; run <= 5; ++run) {
      for (std::string_view after : kAfter) {
        // (The string's first escape starts the chunks, so the run lands at offset + 2.)
        const std::string body =
            WithEscapeFirst(R"({"model":"a/b","s":"\t)" + std::string(std::size_t(offset), 'a') +
                            std::string(std::size_t(run), '\\') + std::string(after) + "\"}");
        boost::system::error_code ec;
        boost::json::parse(body, ec);
        Result<ModelField> f = FindBoth(body);
        ASSERT_EQ(f.has_value(), !ec.failed()) << body;
        if (f) {
          EXPECT_EQ(f->value, "a/b") << body;
        }
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 140 * 5 * 11);
}

// The scan keeps its memory per thread only up to 256 KiB: a larger body, then small ones.
TEST(FindModelField, LargeEscapedBodyThenSmallOnes) {
  std::string big = R"({"model":"a/big","content":")";
  for (int i = 0; i < (3 << 20) / 8; ++i) big += "abcdef\\n";
  big += "\"}";
  Result<ModelField> f = FindModelField(big);
  ASSERT_TRUE(f.has_value()) << f.error().ToString();
  EXPECT_EQ(f->value, "a/big");
  for (int i = 0; i < 3; ++i) {
    f = FindModelField(R"({"model":"a/\u0062","x":"\t"})");
    ASSERT_TRUE(f.has_value()) << f.error().ToString();
    EXPECT_EQ(f->value, "a/b");
  }
}

}  // namespace
}  // namespace warden::proxy
