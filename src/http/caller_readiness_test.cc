#include "http/caller_readiness.hpp"

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "http/test_socket_pair.hpp"

namespace warden::http {
namespace {

namespace asio = net::asio;
using namespace std::chrono_literals;

std::string Contents(const net::beast::flat_buffer& buffer) {
  return net::beast::buffers_to_string(buffer.data());
}

// Records what it was told.
struct RecordingListener : CallerReadiness::Listener {
  std::vector<net::error_code> told;
  void OnCallerReadable(const net::error_code& ec) override { told.push_back(ec); }
};

class CallerReadinessTest : public ::testing::Test {
 protected:
  // Spawns readiness.Wait(); its result lands in `waited`.
  void SpawnWait() {
    asio::co_spawn(p.ioc, readiness.Wait(), [this](std::exception_ptr e, net::error_code ec) {
      if (e) std::rethrow_exception(e);
      waited = ec;
    });
  }
  void Send(std::string_view bytes) { asio::write(p.client, asio::buffer(bytes)); }

  TestSocketPair p;
  net::beast::flat_buffer buffer{64 * 1024};
  CallerReadiness readiness{*p.server, buffer};
  std::optional<net::error_code> waited;
};

TEST_F(CallerReadinessTest, TheWaitEndsWithTheNextRequestAlreadyRead) {
  SpawnWait();
  Poll(p.ioc);
  EXPECT_TRUE(readiness.pending());
  EXPECT_FALSE(waited.has_value()) << "nothing was sent yet";
  Send("GET / HTTP/1.1\r\n\r\n");
  RunUntil(p.ioc, [&] { return waited.has_value(); });
  ASSERT_TRUE(waited.has_value());
  EXPECT_FALSE(*waited);
  EXPECT_EQ(Contents(buffer), "GET / HTTP/1.1\r\n\r\n");
  EXPECT_FALSE(readiness.pending());
}

TEST_F(CallerReadinessTest, TheBufferMayShrinkWhileTheReceiveIsPending) {
  // After a large body the session gives the storage back while the receive is its idle wait.
  buffer.commit(asio::buffer_copy(buffer.prepare(60000), asio::buffer(std::string(60000, 'x'))));
  buffer.consume(buffer.size());
  SpawnWait();
  Poll(p.ioc);
  ASSERT_TRUE(readiness.pending());
  buffer.shrink_to_fit();
  EXPECT_LT(buffer.capacity(), 60000u);
  Send("GET /after HTTP/1.1\r\n\r\n");
  RunUntil(p.ioc, [&] { return waited.has_value(); });
  ASSERT_TRUE(waited.has_value());
  EXPECT_FALSE(*waited);
  EXPECT_EQ(Contents(buffer), "GET /after HTTP/1.1\r\n\r\n");
}

TEST_F(CallerReadinessTest, ARequestLargerThanOneReceiveIsLeftForTheSessionToReadOn) {
  const std::string big(CallerReadiness::kReceiveBytes + 100, 'b');
  SpawnWait();
  Send(big);
  RunUntil(p.ioc, [&] { return waited.has_value(); });
  ASSERT_TRUE(waited.has_value());
  EXPECT_FALSE(*waited);
  EXPECT_EQ(buffer.size(), CallerReadiness::kReceiveBytes);
  std::array<char, 200> rest{};
  const std::size_t n = p.server->Tcp().socket().read_some(asio::buffer(rest));
  EXPECT_EQ(n, 100u);
}

TEST_F(CallerReadinessTest, TheWaitReportsTheEndOfStream) {
  SpawnWait();
  p.client.shutdown(net::tcp::socket::shutdown_send);
  RunUntil(p.ioc, [&] { return waited.has_value(); });
  ASSERT_TRUE(waited.has_value());
  EXPECT_EQ(*waited, asio::error::eof);
  EXPECT_EQ(buffer.size(), 0u);
}

TEST_F(CallerReadinessTest, ACancelledSocketEndsTheWait) {
  // What the idle deadline and a shutdown do: the session must stop waiting.
  SpawnWait();
  Poll(p.ioc);
  ASSERT_TRUE(readiness.pending());
  p.server->Tcp().socket().cancel();
  RunUntil(p.ioc, [&] { return waited.has_value(); });
  ASSERT_TRUE(waited.has_value());
  EXPECT_EQ(*waited, asio::error::operation_aborted);
}

TEST_F(CallerReadinessTest, AListenerIsToldAndTheNextWaitTakesTheSameCompletion) {
  RecordingListener listener;
  readiness.Listen(listener);
  EXPECT_TRUE(readiness.pending()) << "listening starts the receive";
  Send("POST /next");
  RunUntil(p.ioc, [&] { return !listener.told.empty(); });
  ASSERT_EQ(listener.told.size(), 1u);
  EXPECT_FALSE(listener.told[0]);
  readiness.Unlisten();
  SpawnWait();  // the answer went out; the next request is already here
  Poll(p.ioc);
  ASSERT_TRUE(waited.has_value());
  EXPECT_FALSE(*waited);
  EXPECT_EQ(Contents(buffer), "POST /next");
  EXPECT_EQ(listener.told.size(), 1u) << "an unlistened completion is not told";
}

TEST_F(CallerReadinessTest, AListenerAddedAfterACompletionIsToldOfItAsACompletionWouldBe) {
  readiness.Start();
  p.client.shutdown(net::tcp::socket::shutdown_send);
  RunUntil(p.ioc, [&] { return !readiness.pending(); });
  RecordingListener listener;
  readiness.Listen(listener);
  EXPECT_TRUE(listener.told.empty()) << "posted, not told from inside Listen";
  Poll(p.ioc);
  ASSERT_EQ(listener.told.size(), 1u);
  EXPECT_EQ(listener.told[0], asio::error::eof);
}

TEST_F(CallerReadinessTest, CancelKeepsTheBytesForTheSessionAndStartsAfresh) {
  readiness.Start();
  Send("first");
  RunUntil(p.ioc, [&] { return !readiness.pending(); });
  readiness.Cancel();  // the session serves "first" from the buffer
  buffer.consume(buffer.size());
  SpawnWait();
  Poll(p.ioc);
  EXPECT_FALSE(waited.has_value()) << "the served bytes are not a new arrival";
  Send("second");
  RunUntil(p.ioc, [&] { return waited.has_value(); });
  ASSERT_TRUE(waited.has_value());
  EXPECT_FALSE(*waited);
  EXPECT_EQ(Contents(buffer), "second");
}

TEST_F(CallerReadinessTest, CancelKeepsAnEndOfStreamForTheNextWait) {
  readiness.Start();
  p.client.shutdown(net::tcp::socket::shutdown_send);
  RunUntil(p.ioc, [&] { return !readiness.pending(); });
  readiness.Cancel();
  SpawnWait();
  Poll(p.ioc);
  ASSERT_TRUE(waited.has_value()) << "no new receive: the end of stream was kept";
  EXPECT_EQ(*waited, asio::error::eof);
}

TEST_F(CallerReadinessTest, ACancelledReceiveConsumesNothing) {
  readiness.Start();
  ASSERT_TRUE(readiness.pending());
  readiness.Cancel();
  EXPECT_FALSE(readiness.pending());
  Send("kept");
  Poll(p.ioc);
  EXPECT_EQ(buffer.size(), 0u);
  std::array<char, 8> bytes{};
  const std::size_t n = p.server->Tcp().socket().read_some(asio::buffer(bytes));
  EXPECT_EQ(std::string_view(bytes.data(), n), "kept") << "the bytes stayed in the socket";
}

TEST(CallerReadinessLifetime, DestroyedWithAReceivePendingItReadsNothingMore) {
  TestSocketPair p;
  net::beast::flat_buffer buffer;
  {
    CallerReadiness readiness(*p.server, buffer);
    readiness.Start();
    ASSERT_TRUE(readiness.pending());
  }
  asio::write(p.client, asio::buffer(std::string_view("late")));
  Poll(p.ioc);
  EXPECT_EQ(buffer.size(), 0u);
  std::array<char, 8> bytes{};
  const std::size_t n = p.server->Tcp().socket().read_some(asio::buffer(bytes));
  EXPECT_EQ(std::string_view(bytes.data(), n), "late");
}

// A session torn down with its loop while it waits (the pending receive's handler is destroyed,
// never called): the waiting coroutine and the readiness state must not keep each other alive
// (LeakSanitizer in the ASan build) or touch freed memory.
TEST(CallerReadinessLifetime, ALoopTornDownMidWaitFreesTheWaitingSession) {
  auto p = std::make_unique<TestSocketPair>();
  bool waiting = false;
  bool finished = false;
  auto session = [](AnyStream& stream, bool& waiting, bool& finished) -> net::Task<void> {
    net::beast::flat_buffer buffer;
    CallerReadiness readiness(stream, buffer);
    waiting = true;
    co_await readiness.Wait();
    finished = true;
  };
  asio::co_spawn(p->ioc, session(*p->server, waiting, finished), asio::detached);
  Poll(p->ioc);
  ASSERT_TRUE(waiting);
  p->server->Tcp().socket().close();  // its aborted completion is queued, then abandoned
  p.reset();
  EXPECT_FALSE(finished);
}

}  // namespace
}  // namespace warden::http
