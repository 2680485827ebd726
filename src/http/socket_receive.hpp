// AsyncReceive: a plain TCP socket's async_receive without the failed recv before most waits.
//
// Asio's reactor tries every receive at once (a "speculative" recv) unless the last receive on
// the socket read zero bytes. On a proxy's sockets that try nearly always fails with EAGAIN: the
// caller has not sent its next request while warden is still answering the last one, and the
// provider has not answered a request warden has only just written — two failed system calls per
// proxied request (measured under load: 1.92 EAGAIN a request, ~0.26 µs each). nginx and haproxy
// read only when epoll reports the socket readable.
//
// This receive tells the reactor when it drained the socket: it read fewer bytes than it had room
// for, so the kernel's receive queue held no more bytes. The reactor then queues the next receive
// on the socket (this one or Asio's own) for epoll's edge without trying it first — the state
// Asio enters after a zero-byte read. The socket is registered edge-triggered (EPOLLET) and the
// kernel raises an edge for every segment queued after the drain, so no later byte is missed.
// What a short read cannot tell is whether the peer's end of stream (FIN) or a reset was already
// queued behind the bytes it returned: the edge that announced them may be the one just used, and
// nginx learns it from EPOLLRDHUP, which Asio neither registers nor hands to an operation. So each
// receive queued without a try is tried once by its event loop if it is still pending one to two
// check intervals (kDrainCheckInterval) after it started: a close that came with the last bytes
// is reported that much later instead of at once, and a receive that waits longer than that (a
// provider still thinking, an idle keep-alive connection) costs the one recv Asio would have made
// at its start. A receive that filled its buffer leaves the next one to try at once, as Asio does.
//
// One more difference a peer can cause: TCP stops a read short at an urgent (out-of-band) mark
// with bytes still queued; the check above reads them. HTTP never sets the mark.
//
// The operation is built on Asio's reactor internals for Boost 1.81's epoll reactor (Debian 12's),
// on an io_context made for one thread (concurrency hint 1, or one without I/O or scheduler
// locking, as warden's loops are). With any other Boost, reactor or execution context,
// AsyncReceive is socket.async_receive. Per-operation cancellation works as with Asio's.
// Ownership: borrows the socket and the buffer until the completion; the per-loop state is an
// Asio service of the io_context. Thread safety: from the socket's event loop only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <utility>

#include <boost/version.hpp>

#include "http/net.hpp"

#if BOOST_VERSION == 108100 && defined(BOOST_ASIO_HAS_EPOLL) && \
    !defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT) && !defined(BOOST_ASIO_DISABLE_EPOLL)
#define WARDEN_DRAIN_AWARE_RECEIVE 1
#include <boost/asio/detail/bind_handler.hpp>
#include <boost/asio/detail/fenced_block.hpp>
#include <boost/asio/detail/handler_alloc_helpers.hpp>
#include <boost/asio/detail/handler_cont_helpers.hpp>
#include <boost/asio/detail/handler_work.hpp>
#include <boost/asio/detail/memory.hpp>
#include <boost/asio/detail/reactor.hpp>
#include <boost/asio/detail/reactor_op.hpp>
#include <boost/asio/detail/socket_ops.hpp>
#endif

namespace warden::http {

// Whether AsyncReceive marks drained sockets here (false: it is plain async_receive).
constexpr bool kDrainAwareReceive =
#if defined(WARDEN_DRAIN_AWARE_RECEIVE)
    true;
#else
    false;
#endif

// A receive queued without a try is tried once after one to two of these.
inline constexpr std::chrono::milliseconds kDrainCheckInterval{5};

// For tests: the check interval of `ioc`'s loop (an hour: never within a test; 1 ms: at once).
void SetDrainCheckInterval(net::asio::io_context& ioc, std::chrono::milliseconds interval);

#if defined(WARDEN_DRAIN_AWARE_RECEIVE)
namespace socket_receive_detail {

namespace ad = boost::asio::detail;

class DrainChecks;

// The part of a receive that does not depend on its handler: the recv, and the links by which
// its loop's DrainChecks finds it.
class WatchedReceive : public ad::reactor_op {
 public:
  WatchedReceive(ad::socket_type socket, ad::reactor::per_descriptor_data descriptor,
                 net::asio::mutable_buffer buffer, func_type complete)
      : reactor_op(net::error_code(), &WatchedReceive::Perform, complete),
        socket_(socket),
        descriptor_(descriptor),
        buffer_(buffer) {
    cancellation_key_ = this;  // how a check takes it back from the reactor
  }

  // The reactor's try, at the start (if the socket is not drained) or on an edge.
  static status Perform(reactor_op* base);

  // The check of a receive still queued and never tried: one recv now. When it finds bytes, an
  // end of stream or an error, the reactor is asked to hand the operation back, which then
  // completes with what the check found.
  void CheckNow(ad::reactor& reactor);

  bool tried() const { return tried_; }

 protected:
  // At completion: the result the check found, if it found one, replaces the cancellation it used
  // to take the operation back from the reactor.
  void TakeCheckedResult() {
    if (checked_) {
      ec_ = checked_ec_;
      bytes_transferred_ = checked_bytes_;
    }
  }
  void Unwatch();

 private:
  friend class DrainChecks;

  ad::socket_type socket_;
  ad::reactor::per_descriptor_data descriptor_;
  net::asio::mutable_buffer buffer_;
  bool tried_ = false;    // Perform ran (a recv was made)
  bool checked_ = false;  // the check completed it
  net::error_code checked_ec_;
  std::size_t checked_bytes_ = 0;
  // DrainChecks' list: the checks watching it (null: none), and its neighbours there.
  DrainChecks* checks_ = nullptr;
  std::uint64_t generation_ = 0;  // the checks' tick count when it was watched
  WatchedReceive* prev_ = nullptr;
  WatchedReceive* next_ = nullptr;
};

// Per io_context: its reactor, and the receives queued without a try, checked by a timer.
// Resolves the io_context and reactor of `socket`; null when it is not on an io_context made for
// one thread.
DrainChecks* DrainChecksOf(net::tcp::socket& socket);
ad::reactor& ReactorOf(DrainChecks& checks);
// After start_op: watch `op` if the reactor queued it without a try.
void WatchIfUntried(DrainChecks& checks, WatchedReceive& op);

// basic_socket keeps its implementation (the descriptor, its state and its reactor registration)
// protected; a pointer to that member, named through a derived class, reaches it.
struct SocketAccess : net::tcp::socket {
  static auto& Implementation(net::tcp::socket& socket) {
    return (socket.*(&SocketAccess::impl_)).get_implementation();
  }
};

// One receive of up to buffer.size() bytes, performed by the reactor: like Asio's receive
// operation, with a short read reported as exhausting the socket.
template <class Handler, class IoExecutor>
class ReceiveOp : public WatchedReceive {
 public:
  BOOST_ASIO_DEFINE_HANDLER_PTR(ReceiveOp);

  ReceiveOp(ad::socket_type socket, ad::reactor::per_descriptor_data descriptor,
            net::asio::mutable_buffer buffer, Handler& handler, const IoExecutor& io_ex)
      : WatchedReceive(socket, descriptor, buffer, &ReceiveOp::Complete),
        handler_(std::move(handler)),
        work_(handler_, io_ex) {}

  // Called by the scheduler: with `owner` to deliver the result, without it (the event loop is
  // being destroyed) only to free the operation. As Asio's receive operation.
  static void Complete(void* owner, ad::operation* base, const net::error_code&, std::size_t) {
    auto* op = static_cast<ReceiveOp*>(base);
    op->Unwatch();
    op->TakeCheckedResult();
    ptr p = {std::addressof(op->handler_), op, op};
    ad::handler_work<Handler, IoExecutor> work(std::move(op->work_));
    // The handler is moved out before the operation's memory is freed, as Asio does: it may own
    // that memory's allocator.
    ad::binder2<Handler, net::error_code, std::size_t> call(op->handler_, op->ec_,
                                                            op->bytes_transferred_);
    p.h = std::addressof(call.handler_);
    p.reset();
    if (owner != nullptr) {
      ad::fenced_block fence(ad::fenced_block::half);
      work.complete(call, call.handler_);
    }
  }

 private:
  Handler handler_;
  ad::handler_work<Handler, IoExecutor> work_;
};

// A per-operation cancellation (a handler's cancellation slot), as Asio's receive handles one:
// the operation is taken out of the reactor's queue and completes with operation_aborted. It
// reads the socket's registration when it is emitted: null once the socket is closed.
class CancelReceive {
 public:
  CancelReceive(ad::reactor& reactor, ad::reactor::per_descriptor_data& registration,
                ad::socket_type socket, void* key)
      : reactor_(&reactor), registration_(&registration), socket_(socket), key_(key) {}
  void operator()(net::asio::cancellation_type_t type) {
    using net::asio::cancellation_type;
    if (!!(type &
           (cancellation_type::terminal | cancellation_type::partial | cancellation_type::total))) {
      reactor_->cancel_ops_by_key(socket_, *registration_, ad::reactor::read_op, key_);
    }
  }

 private:
  ad::reactor* reactor_;
  ad::reactor::per_descriptor_data* registration_;
  ad::socket_type socket_;
  void* key_;
};

template <class Handler>
void StartReceive(DrainChecks& checks, net::tcp::socket& socket, net::asio::mutable_buffer buffer,
                  Handler handler) {
  auto& impl = SocketAccess::Implementation(socket);
  const net::tcp::socket::executor_type io_ex = socket.get_executor();
  const bool is_continuation = boost_asio_handler_cont_helpers::is_continuation(handler);
  auto slot = net::asio::get_associated_cancellation_slot(handler);
  using Op = ReceiveOp<Handler, net::tcp::socket::executor_type>;
  typename Op::ptr p = {std::addressof(handler), Op::ptr::allocate(handler), nullptr};
  p.p = new (p.v) Op(impl.socket_, impl.reactor_data_, buffer, handler, io_ex);
  Op* op = p.p;
  p.v = p.p = nullptr;  // the reactor owns it from here
  ad::reactor& reactor = ReactorOf(checks);
  if (slot.is_connected()) {
    slot.template emplace<CancelReceive>(reactor, impl.reactor_data_, impl.socket_, op);
  }
  if ((impl.state_ & ad::socket_ops::non_blocking) != 0 ||
      ad::socket_ops::set_internal_non_blocking(impl.socket_, impl.state_, true, op->ec_)) {
    reactor.start_op(ad::reactor::read_op, impl.socket_, impl.reactor_data_, op, is_continuation,
                     /*allow_speculative=*/true);
    // The loop runs on this thread only, so the operation is queued or posted, not yet freed.
    WatchIfUntried(checks, *op);
  } else {
    reactor.post_immediate_completion(op, is_continuation);
  }
}

}  // namespace socket_receive_detail
#endif

// socket.async_receive(buffer, token), completing with (error_code, bytes) as it does; see above.
// An empty buffer completes at once with no bytes, as Asio's.
template <class Token>
auto AsyncReceive(net::tcp::socket& socket, net::asio::mutable_buffer buffer, Token&& token) {
  auto initiate = [&socket, buffer](auto handler) {
#if defined(WARDEN_DRAIN_AWARE_RECEIVE)
    if (buffer.size() > 0) {
      if (auto* checks = socket_receive_detail::DrainChecksOf(socket)) {
        socket_receive_detail::StartReceive(*checks, socket, buffer, std::move(handler));
        return;
      }
    }
#endif
    socket.async_receive(buffer, std::move(handler));
  };
  return net::asio::async_initiate<Token, void(net::error_code, std::size_t)>(std::move(initiate),
                                                                              token);
}

}  // namespace warden::http
