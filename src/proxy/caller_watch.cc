#include "proxy/caller_watch.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "http/net.hpp"

namespace warden::proxy {

CallerWatch::CallerWatch(http::AnyStream& client, http::AnyStream& up)
    : client_(client), state_(std::make_shared<State>()) {
  state_->up = &up;
  auto& sock = client.Tcp().socket();
  sock.async_wait(net::tcp::socket::wait_read, [st = state_, &sock](const net::error_code& ec) {
    if (!st->active || ec == net::asio::error::operation_aborted) return;
    char byte;
    ssize_t n = ::recv(sock.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    // n > 0: the caller pipelined its next request; it is still there.
    if (ec || n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
      st->gone = true;
      st->up->Tcp().cancel();
    }
  });
}

void CallerWatch::Stop() {
  if (!state_->active) return;
  state_->active = false;
  net::error_code ignored;
  client_.Tcp().socket().cancel(ignored);  // nothing else is pending on it now
}

}  // namespace warden::proxy
