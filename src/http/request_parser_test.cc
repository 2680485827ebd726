#include "http/request_parser.hpp"

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace warden::http {
namespace {

namespace bhttp = net::http;

// Feeds `wire` to a parser in pieces of `step` bytes, as reads would deliver it.
void Parse(Request& req, std::string_view wire, std::size_t step, net::error_code& ec,
           std::uint64_t body_limit = 1 << 20) {
  RequestParser parser(req);
  parser.eager(true);
  parser.body_limit(body_limit);
  std::string pending;
  for (std::size_t off = 0; off < wire.size() && !parser.is_done(); off += step) {
    pending.append(wire.substr(off, step));
    const std::size_t used = parser.put(net::asio::buffer(pending), ec);
    pending.erase(0, used);
    if (ec == bhttp::error::need_more) ec = {};
    if (ec) return;
  }
  EXPECT_TRUE(parser.is_done());
}

TEST(RequestParser, ReadsTheLineAndTheFieldsInOrder) {
  const std::string wire =
      "POST /v1/chat/completions?stream=true HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer t\r\n"
      "X-Api-Key: k\r\nx-dup: 1\r\nX-Dup: 2\r\nContent-Length: 2\r\n\r\n{}";
  for (std::size_t step : {1u, 9u, 100000u}) {
    Request req;
    net::error_code ec;
    Parse(req, wire, step, ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(req.method(), bhttp::verb::post);
    EXPECT_EQ(req.method_string(), "POST");
    EXPECT_EQ(req.target(), "/v1/chat/completions?stream=true");
    EXPECT_EQ(req.version(), 11u);
    EXPECT_TRUE(req.keep_alive());
    EXPECT_EQ(req[bhttp::field::authorization], "Bearer t");
    EXPECT_EQ(req["x-api-key"], "k");  // any case
    EXPECT_EQ(req["X-DUP"], "1");      // the first of two
    EXPECT_EQ(req.fields().Count(bhttp::field::content_length), 1u);
    EXPECT_FALSE(req.fields().Has("x-absent"));
    EXPECT_EQ(req[bhttp::field::expect], "");
    std::vector<std::string> seen;
    for (const HeadFields::Field f : req.fields()) {
      seen.push_back(std::string(f.name) + "=" + std::string(f.value));
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"Host=a", "Authorization=Bearer t", "X-Api-Key=k",
                                              "x-dup=1", "X-Dup=2", "Content-Length=2"}));
    EXPECT_EQ(req.body(), "{}");
  }
}

TEST(RequestParser, KeepAliveIsBeastsReadingOfVersionAndConnection) {
  struct Case {
    std::string_view head;
    bool keep_alive;
  };
  for (const Case& c : std::vector<Case>{
           {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", true},
           {"GET / HTTP/1.1\r\nHost: a\r\nConnection: x, Close\r\n\r\n", false},
           {"GET / HTTP/1.0\r\nHost: a\r\n\r\n", false},
           {"GET / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n", true},
           // Proxy-Connection is not HTTP/1.1's: it keeps no HTTP/1.0 connection open (Beast's
           // parser would).
           {"GET / HTTP/1.0\r\nHost: a\r\nProxy-Connection: keep-alive\r\n\r\n", false},
           {"GET / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n", false},
           // Every Connection field counts, not only the first (as a Beast message's would).
           {"GET / HTTP/1.1\r\nHost: a\r\nConnection: x\r\nConnection: close\r\n\r\n", false},
       }) {
    Request req;
    net::error_code ec;
    Parse(req, c.head, 100000, ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(req.keep_alive(), c.keep_alive) << c.head;
  }
}

TEST(RequestParser, ANewRequestStartsEmptyAndUnknownMethodsKeepTheirName) {
  Request req;
  net::error_code ec;
  Parse(req, "POST /a HTTP/1.1\r\nHost: a\r\nx-one: 1\r\nContent-Length: 3\r\n\r\nabc", 7, ec);
  ASSERT_FALSE(ec) << ec.message();
  Parse(req, "FROB /b HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n", 7, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(req.method(), bhttp::verb::unknown);
  EXPECT_EQ(req.method_string(), "FROB");
  EXPECT_EQ(req.target(), "/b");
  EXPECT_EQ(req["x-one"], "");
  EXPECT_EQ(req[bhttp::field::host], "b");
  EXPECT_EQ(req.fields().size(), 2u);
  EXPECT_EQ(req.body(), "");
  EXPECT_FALSE(req.keep_alive());
}

TEST(RequestParser, ReadsAContentLengthBodyInAnyPieces) {
  const std::string body(5000, 'x');
  const std::string wire =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n" + body;
  for (std::size_t step : {1u, 7u, 512u, 100000u}) {
    Request req;
    net::error_code ec;
    Parse(req, wire, step, ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(req.body(), body) << "step " << step;
  }
}

// Every byte of the padding after a complete request's body is zero, and it is readable.
void ExpectPadded(const Request& req) {
  ASSERT_EQ(req.body_padding(), Request::kBodyPadding);
  const char* after = req.body().data() + req.body().size();
  for (std::size_t i = 0; i < Request::kBodyPadding; ++i) ASSERT_EQ(after[i], 0) << "byte " << i;
}

TEST(RequestParser, ACompleteRequestsBodyIsFollowedByZeroedPadding) {
  const std::string body(5000, 'x');
  const std::string wires[] = {
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n" + body,
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1388\r\n" + body +
          "\r\n0\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
  };
  for (const std::string& wire : wires) {
    for (std::size_t step : {1u, 512u, 100000u}) {
      Request req;
      req.SetBody(std::string(100, '\\'));  // what the padding's memory held before
      req.Clear();
      net::error_code ec;
      Parse(req, wire, step, ec);
      ASSERT_FALSE(ec) << ec.message();
      ExpectPadded(req);
    }
  }
}

TEST(Request, ThePaddingIsForgottenWhenTheBodyChanges) {
  Request req;
  req.SetBody("{}");
  EXPECT_EQ(req.body_padding(), 0u);
  req.PadBody();
  ExpectPadded(req);
  EXPECT_EQ(req.body(), "{}");
  req.AppendBody("x");
  EXPECT_EQ(req.body_padding(), 0u);
  req.PadBody();
  req.ReserveBody(100);
  req.PadBody();
  EXPECT_EQ(req.BodyRoom(10).size(), 10u);
  EXPECT_EQ(req.body_padding(), 0u) << "a read into the room overwrites the padding";
  req.PadBody();
  req.Clear();
  EXPECT_EQ(req.body_padding(), 0u);
  req.PadBody();
  req.SetBody("y");
  EXPECT_EQ(req.body_padding(), 0u);
}

TEST(RequestParser, ReadsAChunkedBody) {
  const std::string wire =
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\n\r\n";
  Request req;
  net::error_code ec;
  Parse(req, wire, 3, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(req.body(), "hello world");
}

TEST(RequestParser, TrailerFieldsAreNotAddedToTheRequest) {
  const std::string wire =
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "2\r\nhi\r\n0\r\nX-Late: 1\r\nConnection: close\r\n\r\n";
  Request req;
  net::error_code ec;
  Parse(req, wire, 5, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(req.body(), "hi");
  EXPECT_EQ(req.fields().size(), 2u);
  EXPECT_FALSE(req.fields().Has("x-late"));
  EXPECT_TRUE(req.keep_alive());  // decided by the header
}

TEST(RequestParser, TheParsersBodyLimitStillApplies) {
  Request req;
  net::error_code ec;
  Parse(req, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world", 4, ec, 10);
  EXPECT_EQ(ec, bhttp::error::body_limit);
  Parse(req,
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nb\r\nhello "
        "world\r\n0\r\n\r\n",
        4, ec, 10);
  EXPECT_EQ(ec, bhttp::error::body_limit);
}

TEST(Request, ASmallRequestsMemoryIsKeptALargeOnesGivenBack) {
  Request req;
  net::error_code ec;
  Parse(req, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 200\r\n\r\n" + std::string(200, 'b'),
        100000, ec);
  ASSERT_FALSE(ec) << ec.message();
  req.Clear();
  const std::size_t small = req.held_bytes();
  EXPECT_GE(small, 200u);  // kept for the next request
  const std::string big(HeadFields::kKeptBytes + 1, 'b');
  Parse(req,
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(big.size()) + "\r\n\r\n" +
            big,
        100000, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_GT(req.held_bytes(), HeadFields::kKeptBytes);
  req.Clear();
  EXPECT_LT(req.held_bytes(), HeadFields::kKeptBytes);
  // One budget for line, fields and body together: each part is under it, the sum is not.
  std::string head = "POST /" + std::string(6000, 't') + " HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 300; ++i) head += "x-f: v\r\n";
  const std::string body(6000, 'b');
  Parse(req, head + "Content-Length: 6000\r\n\r\n" + body, 100000, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_GT(req.held_bytes(), HeadFields::kKeptBytes);
  req.Clear();
  EXPECT_LT(req.held_bytes(), HeadFields::kKeptBytes);
}

TEST(Request, BytesReadIntoTheBodyRoomAreCountedInPlace) {
  Request req;
  req.SetBody("ab");
  EXPECT_EQ(req.BodyRoom(10).size(), 0u) << "no room is reserved yet";
  req.ReserveBody(10);
  const auto room = req.BodyRoom(100);
  ASSERT_EQ(room.size(), 8u + Request::kBodyPadding);  // what was reserved, never more
  std::memcpy(room.data(), "cdef", 4);
  req.AppendBody(std::string_view(static_cast<const char*>(room.data()), 4));
  EXPECT_EQ(req.body(), "abcdef");
  EXPECT_EQ(static_cast<const void*>(req.body().data() + 2), room.data()) << "it was copied";
  req.AppendBody("gh");  // bytes from elsewhere are copied
  EXPECT_EQ(req.body(), "abcdefgh");
  req.SetBody("z");
  EXPECT_EQ(req.body(), "z");
}

}  // namespace
}  // namespace warden::http
