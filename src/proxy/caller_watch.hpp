// CallerWatch: watches the caller's socket while warden waits on the upstream; if the caller
// hangs up (EOF or error), the upstream connection's pending operation is cancelled so the
// provider stops working (and billing) for nobody.
//
// One pending async_wait with a plain handler: with Asio's edge-triggered epoll that costs no
// syscall unless the caller actually sends or closes something. Bytes the caller sends meanwhile
// (a pipelined next request) are peeked at, not consumed, and do not count as hanging up.
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
  CallerWatch(http::AnyStream& client, http::AnyStream& up);
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
  };
  http::AnyStream& client_;
  std::shared_ptr<State> state_;
};

}  // namespace warden::proxy
