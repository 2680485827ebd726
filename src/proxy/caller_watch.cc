#include "proxy/caller_watch.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <string_view>

#include "http/net.hpp"

namespace warden::proxy {

namespace {

constexpr std::string_view kProbe = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace

CallerWatch::CallerWatch(http::AnyStream& client, http::AnyStream& up, unsigned caller_version,
                         Phase phase)
    : client_(client), state_(std::make_shared<State>()) {
  state_->up = &up;
  const bool may_probe = caller_version >= 11 && !client.IsTls();
  const bool streaming = phase == Phase::kStreaming;
  // A one-byte peek rather than async_wait(wait_read): Asio tries a receive at once (one
  // recvmsg, EAGAIN while the caller waits) and then waits on the registration it already has,
  // where a wait would re-arm it with an epoll_ctl on every request.
  client.Tcp().socket().async_receive(
      net::asio::buffer(&state_->peeked, 1), net::tcp::socket::message_peek,
      [st = state_, &client, may_probe, streaming](const net::error_code& ec, std::size_t n) {
        if (!st->active || ec == net::asio::error::operation_aborted) return;
        if (n > 0) return;  // the caller pipelined its next request: it is still there
        if (ec && ec != net::asio::error::eof) return Leave(*st);
        OnReadable(st, client, may_probe, streaming);
      });
}

void CallerWatch::Leave(State& st) {
  st.gone = true;
  st.up->Tcp().cancel();
}

void CallerWatch::OnReadable(const std::shared_ptr<State>& st, http::AnyStream& client,
                             bool may_probe, bool streaming) {
  const int fd = client.Tcp().socket().native_handle();
  char byte;
  const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return;  // the caller pipelined its next request: it is still there
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK) Leave(*st);
    return;
  }
  // End of stream: a half-close, or the caller closed its socket.
  if (streaming && !client.IsTls()) return WatchForReset(st, client);  // writes will tell
  if (!may_probe) return Leave(*st);
  if (::send(fd, kProbe.data(), kProbe.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
    return Leave(*st);
  }
  WatchForReset(st, client);
}

// After an end of stream the socket stays readable, so the watch waits for an error (the reset
// a closed socket answers data with) instead.
void CallerWatch::WatchForReset(const std::shared_ptr<State>& st, http::AnyStream& client) {
  client.Tcp().socket().async_wait(net::tcp::socket::wait_error, [st](const net::error_code& ec) {
    if (!st->active || ec == net::asio::error::operation_aborted) {
      return;
    }
    Leave(*st);
  });
}

void CallerWatch::Stop() {
  if (!state_->active) return;
  state_->active = false;
  net::error_code ignored;
  client_.Tcp().socket().cancel(ignored);  // nothing else is pending on it now
}

}  // namespace warden::proxy
