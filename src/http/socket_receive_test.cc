#include "http/socket_receive.hpp"

#include <dlfcn.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>

#include <gtest/gtest.h>

#include "http/inline_io.hpp"
#include "http/request_parser.hpp"
#include "http/test_socket_pair.hpp"

namespace warden::http {
namespace {

// The receives on one descriptor that found nothing to read: libc's recv, which Asio's receive and
// AsyncReceive call, is interposed for this test binary (below) and counts them.
std::atomic<int> g_watched_fd{-1};
std::atomic<int> g_empty_receives{0};

}  // namespace
}  // namespace warden::http

extern "C" ssize_t recv(int fd, void* data, size_t size, int flags) {
  using Recv = ssize_t (*)(int, void*, size_t, int);
  static const auto real = reinterpret_cast<Recv>(dlsym(RTLD_NEXT, "recv"));
  const ssize_t n = real(fd, data, size, flags);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
      fd == warden::http::g_watched_fd.load()) {
    ++warden::http::g_empty_receives;
  }
  return n;
}

namespace warden::http {
namespace {

namespace asio = net::asio;
using namespace std::chrono_literals;

struct Received {
  net::error_code ec;
  std::size_t n = 0;
};

class SocketReceiveTest : public ::testing::Test {
 protected:
  SocketReceiveTest() {
    g_watched_fd = Server().native_handle();
    g_empty_receives = 0;
    // No check of a receive queued without a try happens within a test, unless it asks for one.
    SetDrainCheckInterval(p.ioc, std::chrono::hours(1));
  }
  ~SocketReceiveTest() override { g_watched_fd = -1; }

  net::tcp::socket& Server() { return p.server->Tcp().socket(); }
  void Send(std::string_view bytes) { asio::write(p.client, asio::buffer(bytes)); }
  // Blocks until the server's socket has bytes queued (poll(2): the kernel says so).
  void AwaitQueued() {
    pollfd fd{Server().native_handle(), POLLIN, 0};
    ASSERT_EQ(::poll(&fd, 1, 5000), 1);
  }

  // Blocks until the peer's end of stream (or reset) has reached the server's socket.
  void AwaitPeerClosed() {
    pollfd fd{Server().native_handle(), POLLRDHUP, 0};
    ASSERT_EQ(::poll(&fd, 1, 5000), 1);
  }

  // Starts AsyncReceive (or, with `asio_own`, Asio's async_receive) into `into`.
  void Start(std::span<char> into, bool asio_own = false) {
    result.reset();
    auto done = [this](net::error_code ec, std::size_t n) { result = Received{ec, n}; };
    if (asio_own) {
      Server().async_receive(asio::buffer(into.data(), into.size()), done);
    } else {
      AsyncReceive(Server(), asio::buffer(into.data(), into.size()), done);
    }
  }
  // Sends `bytes`; the pending receive (into `buffer`) must complete with them: the edge their
  // arrival raises.
  void SendAndExpectReceived(std::string_view bytes) {
    Send(bytes);
    RunUntil(p.ioc, [&] { return result.has_value(); });
    ASSERT_TRUE(result.has_value()) << "the edge of their arrival did not complete the receive";
    ASSERT_FALSE(result->ec);
    EXPECT_EQ(std::string_view(buffer.data(), result->n), bytes);
  }

  // Starts AsyncReceive with a cancellation slot, emits a terminal cancellation once it is
  // pending, and expects it to end with operation_aborted.
  void CancelThroughItsSlot() {
    result.reset();
    asio::cancellation_signal signal;
    AsyncReceive(
        Server(), asio::buffer(buffer),
        asio::bind_cancellation_slot(signal.slot(), [this](net::error_code ec, std::size_t n) {
          result = Received{ec, n};
        }));
    Poll(p.ioc);
    ASSERT_FALSE(result.has_value());
    signal.emit(asio::cancellation_type::terminal);
    RunUntil(p.ioc, [&] { return result.has_value(); });
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(result->ec, asio::error::operation_aborted);
  }

  // Receives into `into` to completion.
  Received ReceiveNow(std::span<char> into) {
    Start(into);
    RunUntil(p.ioc, [&] { return result.has_value(); });
    EXPECT_TRUE(result.has_value());
    return result.value_or(Received{asio::error::timed_out, 0});
  }

  TestSocketPair p;
  std::array<char, 64> buffer{};
  std::optional<Received> result;
};

TEST_F(SocketReceiveTest, AfterADrainingReceiveTheNextWaitsForTheEdgeWithoutTryingFirst) {
  ASSERT_TRUE(kDrainAwareReceive) << "Debian 12's Boost 1.81 with epoll: the drain-aware path";
  Send("first");
  AwaitQueued();
  const Received first = ReceiveNow(buffer);
  ASSERT_FALSE(first.ec);
  ASSERT_EQ(std::string_view(buffer.data(), first.n), "first");  // 5 of 64: drained

  Start(buffer);
  Poll(p.ioc);
  EXPECT_FALSE(result.has_value()) << "nothing was sent";
  EXPECT_EQ(g_empty_receives.load(), 0) << "a recv was tried on a drained socket";

  SendAndExpectReceived("second");
  EXPECT_EQ(g_empty_receives.load(), 0);
}

TEST_F(SocketReceiveTest, AsiosOwnReceiveTriesFirstAndFindsNothing) {
  // The counter above sees what it is meant to: the failed recv this file exists to remove.
  Send("first");
  AwaitQueued();
  Start(buffer, /*asio_own=*/true);
  RunUntil(p.ioc, [&] { return result.has_value(); });
  ASSERT_TRUE(result.has_value());
  Start(buffer, /*asio_own=*/true);
  Poll(p.ioc);
  EXPECT_FALSE(result.has_value());
  EXPECT_EQ(g_empty_receives.load(), 1);
  p.server->Tcp().socket().cancel();
  RunUntil(p.ioc, [&] { return result.has_value(); });
}

TEST_F(SocketReceiveTest, AReceiveThatFilledItsBufferLeavesTheRestToBeReadAtOnce) {
  // No edge will come for bytes already queued: the next receive must try, and find them.
  const std::string sent(100, 'x');
  Send(sent);
  AwaitQueued();
  Poll(p.ioc);  // the reactor takes the arrival's edge now: none is left for the second receive
  std::array<char, 10> small{};
  const Received first = ReceiveNow(small);
  ASSERT_FALSE(first.ec);
  ASSERT_EQ(first.n, 10u);
  std::array<char, 200> rest{};
  Start(rest);
  Poll(p.ioc);
  ASSERT_TRUE(result.has_value()) << "the queued bytes were left waiting for an edge";
  ASSERT_FALSE(result->ec);
  EXPECT_EQ(result->n, 90u);
}

TEST_F(SocketReceiveTest, BytesThatArriveBetweenReceivesAreReadByTheNext) {
  Send("one");
  AwaitQueued();
  ASSERT_EQ(ReceiveNow(buffer).n, 3u);  // drained
  Send("two");
  AwaitQueued();
  Poll(p.ioc);  // the reactor takes the edge while no receive is pending
  const Received next = ReceiveNow(buffer);
  ASSERT_FALSE(next.ec);
  EXPECT_EQ(std::string_view(buffer.data(), next.n), "two");
}

TEST_F(SocketReceiveTest, AsiosOwnReceiveAfterADrainStillCompletes) {
  // Beast and the WebSocket relay read the same sockets with Asio's receive.
  Send("one");
  AwaitQueued();
  ASSERT_EQ(ReceiveNow(buffer).n, 3u);
  Start(buffer, /*asio_own=*/true);
  Poll(p.ioc);
  EXPECT_FALSE(result.has_value());
  SendAndExpectReceived("two");
}

TEST_F(SocketReceiveTest, ThePeersEndAfterADrainIsReported) {
  Send("last");
  AwaitQueued();
  ASSERT_EQ(ReceiveNow(buffer).n, 4u);
  Start(buffer);
  Poll(p.ioc);
  p.client.shutdown(net::tcp::socket::shutdown_send);
  RunUntil(p.ioc, [&] { return result.has_value(); });
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->ec, asio::error::eof);
  EXPECT_EQ(result->n, 0u);
}

// What a short read cannot tell: the peer's end of stream was queued behind the bytes it returned,
// and the edge that announced both was the one the reactor already used. Without the check the
// receive would wait for an edge that never comes (as it does with an interval of an hour).
TEST_F(SocketReceiveTest, AnEndOfStreamThatCameWithTheLastBytesIsFoundByTheCheck) {
  SetDrainCheckInterval(p.ioc, std::chrono::milliseconds(1));
  Send("last");
  p.client.shutdown(net::tcp::socket::shutdown_send);
  AwaitPeerClosed();
  Poll(p.ioc);  // the reactor takes the one edge while no receive is pending
  ASSERT_EQ(ReceiveNow(buffer).n, 4u);  // drained: the next receive is queued without a try
  Start(buffer);
  RunUntil(p.ioc, [&] { return result.has_value(); });
  ASSERT_TRUE(result.has_value()) << "the end of stream was never reported";
  EXPECT_EQ(result->ec, asio::error::eof);
  EXPECT_EQ(g_empty_receives.load(), 0);
}

TEST_F(SocketReceiveTest, AResetThatCameWithTheLastBytesIsFoundByTheCheck) {
  SetDrainCheckInterval(p.ioc, std::chrono::milliseconds(1));
  Send("last");
  p.client.set_option(net::asio::socket_base::linger(true, 0));
  p.client.close();  // a reset
  AwaitPeerClosed();
  Poll(p.ioc);
  const Received last = ReceiveNow(buffer);
  ASSERT_FALSE(last.ec) << last.ec.message();
  ASSERT_EQ(last.n, 4u);
  Start(buffer);
  RunUntil(p.ioc, [&] { return result.has_value(); });
  ASSERT_TRUE(result.has_value()) << "the reset was never reported";
  EXPECT_EQ(result->ec, asio::error::connection_reset) << result->ec.message();
}

TEST_F(SocketReceiveTest, AReceiveThatOutlastsTheIntervalIsTriedOnceThenWaitsForTheEdge) {
  SetDrainCheckInterval(p.ioc, std::chrono::milliseconds(1));
  Send("one");
  AwaitQueued();
  ASSERT_EQ(ReceiveNow(buffer).n, 3u);
  Start(buffer);
  RunUntil(p.ioc, [&] { return g_empty_receives.load() > 0; });
  ASSERT_EQ(g_empty_receives.load(), 1) << "the check tries a receive still pending, once";
  // Several more intervals: no further try.
  p.ioc.restart();
  p.ioc.run_for(std::chrono::milliseconds(20));
  EXPECT_EQ(g_empty_receives.load(), 1);
  EXPECT_FALSE(result.has_value());
  SendAndExpectReceived("two");
}

TEST_F(SocketReceiveTest, CancellingTheSocketAbortsAPendingReceive) {
  Start(buffer);
  Poll(p.ioc);
  ASSERT_FALSE(result.has_value());
  Server().cancel();
  RunUntil(p.ioc, [&] { return result.has_value(); });
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->ec, asio::error::operation_aborted);
}

TEST_F(SocketReceiveTest, APerOperationCancellationIsHonoured) {
  CancelThroughItsSlot();  // tried at its start (the socket is new), then queued
}

TEST_F(SocketReceiveTest, APerOperationCancellationReachesAReceiveQueuedWithoutATry) {
  Send("one");
  AwaitQueued();
  ASSERT_EQ(ReceiveNow(buffer).n, 3u);  // drained: the next is queued for the edge
  CancelThroughItsSlot();
  EXPECT_EQ(g_empty_receives.load(), 0);
}

// Every plain read of a socket goes through AsyncReceive once one has drained it: the lingering
// close after a refusal and the WebSocket relay read an AnyStream, not the socket.
TEST_F(SocketReceiveTest, AnAnyStreamReadAfterADrainFindsACloseThatCameWithTheLastBytes) {
  SetDrainCheckInterval(p.ioc, std::chrono::milliseconds(1));
  Send("last");
  p.client.shutdown(net::tcp::socket::shutdown_send);
  AwaitPeerClosed();
  Poll(p.ioc);
  ASSERT_EQ(ReceiveNow(buffer).n, 4u);
  result.reset();
  p.server->async_read_some(asio::buffer(buffer), [this](net::error_code ec, std::size_t n) {
    result = Received{ec, n};
  });
  RunUntil(p.ioc, [&] { return result.has_value(); });
  ASSERT_TRUE(result.has_value()) << "the end of stream was never reported";
  EXPECT_EQ(result->ec, asio::error::eof);
}

// A request's body read straight into the request (ReadUntil, RequestParser::DirectBodyRoom)
// ends where the caller stopped sending. That read had room for a few bytes more, so it drained
// the socket, and the wait for the caller's next request waits for the edge instead of failing
// first (a read of exactly the body's rest, as before, filled its buffer: one failed recv per
// large request).
TEST_F(SocketReceiveTest, ABodyReadToItsEndLeavesTheSocketDrained) {
  const std::string body(60000, 'b');
  // Each arrival's edge is taken by the reactor before the read starts (Poll), as when the read
  // is pending when the bytes come: an edge taken after the read would have the next receive
  // try again whatever the read found. (Poll leaves the loop stopped: Run needs it restarted.)
  Send("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n");
  AwaitQueued();
  Poll(p.ioc);
  p.ioc.restart();
  net::beast::flat_buffer connection(128 * 1024);
  Request request;
  RequestParser parser(request);
  parser.body_limit(1 << 20);
  ASSERT_FALSE(p.Run(ReadUntil(*p.server, connection, parser, ReadGoal::kHeader)));
  ASSERT_EQ(connection.size(), 0u);
  Send(body);
  AwaitQueued();
  Poll(p.ioc);
  p.ioc.restart();
  ASSERT_FALSE(p.Run(ReadUntil(*p.server, connection, parser, ReadGoal::kMessage)));
  ASSERT_EQ(request.body(), body);

  Start(buffer);
  Poll(p.ioc);
  EXPECT_FALSE(result.has_value()) << "nothing was sent";
  EXPECT_EQ(g_empty_receives.load(), 0) << "a recv was tried on a drained socket";
  SendAndExpectReceived("next");
}

TEST_F(SocketReceiveTest, AnEmptyBufferCompletesAtOnce) {
  Start(std::span<char>(buffer.data(), 0));
  Poll(p.ioc);
  ASSERT_TRUE(result.has_value());
  EXPECT_FALSE(result->ec);
  EXPECT_EQ(result->n, 0u);
}

TEST_F(SocketReceiveTest, AClosedSocketFailsTheReceive) {
  Server().close();
  Start(buffer);
  Poll(p.ioc);
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->ec);
}

TEST(SocketReceive, AnEventLoopDestroyedWithAReceivePendingFreesItsHandlerUncalled) {
  auto called = std::make_shared<bool>(false);
  std::weak_ptr<bool> alive;
  {
    TestSocketPair p;
    std::array<char, 16> into{};
    AsyncReceive(p.server->Tcp().socket(), asio::buffer(into),
                 [called](net::error_code, std::size_t) { *called = true; });
    alive = called;
    called.reset();
    p.ioc.poll();
    ASSERT_FALSE(alive.expired()) << "the pending receive holds its handler";
  }
  EXPECT_TRUE(alive.expired()) << "the handler was freed with the loop";
}

TEST(SocketReceive, AnEventLoopDestroyedWithAWatchedReceiveAndItsCheckPendingFreesBoth) {
  // The receive is queued without a try (the socket drained) and watched, the check's timer
  // armed: tearing the loop down frees the handler uncalled (the sanitizer builds check the rest).
  auto called = std::make_shared<bool>(false);
  std::weak_ptr<bool> alive = called;
  {
    TestSocketPair p;
    asio::write(p.client, asio::buffer(std::string_view("one")));
    std::array<char, 16> into{};
    std::optional<std::size_t> first;
    AsyncReceive(p.server->Tcp().socket(), asio::buffer(into),
                 [&first](net::error_code, std::size_t n) { first = n; });
    RunUntil(p.ioc, [&] { return first.has_value(); });
    ASSERT_EQ(first, 3u);
    AsyncReceive(p.server->Tcp().socket(), asio::buffer(into),
                 [called](net::error_code, std::size_t) { *called = true; });
    called.reset();
    Poll(p.ioc);
    ASSERT_FALSE(alive.expired());
  }
  EXPECT_TRUE(alive.expired());
}

TEST(SocketReceive, AnEventLoopForManyThreadsGetsAsiosOwnReceive) {
  // The watch lists and the operation assume one thread; a loop made for more is left to Asio.
  asio::io_context ioc;  // the default hint: any number of threads
  net::tcp::acceptor acceptor(ioc, net::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  net::tcp::socket client(ioc);
  client.connect(acceptor.local_endpoint());
  net::tcp::socket server = acceptor.accept();
  asio::write(client, asio::buffer(std::string_view("one")));
  g_watched_fd = server.native_handle();
  g_empty_receives = 0;
  std::array<char, 16> into{};
  std::optional<std::size_t> got;
  AsyncReceive(server, asio::buffer(into), [&got](net::error_code, std::size_t n) { got = n; });
  RunUntil(ioc, [&] { return got.has_value(); });
  ASSERT_EQ(got, 3u);
  got.reset();
  AsyncReceive(server, asio::buffer(into), [&got](net::error_code, std::size_t n) { got = n; });
  Poll(ioc);
  EXPECT_EQ(g_empty_receives.load(), 1) << "Asio's receive tries first";
  server.cancel();
  RunUntil(ioc, [&] { return got.has_value(); });
  g_watched_fd = -1;
}

TEST(SocketReceive, AwaitedWithTheHotPathsTokenItReadsTheBytes) {
  TestSocketPair p;
  asio::write(p.client, asio::buffer(std::string_view("hello")));
  std::array<char, 32> into{};
  const auto [ec, n] = p.Run([&]() -> net::Task<std::tuple<net::error_code, std::size_t>> {
    co_return co_await AsyncReceive(p.server->Tcp().socket(), asio::buffer(into), net::kUseTuple);
  }());
  EXPECT_FALSE(ec);
  EXPECT_EQ(std::string_view(into.data(), n), "hello");
}

}  // namespace
}  // namespace warden::http
