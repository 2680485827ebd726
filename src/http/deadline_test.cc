#include "http/deadline.hpp"

#include <array>
#include <chrono>
#include <functional>
#include <optional>

#include <gtest/gtest.h>

#include "http/test_socket_pair.hpp"

namespace warden::http {
namespace {

namespace asio = net::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A read on the server side, which the client answers only when a test writes.
struct PendingRead {
  std::array<char, 16> buf{};
  std::optional<net::error_code> result;
  void Start(AnyStream& stream) {
    stream.Tcp().socket().async_read_some(
        asio::buffer(buf), [this](const net::error_code& ec, std::size_t) { result = ec; });
  }
};

// Runs the loop for `window` (a timer of its own marks the end).
void RunFor(asio::io_context& ioc, std::chrono::milliseconds window) {
  asio::steady_timer end(ioc, window);
  bool over = false;
  end.async_wait([&](const net::error_code&) { over = true; });
  RunUntil(ioc, [&] { return over; });
}

// A deadline on the server side of a pair, and a read pending there.
class DeadlineTest : public ::testing::Test {
 protected:
  DeadlineTest() { read.Start(*p.server); }
  TestSocketPair p;
  Deadline deadline{p.ioc.get_executor()};
  PendingRead read;
};

TEST_F(DeadlineTest, FiresAndCancelsThePendingOperations) {
  deadline.Arm(20ms, *p.server);
  RunUntil(p.ioc, [&] { return read.result.has_value(); });
  ASSERT_TRUE(read.result.has_value());
  EXPECT_EQ(*read.result, asio::error::operation_aborted);
  EXPECT_TRUE(deadline.fired());
  deadline.Arm(60s, *p.server);
  EXPECT_FALSE(deadline.fired()) << "arming again starts afresh";
}

TEST_F(DeadlineTest, DisarmedItLeavesTheOperationsAlone) {
  deadline.Arm(20ms, *p.server);
  deadline.Disarm();
  RunFor(p.ioc, 100ms);  // the 20 ms wait ended meanwhile
  EXPECT_FALSE(read.result.has_value());
  EXPECT_FALSE(deadline.fired());
  asio::write(p.client, asio::buffer("x", 1));
  RunUntil(p.ioc, [&] { return read.result.has_value(); });
  ASSERT_TRUE(read.result.has_value());
  EXPECT_FALSE(*read.result);
}

// The wait started for the first arming ends early; it waits again for the rest.
TEST_F(DeadlineTest, ReArmedLaterItWaitsForTheNewExpiry) {
  deadline.Arm(20ms, *p.server);
  deadline.Disarm();
  const auto armed = Clock::now();
  deadline.Arm(300ms, *p.server);
  RunFor(p.ioc, 100ms);
  EXPECT_FALSE(read.result.has_value());
  EXPECT_FALSE(deadline.fired());
  RunUntil(p.ioc, [&] { return read.result.has_value(); });
  ASSERT_TRUE(read.result.has_value());
  EXPECT_EQ(*read.result, asio::error::operation_aborted);
  EXPECT_TRUE(deadline.fired());
  EXPECT_GE(Clock::now() - armed, 300ms);
}

// A pending wait that would end too late is replaced.
TEST_F(DeadlineTest, ReArmedSoonerItDoesNotWaitForTheOldExpiry) {
  deadline.Arm(60s, *p.server);
  deadline.Disarm();
  deadline.Arm(20ms, *p.server);
  RunUntil(p.ioc, [&] { return read.result.has_value(); });
  ASSERT_TRUE(read.result.has_value());
  EXPECT_TRUE(deadline.fired());
}

// What makes it cheap: arming and disarming again and again posts no handler (a restarted timer
// would post one cancelled wait each time).
TEST(Deadline, ArmingAgainAndAgainCostsNoTimerOperation) {
  TestSocketPair p;
  Deadline deadline(p.ioc.get_executor());
  deadline.Arm(60s, *p.server);
  deadline.Disarm();
  EXPECT_EQ(p.ioc.poll(), 0u);
  for (int i = 0; i < 100; ++i) {
    deadline.Arm(60s, *p.server);
    deadline.Disarm();
  }
  EXPECT_EQ(p.ioc.poll(), 0u);
}

TEST(Deadline, DestroyedWithAWaitPendingCancelsNothing) {
  TestSocketPair p;
  PendingRead read;
  read.Start(*p.server);
  {
    Deadline deadline(p.ioc.get_executor());
    deadline.Arm(20ms, *p.server);
  }
  RunFor(p.ioc, 100ms);
  EXPECT_FALSE(read.result.has_value());
  p.server->Tcp().socket().cancel();
  RunUntil(p.ioc, [&] { return read.result.has_value(); });
  EXPECT_EQ(read.result, asio::error::operation_aborted);
}

}  // namespace
}  // namespace warden::http
