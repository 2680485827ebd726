#include "http/inline_io.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "http/request_parser.hpp"
#include "http/test_socket_pair.hpp"

namespace warden::http {
namespace {

namespace asio = net::asio;
namespace bhttp = net::http;

using Pair = TestSocketPair;

void Put(net::beast::flat_buffer& b, std::string_view bytes) {
  b.commit(asio::buffer_copy(b.prepare(bytes.size()), asio::buffer(bytes)));
}

TEST(ParseBuffered, ParsesOneMessageAndLeavesThePipelinedNext) {
  net::beast::flat_buffer buffer;
  Put(buffer,
      "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
      "GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  Request request;
  RequestParser first(request);
  net::error_code ec;
  ASSERT_TRUE(ParseBuffered(first, buffer, ReadGoal::kMessage, ec));
  EXPECT_EQ(request.body(), "abc");
  RequestParser second(request);
  ASSERT_TRUE(ParseBuffered(second, buffer, ReadGoal::kMessage, ec));
  EXPECT_EQ(request.target(), "/b");
  EXPECT_EQ(buffer.size(), 0u);
}

TEST(ParseBuffered, AskingForMoreIsNotAnError) {
  net::beast::flat_buffer buffer;
  Put(buffer, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Le");
  Request request;
  RequestParser parser(request);
  net::error_code ec;
  EXPECT_FALSE(ParseBuffered(parser, buffer, ReadGoal::kHeader, ec));
  EXPECT_FALSE(ec);
  Put(buffer, "ngth: 5\r\n\r\nhel");
  EXPECT_TRUE(ParseBuffered(parser, buffer, ReadGoal::kHeader, ec));
  EXPECT_FALSE(ParseBuffered(parser, buffer, ReadGoal::kMessage, ec));
  EXPECT_FALSE(ec);
}

// The relay's case: an eager parser takes a chunk's data and stops inside the next chunk's size
// line. That is progress (the data is there to send), not a request for more bytes.
TEST(ParseBuffered, AnEagerParserThatRanOutAfterDataHasProgressed) {
  net::beast::flat_buffer buffer;
  Put(buffer, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  bhttp::response_parser<bhttp::empty_body> header;
  net::error_code ec;
  ASSERT_TRUE(ParseBuffered(header, buffer, ReadGoal::kHeader, ec));
  bhttp::response_parser<bhttp::buffer_body> parser{std::move(header)};
  parser.eager(true);
  std::array<char, 64> out{};
  parser.get().body().data = out.data();
  parser.get().body().size = out.size();
  Put(buffer, "5\r\nhello\r\n3\r\nabc\r\n1");  // two events, then half a size line
  EXPECT_TRUE(ParseBuffered(parser, buffer, ReadGoal::kSome, ec));
  EXPECT_FALSE(ec);
  EXPECT_EQ(std::string_view(out.data(), out.size() - parser.get().body().size), "helloabc");
  // Nothing more buffered that makes progress: more bytes are needed.
  EXPECT_FALSE(ParseBuffered(parser, buffer, ReadGoal::kSome, ec));
  EXPECT_FALSE(ec);
}

TEST(ParseBuffered, ReportsBeastsParseErrors) {
  net::beast::flat_buffer buffer;
  Put(buffer, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n");
  Request request;
  RequestParser parser(request);
  net::error_code ec;
  EXPECT_FALSE(ParseBuffered(parser, buffer, ReadGoal::kHeader, ec));
  EXPECT_EQ(ec, bhttp::error::multiple_content_length);
}

TEST(ReadUntil, ReadsALargeBodyWhole) {
  Pair p;
  const std::string body(60000, 'x');
  const std::string wire = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n" + body;
  asio::write(p.client, asio::buffer(wire));
  net::beast::flat_buffer buffer(128 * 1024);
  Request request;
  RequestParser parser(request);
  parser.body_limit(1 << 20);
  const net::error_code ec = p.Run(ReadUntil(*p.server, buffer, parser, ReadGoal::kMessage));
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(request.body(), body);
}

// The rest of a Content-Length body goes straight into the request: the connection's buffer
// holds only the first read (the header and the body's first bytes), and a pipelined request
// behind the body is not swallowed: the read of the body's rest, which has room for a few bytes
// more, took its start, which waits in the buffer.
TEST(ReadUntil, ReadsTheRestOfALargeBodyStraightIntoTheRequest) {
  Pair p;
  std::string body(60000, 'x');
  for (std::size_t i = 0; i < body.size(); i += 997) body[i] = char('a' + i % 26);
  const std::string wire = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n" + body +
                           "GET /b HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(p.client, asio::buffer(wire));
  net::beast::flat_buffer buffer(128 * 1024);
  Request request;
  {
    RequestParser parser(request);
    parser.body_limit(1 << 20);
    ASSERT_FALSE(p.Run(ReadUntil(*p.server, buffer, parser, ReadGoal::kHeader)));
    ASSERT_FALSE(p.Run(ReadUntil(*p.server, buffer, parser, ReadGoal::kMessage)));
  }
  EXPECT_EQ(request.body(), body);
  EXPECT_EQ(request.body_padding(), Request::kBodyPadding);
  EXPECT_LE(buffer.capacity(), 4096u) << "the body went through the connection's buffer";
  EXPECT_EQ(net::beast::buffers_to_string(buffer.data()), "GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  request.Clear();
  RequestParser next(request);
  ASSERT_FALSE(p.Run(ReadUntil(*p.server, buffer, next, ReadGoal::kMessage)));
  EXPECT_EQ(request.target(), "/b");
}

// A pipelined request longer than the room past the body: its start is left in the buffer, the
// rest read after it, and both requests come out whole.
TEST(ReadUntil, ALongPipelinedRequestAfterADirectlyReadBodyIsReadWhole) {
  Pair p;
  const std::string body(60000, 'q');
  const std::string next = "GET /b HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(300, 'l') +
                           "\r\nContent-Length: 3\r\n\r\nxyz";
  asio::write(p.client,
              asio::buffer("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n" +
                           body.substr(0, 100)));
  net::beast::flat_buffer buffer(128 * 1024);
  Request request;
  {
    RequestParser parser(request);
    parser.body_limit(1 << 20);
    ASSERT_FALSE(p.Run(ReadUntil(*p.server, buffer, parser, ReadGoal::kHeader)));
    asio::write(p.client, asio::buffer(body.substr(100) + next));
    ASSERT_FALSE(p.Run(ReadUntil(*p.server, buffer, parser, ReadGoal::kMessage)));
  }
  EXPECT_EQ(request.body(), body);
  EXPECT_EQ(request.body_padding(), Request::kBodyPadding);
  EXPECT_LE(buffer.size(), Request::kBodyPadding);
  request.Clear();
  RequestParser second(request);
  ASSERT_FALSE(p.Run(ReadUntil(*p.server, buffer, second, ReadGoal::kMessage)));
  EXPECT_EQ(request.target(), "/b");
  EXPECT_EQ(request.body(), "xyz");
}

// A client that writes its body after its header (Python's http.client does): the header is
// parsed with no body byte buffered, and the body is still read straight into the request, not
// through the connection's buffer (which a 64 KiB read grew, for ShrinkIdleBuffer to free at the
// next keep-alive wait, and the next request to allocate again).
TEST(ReadUntil, ABodyWrittenAfterItsHeaderIsReadStraightIntoTheRequest) {
  Pair p;
  const std::string body = R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]})";
  asio::write(p.client, asio::buffer("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                     std::to_string(body.size()) + "\r\n\r\n"));
  net::beast::flat_buffer buffer;
  Request request;
  {
    RequestParser parser(request);
    ASSERT_FALSE(p.Run(ReadUntil(*p.server, buffer, parser, ReadGoal::kHeader)));
    ASSERT_EQ(buffer.size(), 0u);
    const std::size_t capacity = buffer.capacity();
    asio::write(p.client, asio::buffer(body));
    ASSERT_FALSE(p.Run(ReadUntil(*p.server, buffer, parser, ReadGoal::kMessage)));
    EXPECT_EQ(buffer.capacity(), capacity) << "the body went through the connection's buffer";
  }
  EXPECT_EQ(request.body(), body);
  EXPECT_EQ(request.body_padding(), Request::kBodyPadding);
}

// The client sends `wire` (then half-closes, when `close`); ReadUntil reads one whole request
// into `request` through a fresh 128 KiB-capped buffer, with a 1 MiB body limit.
net::error_code ReadMessage(Pair& p, std::string_view wire, bool close, Request& request) {
  asio::write(p.client, asio::buffer(wire));
  if (close) p.client.shutdown(net::tcp::socket::shutdown_send);
  net::beast::flat_buffer buffer(128 * 1024);
  RequestParser parser(request);
  parser.body_limit(1 << 20);
  return p.Run(ReadUntil(*p.server, buffer, parser, ReadGoal::kMessage));
}

// A chunked body has framing between its bytes: it is read through the buffer and parsed.
TEST(ReadUntil, AChunkedBodyIsStillParsedFromTheBuffer) {
  Pair p;
  const std::string chunk(30000, 'y');
  const std::string wire =
      "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n7530\r\n" + chunk +
      "\r\n7530\r\n" + chunk + "\r\n0\r\n\r\n";
  Request request;
  ASSERT_FALSE(ReadMessage(p, wire, false, request));
  EXPECT_EQ(request.body(), chunk + chunk);
}

// A caller that closes inside a body read straight into the request gets Beast's error.
TEST(ReadUntil, ClosingInsideADirectlyReadBodyIsAPartialMessage) {
  Pair p;
  const std::string wire =
      "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n" + std::string(30000, 'z');
  Request request;
  EXPECT_EQ(ReadMessage(p, wire, true, request), bhttp::error::partial_message);
}

// What ReadUntil reports for a header read after the client sent `sent` (then half-closed, when
// `close`) into a buffer capped at `buffer_limit` bytes.
net::error_code HeaderReadError(std::string_view sent, bool close, std::size_t buffer_limit) {
  Pair p;
  if (!sent.empty()) asio::write(p.client, asio::buffer(sent));
  if (close) p.client.shutdown(net::tcp::socket::shutdown_send);
  net::beast::flat_buffer buffer(buffer_limit);
  Request request;
  RequestParser parser(request);
  return p.Run(ReadUntil(*p.server, buffer, parser, ReadGoal::kHeader));
}

TEST(ReadUntil, ClosingBeforeAnyByteIsEndOfStream) {
  EXPECT_EQ(HeaderReadError("", true, 4096), bhttp::error::end_of_stream);
}

TEST(ReadUntil, ClosingMidHeaderIsAPartialMessage) {
  EXPECT_EQ(HeaderReadError("POST /a HTTP/1.1\r\nHo", true, 4096), bhttp::error::partial_message);
}

TEST(ReadUntil, AFullBufferIsAnOverflow) {
  EXPECT_EQ(HeaderReadError(std::string(600, 'a'), false, 512), bhttp::error::buffer_overflow);
}

// A relayed body is read a step at a time (kSome) into the upstream connection's buffer: those
// reads keep it within kIdleBufferBytes, so ShrinkIdleBuffer keeps it for the next response
// (reads of 64 KiB grew it past, and every streamed response then freed it on release and
// allocated it twice again on the next request).
TEST(ReadUntil, RelayedBodyStepsKeepTheBufferWithinItsIdleSize) {
  Pair p;
  std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string data(1000, 'd');
  for (int i = 0; i < 150; ++i) wire += "3e8\r\n" + data + "\r\n";
  wire += "0\r\n\r\n";
  std::thread writer([&] {
    net::error_code ignored;
    asio::write(p.client, asio::buffer(wire), ignored);
  });
  // Joined on every path: an early failure closes the reading side first, so the writer stops.
  struct JoinWriter {
    Pair& p;
    std::thread& writer;
    ~JoinWriter() {
      net::error_code ignored;
      p.server->Tcp().socket().close(ignored);
      writer.join();
    }
  } join_writer{p, writer};
  net::beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::empty_body> header;
  ASSERT_FALSE(p.Run(ReadUntil(*p.server, buffer, header, ReadGoal::kHeader)));
  bhttp::response_parser<bhttp::buffer_body> parser{std::move(header)};
  parser.eager(true);
  std::array<char, 16 * 1024> out{};
  std::size_t relayed = 0;
  std::size_t most = buffer.capacity();
  while (!parser.is_done()) {
    parser.get().body().data = out.data();
    parser.get().body().size = out.size();
    net::error_code ec;
    if (!ParseBuffered(parser, buffer, ReadGoal::kSome, ec) && !ec) {
      ec = p.Run(ReadUntil(*p.server, buffer, parser, ReadGoal::kSome));
    }
    if (ec == bhttp::error::need_buffer) ec = {};
    ASSERT_FALSE(ec) << ec.message();
    relayed += out.size() - parser.get().body().size;
    most = std::max(most, buffer.capacity());
  }
  EXPECT_EQ(relayed, 150000u);
  EXPECT_LE(most, kIdleBufferBytes);
  const std::size_t kept = buffer.capacity();
  ShrinkIdleBuffer(buffer);
  EXPECT_EQ(buffer.capacity(), kept);
  // The other goals are as before: a header into the free capacity (at least 4 KiB), a whole
  // message 64 KiB at a time.
  EXPECT_EQ(ReadSize(ReadGoal::kHeader, 100, 1100), 4096u);
  EXPECT_EQ(ReadSize(ReadGoal::kHeader, 100, 20100), 20000u);
  EXPECT_EQ(ReadSize(ReadGoal::kMessage, 100, 1100), kReadChunkBytes);
  // A step fills the buffer up to kIdleBufferBytes, or reads its free capacity; with little room
  // left below that size, 4 KiB (it may grow past then: a long chunk line, rare).
  EXPECT_EQ(ReadSize(ReadGoal::kSome, 100, 1100), kIdleBufferBytes - 100);
  EXPECT_EQ(ReadSize(ReadGoal::kSome, 100, 20100), 20000u);
  EXPECT_EQ(ReadSize(ReadGoal::kSome, 13000, 14000), 4096u);
}

TEST(ShrinkIdleBuffer, AHeadBufferKeepsASmallCapacityAndGivesBackALargeOne) {
  std::string head(1000, 'h');
  const std::size_t small = head.capacity();
  ShrinkIdleBuffer(head);
  EXPECT_TRUE(head.empty());
  EXPECT_EQ(head.capacity(), small);  // reused by the next request
  head.assign(kIdleBufferBytes + 1, 'h');
  ShrinkIdleBuffer(head);
  EXPECT_TRUE(head.empty());
  EXPECT_LE(head.capacity(), kIdleBufferBytes);
}

// The two halves as the product calls them.
net::Task<net::error_code> WriteAll(AnyStream& stream, std::span<const asio::const_buffer> bytes,
                                    std::chrono::milliseconds timeout) {
  std::size_t written = 0;
  net::error_code ec;
  if (WriteNow(stream, bytes, written, ec)) co_return ec;
  co_return co_await WriteRest(stream, bytes, written, timeout);
}

TEST(WriteAll, WritesMoreThanTheSocketTakesAtOnceInOrder) {
  Pair p;
  // Several pieces, together far over the socket buffers, so most goes asynchronously.
  std::array<std::string, 3> pieces{std::string(3 << 20, 'a'), std::string(7, 'b'),
                                    std::string(2 << 20, 'c')};
  const std::array<asio::const_buffer, 3> bytes{asio::buffer(pieces[0]), asio::buffer(pieces[1]),
                                                asio::buffer(pieces[2])};
  std::string received;
  std::thread reader([&] {
    std::array<char, 65536> chunk;
    for (;;) {
      const ssize_t n = ::recv(p.client.native_handle(), chunk.data(), chunk.size(), 0);
      if (n <= 0) break;
      received.append(chunk.data(), static_cast<std::size_t>(n));
    }
  });
  const net::error_code ec = p.Run(WriteAll(*p.server, bytes, std::chrono::seconds(10)));
  p.server->Close();
  reader.join();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(received, pieces[0] + pieces[1] + pieces[2]);
}

// The hot path: what the socket takes at once needs no asynchronous write; what it does not
// take is left for WriteRest, which continues exactly where WriteNow stopped.
TEST(WriteAll, WriteNowIsDoneWhenTheSocketTakesEverything) {
  Pair p;
  const std::string head = "HTTP/1.1 200 OK\r\n\r\n";
  const std::string big(8 << 20, 'q');
  const std::array<asio::const_buffer, 2> small{asio::buffer(head), asio::buffer(head)};
  std::size_t written = 0;
  net::error_code ec;
  EXPECT_TRUE(WriteNow(*p.server, small, written, ec));
  EXPECT_FALSE(ec);
  EXPECT_EQ(written, 2 * head.size());
  const std::array<asio::const_buffer, 2> bytes{asio::buffer(head), asio::buffer(big)};
  ASSERT_FALSE(WriteNow(*p.server, bytes, written, ec)) << "8 MiB fit in the socket at once";
  EXPECT_FALSE(ec);
  EXPECT_LT(written, head.size() + big.size());
  std::string received;
  std::thread reader([&] {
    std::array<char, 65536> chunk;
    while (received.size() < 3 * head.size() + big.size()) {
      const ssize_t n = ::recv(p.client.native_handle(), chunk.data(), chunk.size(), 0);
      if (n <= 0) break;
      received.append(chunk.data(), static_cast<std::size_t>(n));
    }
  });
  ec = p.Run(WriteRest(*p.server, bytes, written, std::chrono::seconds(10)));
  reader.join();
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(received, head + head + head + big);
}

TEST(WriteAll, AClosedPeerIsAnError) {
  Pair p;
  p.client.close();
  const std::string big(8 << 20, 'z');
  const std::array<asio::const_buffer, 1> bytes{asio::buffer(big)};
  EXPECT_TRUE(p.Run(WriteAll(*p.server, bytes, std::chrono::seconds(10))));
}

std::string Joined(std::span<const asio::const_buffer> bytes) {
  std::string out;
  for (const auto& b : bytes) out.append(static_cast<const char*>(b.data()), b.size());
  return out;
}

// A head before a large body: the first buffer is one full record's worth, head and the body's
// start together; the rest of the body follows as a view, nothing lost or repeated.
TEST(JoinFirstRecord, AHeadAndALargeBodyMakeOneFullFirstRecord) {
  const std::string head(200, 'h'), credential = "Authorization: Bearer k\r\n\r\n";
  std::string body(60'000, 'b');
  body.front() = '{';
  body.back() = '}';
  const std::array<asio::const_buffer, 5> pieces{asio::buffer(head), asio::buffer(credential),
                                                 asio::const_buffer(), asio::buffer(body, 9),
                                                 asio::buffer(body.data() + 9, body.size() - 9)};
  std::string staging;
  std::array<asio::const_buffer, kMaxWritePieces> out;
  const auto joined = JoinFirstRecord(pieces, staging, out);
  ASSERT_EQ(joined.size(), 2u);
  EXPECT_EQ(joined[0].size(), kTlsRecordBytes);
  EXPECT_EQ(joined[0].data(), staging.data());
  EXPECT_EQ(joined[1].data(), body.data() + (kTlsRecordBytes - head.size() - credential.size()));
  EXPECT_EQ(Joined(joined), head + credential + body);
}

TEST(JoinFirstRecord, ASmallRequestIsOneBufferAndTheStagingOnlyGrows) {
  std::string staging;
  std::array<asio::const_buffer, kMaxWritePieces> out;
  const std::string big(20'000, 'x');
  const std::array<asio::const_buffer, 1> large{asio::buffer(big)};
  ASSERT_EQ(JoinFirstRecord(large, staging, out).size(), 2u);
  EXPECT_EQ(staging.size(), kTlsRecordBytes);

  const std::string head = "POST / HTTP/1.1\r\n\r\n", body = R"({"model":"m"})";
  const std::array<asio::const_buffer, 2> small{asio::buffer(head), asio::buffer(body)};
  const auto joined = JoinFirstRecord(small, staging, out);
  ASSERT_EQ(joined.size(), 1u);
  EXPECT_EQ(Joined(joined), head + body);
  EXPECT_EQ(staging.size(), kTlsRecordBytes);  // kept: no zero-filling per request
}

TEST(JoinFirstRecord, AFullListIsLeftAsItIs) {
  const std::string piece(3'000, 'p');
  std::array<asio::const_buffer, kMaxWritePieces> pieces;
  pieces.fill(asio::buffer(piece));
  std::string staging;
  std::array<asio::const_buffer, kMaxWritePieces> out;
  const auto joined = JoinFirstRecord(pieces, staging, out);
  ASSERT_EQ(joined.size(), kMaxWritePieces);
  EXPECT_EQ(Joined(joined), Joined(pieces));
  EXPECT_TRUE(staging.empty());
}

}  // namespace
}  // namespace warden::http
