#include "http/inline_io.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace warden::http {

namespace {

// One sendmsg without waiting; the bytes written (0 when the socket has no room).
std::size_t SendNow(int fd, std::span<const net::asio::const_buffer> bytes, net::error_code& ec) {
  std::array<iovec, kMaxWritePieces> iov{};
  std::size_t n = 0;
  for (const auto& b : bytes) {
    if (b.size() == 0) continue;
    iov[n].iov_base = const_cast<void*>(b.data());
    iov[n].iov_len = b.size();
    ++n;
  }
  if (n == 0) return 0;
  msghdr msg{};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = n;
  for (;;) {
    const ssize_t sent = ::sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent >= 0) return static_cast<std::size_t>(sent);
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      ec = net::error_code(errno, boost::system::system_category());
    }
    return 0;
  }
}

}  // namespace

std::span<const net::asio::const_buffer> JoinFirstRecord(
    std::span<const net::asio::const_buffer> bytes, std::string& staging,
    std::array<net::asio::const_buffer, kMaxWritePieces>& out) {
  std::size_t n = 0;
  if (bytes.size() >= kMaxWritePieces) {  // no room for the staging buffer: left as it is
    for (const net::asio::const_buffer& b : bytes) out[n++] = b;
    return {out.data(), n};
  }
  const std::size_t first = std::min(net::asio::buffer_size(bytes), kTlsRecordBytes);
  // Grown once per connection and never shrunk, so no request zero-fills it again.
  if (staging.size() < first) staging.resize(first);
  out[n++] = net::asio::buffer(staging.data(), first);
  std::size_t copied = 0;
  for (const net::asio::const_buffer& b : bytes) {
    const std::size_t take = std::min(b.size(), first - copied);
    if (take > 0) std::memcpy(staging.data() + copied, b.data(), take);
    copied += take;
    if (take < b.size()) out[n++] = b + take;
  }
  return {out.data(), n};
}

bool WriteNow(AnyStream& stream, std::span<const net::asio::const_buffer> bytes,
              std::size_t& written, net::error_code& ec) {
  written = 0;
  ec = {};
  if (bytes.size() > kMaxWritePieces) {
    ec = net::asio::error::invalid_argument;
    return true;
  }
  if (stream.IsTls()) return net::asio::buffer_size(bytes) == 0;
  written = SendNow(stream.Tcp().socket().native_handle(), bytes, ec);
  return ec || written == net::asio::buffer_size(bytes);
}

net::Task<net::error_code> WriteRest(AnyStream& stream,
                                     std::span<const net::asio::const_buffer> bytes,
                                     std::size_t written,
                                     std::optional<std::chrono::milliseconds> timeout) {
  std::array<net::asio::const_buffer, kMaxWritePieces> rest{};
  if (bytes.size() > rest.size()) co_return net::asio::error::invalid_argument;
  std::size_t n = 0;
  for (const auto& b : bytes) {
    if (written >= b.size()) {
      written -= b.size();
      continue;
    }
    rest[n++] = b + written;
    written = 0;
  }
  if (n == 0) co_return net::error_code{};
  if (timeout) stream.Tcp().expires_after(*timeout);
  const std::span<const net::asio::const_buffer> pending(rest.data(), n);
  auto [ec, sent] = co_await net::asio::async_write(stream, pending, net::kUseTuple);
  co_return ec;
}

}  // namespace warden::http
