#include "http/response_parser.hpp"

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace warden::http {
namespace {

namespace bhttp = net::http;

// Feeds `bytes` to `parser` in one put; returns the bytes it used.
std::size_t Put(ResponseParser& parser, std::string_view bytes, net::error_code& ec) {
  return parser.put(net::asio::buffer(bytes.data(), bytes.size()), ec);
}

// Feeds `bytes` until they run out, the message ends or an error.
void PutAll(ResponseParser& parser, std::string_view bytes, net::error_code& ec) {
  while (!bytes.empty() && !parser.is_done()) {
    const std::size_t used = Put(parser, bytes, ec);
    if (ec) return;
    bytes.remove_prefix(used);
  }
}

TEST(ResponseParser, KeepsTheHeadsFieldsInOrderAfterTheBytesAreGone) {
  HeadFields fields;
  {
    std::string wire =
        "HTTP/1.1 529 Overloaded\r\nRetry-After: 3\r\nx-request-id: abc\r\n"
        "Connection: keep-alive, x-hop\r\nx-dup: a\r\nx-dup: b\r\nContent-Length: 0\r\n\r\n";
    ResponseParser parser(fields);
    net::error_code ec;
    EXPECT_EQ(Put(parser, wire, ec), wire.size());
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_TRUE(parser.is_done());
    EXPECT_EQ(parser.status(), 529u);  // a code Beast does not know
    EXPECT_EQ(parser.version(), 11u);
    EXPECT_TRUE(parser.keep_alive());
    wire.assign(wire.size(), 'X');  // the fields are copies
  }
  EXPECT_EQ(fields.Get(bhttp::field::retry_after), "3");
  EXPECT_EQ(fields.Get(bhttp::field::connection), "keep-alive, x-hop");
  EXPECT_EQ(fields.Get(bhttp::field::set_cookie), "");
  std::vector<std::string> seen;
  for (const HeadFields::Field f : fields) {
    seen.push_back(std::string(f.name) + "=" + std::string(f.value));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"Retry-After=3", "x-request-id=abc",
                                            "Connection=keep-alive, x-hop", "x-dup=a", "x-dup=b",
                                            "Content-Length=0"}));
  EXPECT_EQ(fields.At(1).id, bhttp::field::unknown);
  EXPECT_EQ(fields.At(0).id, bhttp::field::retry_after);
}

TEST(ResponseParser, ANewParserStartsFromEmptyFields) {
  HeadFields fields;
  net::error_code ec;
  ResponseParser interim(fields);
  Put(interim, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n", ec);
  EXPECT_FALSE(ec);
  EXPECT_EQ(interim.status(), 103u);
  ResponseParser final_response(fields);
  EXPECT_EQ(fields.size(), 0u);
  Put(final_response, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", ec);
  EXPECT_FALSE(ec);
  EXPECT_EQ(final_response.version(), 10u);
  EXPECT_EQ(fields.size(), 1u);
  EXPECT_EQ(fields.Get(bhttp::field::link), "");
}

TEST(ResponseParser, ABodyFillsTheBufferThenAsksForAnother) {
  HeadFields fields;
  ResponseParser parser(fields);
  std::string_view wire = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
  net::error_code ec;
  wire.remove_prefix(Put(parser, wire, ec));  // the header
  ASSERT_FALSE(ec);
  ASSERT_TRUE(parser.is_header_done());
  std::array<char, 4> buf{};
  parser.BodyInto(buf);
  wire.remove_prefix(Put(parser, wire, ec));
  EXPECT_EQ(ec, bhttp::error::need_buffer);
  EXPECT_EQ(parser.body_written(), 4u);
  EXPECT_EQ(std::string_view(buf.data(), 4), "0123");
  std::string rest;
  while (!parser.is_done()) {
    parser.BodyInto(buf);
    ec = {};
    wire.remove_prefix(Put(parser, wire, ec));
    ASSERT_TRUE(!ec || ec == bhttp::error::need_buffer) << ec.message();
    rest.append(buf.data(), parser.body_written());
  }
  EXPECT_EQ(rest, "456789");
  EXPECT_TRUE(wire.empty());
}

TEST(ResponseParser, AnEagerParserTakesEveryBufferedChunkInOneStep) {
  HeadFields fields;
  ResponseParser parser(fields);
  std::string_view wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "6\r\ndata: \r\n3\r\nhi\n\r\n0\r\n\r\n";
  net::error_code ec;
  wire.remove_prefix(Put(parser, wire, ec));
  ASSERT_FALSE(ec);
  EXPECT_TRUE(parser.chunked());
  EXPECT_FALSE(parser.content_length().has_value());
  parser.eager(true);
  std::array<char, 64> buf{};
  parser.BodyInto(buf);
  wire.remove_prefix(Put(parser, wire, ec));
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(std::string_view(buf.data(), parser.body_written()), "data: hi\n");
}

TEST(ResponseParser, AStringBodyIsBoundedByTheBodyLimit) {
  HeadFields fields;
  const std::string head = "HTTP/1.1 429 Too Many Requests\r\nTransfer-Encoding: chunked\r\n\r\n";
  {
    ResponseParser parser(fields);
    net::error_code ec;
    Put(parser, head, ec);
    ASSERT_FALSE(ec);
    std::string body;
    parser.BodyInto(body);
    parser.body_limit(8);
    PutAll(parser, "5\r\nslow \r\n3\r\nup!\r\n0\r\n\r\n", ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_TRUE(parser.is_done());
    EXPECT_EQ(body, "slow up!");
  }
  ResponseParser parser(fields);
  net::error_code ec;
  Put(parser, head, ec);
  std::string body;
  parser.BodyInto(body);
  parser.body_limit(8);
  PutAll(parser, "9\r\ntoo long!\r\n0\r\n\r\n", ec);
  EXPECT_EQ(ec, bhttp::error::body_limit);
}

TEST(ResponseParser, RefusesAHeadOverItsLimitAndBrokenFraming) {
  HeadFields fields;
  {
    ResponseParser parser(fields);
    parser.header_limit(64);
    net::error_code ec;
    Put(parser, "HTTP/1.1 200 OK\r\nx-big: " + std::string(100, 'a') + "\r\n\r\n", ec);
    EXPECT_EQ(ec, bhttp::error::header_limit);
  }
  ResponseParser parser(fields);
  net::error_code ec;
  Put(parser, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", ec);
  EXPECT_EQ(ec, bhttp::error::multiple_content_length);
}

}  // namespace
}  // namespace warden::http
