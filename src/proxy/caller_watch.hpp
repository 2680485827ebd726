// CallerWatch: watches the caller's socket while warden waits on the upstream; if the caller
// goes away, the upstream connection's pending operation is cancelled so the provider stops
// working (and billing) for nobody.
//
// One pending one-byte peek (MSG_PEEK) with a plain handler: with Asio's edge-triggered epoll
// it costs one receive attempt (EAGAIN) and nothing more unless the caller sends or closes
// something. Bytes the caller sends meanwhile
// (a pipelined next request) are peeked at, not consumed, and do not count as leaving.
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
// Ownership: borrows both streams, which must outlive the watch; the handler holds the shared
// state by shared_ptr and does nothing once Stop() was called, so it is safe even if it was
// already queued when the watch ended.
#pragma once

#include <memory>

#include "http/any_stream.hpp"

namespace warden::proxy {

class CallerWatch {
 public:
  enum class Phase { kAwaitingResponse, kStreaming };

  CallerWatch(http::AnyStream& client, http::AnyStream& up, unsigned caller_version,
              Phase phase = Phase::kAwaitingResponse);
  ~CallerWatch() { Stop(); }
  CallerWatch(const CallerWatch&) = delete;
  CallerWatch& operator=(const CallerWatch&) = delete;

  // Whether the caller went away while watched.
  bool gone() const { return state_->gone; }
  // Ends the watch (cancels the wait on the caller's socket). Idempotent.
  void Stop();

 private:
  struct State {
    bool active = true;
    bool gone = false;
    http::AnyStream* up = nullptr;
    char peeked = 0;  // the first waiting byte is peeked into this, never consumed
  };
  static void OnReadable(const std::shared_ptr<State>& st, http::AnyStream& client, bool may_probe,
                         bool streaming);
  static void WatchForReset(const std::shared_ptr<State>& st, http::AnyStream& client);
  static void Leave(State& st);

  http::AnyStream& client_;
  std::shared_ptr<State> state_;
};

}  // namespace warden::proxy
