// CallerWatch: watches the caller's socket while warden waits on the upstream; if the caller
// goes away, the upstream connection's pending operation is cancelled so the provider stops
// working (and billing) for nobody.
//
// It listens to the receive the session keeps pending on the caller's socket
// (http/caller_readiness.hpp), so watching costs no system call of its own: the receive is
// started once per request and, when the answer is done, is the session's wait for the next
// request. Bytes the caller sends meanwhile (a pipelined next request) are kept for the session
// and do not count as leaving.
//
// An end of stream is not always a departure: an HTTP/1.1 client may half-close (shut down its
// sending side) after its request and still wait for the answer. Both look the same (a FIN) on
// this side, so before the response has started the watch sends a probe the client must accept,
// an interim "100 Continue" (RFC 9110 §15.2): a client that has closed its socket answers it
// with a reset, which the watch then sees as an error; one that only half-closed reads past it.
// Once the response is streaming no probe is needed: the next write fails if the caller is
// gone. TLS callers (a raw probe would corrupt the TLS stream) and HTTP/1.0 callers (no interim
// responses) are treated as gone on end of stream, as before.
// Thread safety: use on the connection's event loop only.
// Ownership: borrows the readiness and both streams, which must outlive the watch. The wait for a
// reset (the rare case above) shares a pointer back to the watch that Stop() clears, so its
// handler does nothing once the watch has ended.
#pragma once

#include <memory>

#include "http/any_stream.hpp"
#include "http/caller_readiness.hpp"
#include "http/net.hpp"

namespace warden::proxy {

class CallerWatch final : private http::CallerReadiness::Listener {
 public:
  enum class Phase { kAwaitingResponse, kStreaming };

  CallerWatch(http::CallerReadiness& readiness, http::AnyStream& client, http::AnyStream& up,
              unsigned caller_version, Phase phase = Phase::kAwaitingResponse);
  ~CallerWatch() { Stop(); }
  CallerWatch(const CallerWatch&) = delete;
  CallerWatch& operator=(const CallerWatch&) = delete;

  // Whether the caller went away while watched.
  bool gone() const { return gone_; }
  // Ends the watch. Idempotent.
  void Stop();

 private:
  void OnCallerReadable(const net::error_code& ec) override;
  void WatchForReset();
  void Leave();

  http::CallerReadiness& readiness_;
  http::AnyStream& client_;
  http::AnyStream& up_;
  bool may_probe_;
  bool streaming_;
  bool active_ = true;
  bool gone_ = false;
  std::shared_ptr<CallerWatch*> reset_wait_;  // while waiting for a reset: this watch, or null
};

}  // namespace warden::proxy
