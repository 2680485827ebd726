// CallerReadiness: the one receive a session keeps pending on its caller's socket, across
// requests. Between two requests it is the wait for the next one (the session's Wait); while a
// request is answered it is what the proxy's CallerWatch listens to, to learn that the caller went
// away (proxy/caller_watch.hpp).
//
// One operation serves both so that a keep-alive request costs no extra system call for either:
// the receive starts once per request (one recv, EAGAIN while the caller waits for its answer)
// and is still pending when the answer has gone out, so the idle wait needs neither a wait that
// Asio re-arms with an epoll_ctl nor a cancellation (whose aborted handler Asio posts, one more
// epoll_wait). When the next request arrives, the receive has already read it.
//
// Plain TCP: the receive reads up to kReceiveBytes and appends them to the session's buffer, so
// what the caller sends meanwhile (its next request, pipelined) is kept as any read-ahead. TLS:
// it peeks at one byte, as the TLS stream must read the record itself.
//
// A completion is recorded (result()) until the session takes it (Wait) or drops it (Cancel). It
// is operation_aborted when the socket was cancelled or closed from outside (the idle deadline,
// shutdown): a waiting session then stops.
//
// Ownership: borrows the stream and the buffer, which must outlive it (the session declares them
// first). The receive reads into memory of its own (shared with its handler), so the buffer may
// be shrunk while it is pending; but nothing else may read the stream or append to the buffer
// then: the session reads only after Wait returned, and calls Cancel before serving read-ahead
// bytes. The pending handler touches neither the stream nor the buffer once this object is gone.
// Thread safety: the connection's event loop only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <tuple>

#include "http/any_stream.hpp"
#include "http/net.hpp"

namespace warden::http {

class CallerReadiness {
 public:
  // Told of each completion while set: success (the caller sent bytes), eof (it half-closed or
  // closed), another error (it is gone) or operation_aborted.
  class Listener {
   public:
    virtual void OnCallerReadable(const net::error_code& ec) = 0;

   protected:
    ~Listener() = default;
  };

  // The most one receive reads (plain TCP): a typical request, header and body; a larger one is
  // read on by the session. Held per connection.
  static constexpr std::size_t kReceiveBytes = 2048;

  CallerReadiness(AnyStream& stream, net::beast::flat_buffer& buffer);
  ~CallerReadiness();
  CallerReadiness(const CallerReadiness&) = delete;
  CallerReadiness& operator=(const CallerReadiness&) = delete;

  // Starts the receive unless one is pending or a completion waits to be taken. Does nothing when
  // the buffer has no room for kReceiveBytes more (a caller that is sending is not leaving).
  void Start();
  // Whether a receive is pending.
  bool pending() const;
  // Cancels a pending receive and drops a recorded success (its bytes are in the buffer).
  void Cancel();
  // Starts the receive if needed and waits for its completion, which it takes. The session's hot
  // path does the same in three steps, which spares this coroutine's frame:
  //   if (!readiness.Ready()) co_await readiness.Completion();
  //   const net::error_code ec = readiness.Take();
  net::Task<net::error_code> Wait();
  // Starts the receive if needed; whether there is nothing to wait for (a completion recorded,
  // or no receive could start because the buffer is full of read-ahead).
  bool Ready();
  // The wait for the pending receive's completion, when not Ready(). Then Take().
  net::asio::awaitable<std::tuple<net::error_code>> Completion();
  // Takes the recorded completion (success when there was none to wait for).
  net::error_code Take();
  // Starts the receive if needed and tells `listener` of its completion; one recorded before is
  // told at once (posted, as a completion would be). Replaces a previous listener.
  void Listen(Listener& listener);
  void Unlisten();

 private:
  struct State;
  class PendingReceive;
  static void Complete(State& s, const net::error_code& ec, std::size_t n);
  static void Notify(State& s, const net::error_code& ec);

  AnyStream& stream_;
  std::shared_ptr<State> state_;
};

}  // namespace warden::http
