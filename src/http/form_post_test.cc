#include "http/form_post.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace warden::http {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

// A one-connection TCP server on 127.0.0.1 that reads the request and sends `answer` (or, with
// an empty answer, nothing) and keeps the connection open until the client goes away.
class OneShotServer {
 public:
  explicit OneShotServer(std::string answer) : answer_(std::move(answer)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~OneShotServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/oauth/token"; }

 private:
  void Serve() {
    const int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    char buf[4096];
    (void)!::recv(c, buf, sizeof buf, 0);
    if (!answer_.empty()) (void)!::send(c, answer_.data(), answer_.size(), MSG_NOSIGNAL);
    while (::recv(c, buf, sizeof buf, 0) > 0) {
    }
    ::close(c);
  }
  std::string answer_;
  int fd_ = -1;
  unsigned short port_ = 0;
  std::thread thread_;
};

TEST(PostForm, SendsTheFormAndReturnsStatusAndBody) {
  OneShotServer server(
      "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 25\r\n\r\n"
      "{\"error\":\"invalid_grant\"}");
  auto reply = PostForm(server.url(), Secret("grant_type=refresh_token&refresh_token=R1"));
  ASSERT_TRUE(reply) << reply.error().ToString();
  EXPECT_EQ(reply->status, 400);
  EXPECT_EQ(reply->body.Reveal(), "{\"error\":\"invalid_grant\"}");
}

TEST(PostForm, ASilentEndpointTimesOutWithinTheBound) {
  OneShotServer server("");
  const auto start = std::chrono::steady_clock::now();
  FormPostOptions options;
  options.timeout = 300ms;
  auto reply = PostForm(server.url(), Secret("a=b"), options);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, ErrorCode::kUpstreamTimeout);
  EXPECT_LT(took, 2s);
}

TEST(PostForm, AnOversizedAnswerIsRefused) {
  OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'x'));
  FormPostOptions options;
  options.max_response_bytes = 1024;
  auto reply = PostForm(server.url(), Secret("a=b"), options);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, ErrorCode::kUpstreamProtocol);
  EXPECT_THAT(reply.error().message, Not(HasSubstr("xxxx")));
}

TEST(PostForm, NothingListeningIsAConnectError) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  ::close(fd);  // the port is now (very likely) closed
  auto reply = PostForm("http://127.0.0.1:" + std::to_string(port) + "/t", Secret("a=b"));
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, ErrorCode::kUpstreamConnect);
}

}  // namespace
}  // namespace warden::http
