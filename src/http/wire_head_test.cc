#include "http/wire_head.hpp"

#include <gtest/gtest.h>

namespace warden::http {
namespace {

namespace bhttp = net::http;

TEST(SerializeHead, RequestLineThenFieldsInOrder) {
  bhttp::request<bhttp::empty_body> req{bhttp::verb::post, "/v1/chat/completions?x=1", 11};
  req.set(bhttp::field::host, "api.example");
  req.insert("x-dup", "a");
  req.insert("x-dup", "b");
  req.content_length(42);
  std::string out = "stale bytes";
  SerializeHead(req.base(), out);
  EXPECT_EQ(out,
            "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: api.example\r\nx-dup: a\r\n"
            "x-dup: b\r\nContent-Length: 42\r\n\r\n");
}

TEST(SerializeHead, UnknownMethodKeepsItsName) {
  bhttp::request<bhttp::empty_body> req;
  req.method_string("PROPFIND");
  req.target("/");
  req.version(10);
  std::string out;
  SerializeHead(req.base(), out);
  EXPECT_EQ(out, "PROPFIND / HTTP/1.0\r\n\r\n");
}

TEST(SerializeHead, ResponseKeepsCodesBeastDoesNotKnow) {
  bhttp::response<bhttp::empty_body> res;
  res.version(11);
  res.result(529);
  res.set("retry-after", "3");
  std::string out;
  SerializeHead(res.base(), out);
  EXPECT_TRUE(out.starts_with("HTTP/1.1 529 ")) << out;
  EXPECT_TRUE(out.ends_with("\r\nretry-after: 3\r\n\r\n")) << out;
  res.result(bhttp::status::ok);
  res.chunked(true);
  SerializeHead(res.base(), out);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nretry-after: 3\r\nTransfer-Encoding: chunked\r\n\r\n");
}

TEST(AppendStatusLine, BeastsReasonsAndUnknownCodes) {
  std::string out;
  AppendStatusLine(200, out);
  AppendField("x-a", "1", out);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nx-a: 1\r\n");
  out.clear();
  AppendStatusLine(529, out);
  EXPECT_EQ(out, "HTTP/1.1 529 <unknown-status>\r\n");
}

TEST(ChunkSizeLine, HexWithCrlf) {
  std::array<char, 24> buf;
  EXPECT_EQ(ChunkSizeLine(0, buf), "0\r\n");
  EXPECT_EQ(ChunkSizeLine(16384, buf), "4000\r\n");
  EXPECT_EQ(ChunkSizeLine(0xabcdef, buf), "abcdef\r\n");
  EXPECT_EQ(ChunkSizeLine(SIZE_MAX, buf), "ffffffffffffffff\r\n");
}

}  // namespace
}  // namespace warden::http
