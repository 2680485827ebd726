#include "proxy/caller_watch.hpp"

#include <sys/socket.h>

#include <string_view>

namespace warden::proxy {

namespace {

constexpr std::string_view kProbe = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace

CallerWatch::CallerWatch(http::CallerReadiness& readiness, http::AnyStream& client,
                         http::AnyStream& up, unsigned caller_version, Phase phase)
    : readiness_(readiness),
      client_(client),
      up_(up),
      may_probe_(caller_version >= 11 && !client.IsTls()),
      streaming_(phase == Phase::kStreaming) {
  readiness_.Listen(*this);
}

void CallerWatch::OnCallerReadable(const net::error_code& ec) {
  if (!active_ || reset_wait_ || ec == net::asio::error::operation_aborted) return;
  if (!ec) return;  // the caller sent its next request (pipelined): it is still there
  if (ec != net::asio::error::eof) return Leave();
  // End of stream: a half-close, or the caller closed its socket.
  if (streaming_ && !client_.IsTls()) return WatchForReset();  // writes will tell
  if (!may_probe_) return Leave();
  const int fd = client_.Tcp().socket().native_handle();
  if (::send(fd, kProbe.data(), kProbe.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) return Leave();
  WatchForReset();
}

void CallerWatch::Leave() {
  gone_ = true;
  up_.Tcp().cancel();
}

// After an end of stream the socket stays readable, so the watch waits for an error (the reset
// a closed socket answers data with) instead.
void CallerWatch::WatchForReset() {
  reset_wait_ = std::make_shared<CallerWatch*>(this);
  client_.Tcp().socket().async_wait(net::tcp::socket::wait_error,
                                    [watch = reset_wait_](const net::error_code& ec) {
                                      if (*watch == nullptr) return;
                                      if (ec == net::asio::error::operation_aborted) return;
                                      (*watch)->Leave();
                                    });
}

void CallerWatch::Stop() {
  if (!active_) return;
  active_ = false;
  readiness_.Unlisten();
  if (!reset_wait_) return;
  *reset_wait_ = nullptr;
  net::error_code ignored;
  client_.Tcp().socket().cancel(ignored);  // the wait for a reset (the receive has completed)
}

}  // namespace warden::proxy
