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
// for, so the kernel's receive queue was empty. The reactor then leaves the next receive on the
// socket (this one or Asio's own) to wait for epoll's edge without trying first — the same state
// Asio enters after a zero-byte read. The socket is registered edge-triggered (EPOLLET) and the
// kernel raises an edge for every segment queued after the drain, so no byte is left waiting: a
// receive is tried at once again as soon as an edge arrives while none is pending. A receive that
// filled its buffer leaves the next one speculative, as Asio does.
//
// One difference a peer can cause: TCP stops a read short at an urgent (out-of-band) mark with
// bytes still queued, and those then wait for the peer's next segment or the read's timeout. Only
// that peer's own connection waits; HTTP never sets the mark.
//
// The operation is built on Asio's reactor internals for Boost 1.81's epoll reactor (Debian 12's).
// With any other Boost or reactor, and for a handler with a per-operation cancellation slot (whose
// cancellation this operation does not implement), AsyncReceive is socket.async_receive.
// Ownership: borrows the socket and the buffer until the completion. Thread safety: as
// async_receive — from the socket's executor, one receive at a time.
#pragma once

#include <cstddef>
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

#if defined(WARDEN_DRAIN_AWARE_RECEIVE)
namespace socket_receive_detail {

namespace ad = boost::asio::detail;

// basic_socket keeps its implementation (the descriptor, its state and its reactor registration)
// protected; a pointer to that member, named through a derived class, reaches it.
struct SocketAccess : net::tcp::socket {
  static auto& Implementation(net::tcp::socket& socket) {
    return (socket.*(&SocketAccess::impl_)).get_implementation();
  }
};

// The reactor of the socket's event loop (Asio keeps one per execution context).
inline ad::reactor& ReactorOf(net::tcp::socket& socket) {
  return net::asio::use_service<ad::reactor>(
      net::asio::query(socket.get_executor(), net::asio::execution::context));
}

// One receive of up to buffer.size() bytes, performed by the reactor: like Asio's receive
// operation, with a short read reported as exhausting the socket.
template <class Handler, class IoExecutor>
class ReceiveOp : public ad::reactor_op {
 public:
  BOOST_ASIO_DEFINE_HANDLER_PTR(ReceiveOp);

  ReceiveOp(ad::socket_type socket, net::asio::mutable_buffer buffer, Handler& handler,
            const IoExecutor& io_ex)
      : reactor_op(net::error_code(), &ReceiveOp::Perform, &ReceiveOp::Complete),
        socket_(socket),
        buffer_(buffer),
        handler_(std::move(handler)),
        work_(handler_, io_ex) {}

  static status Perform(reactor_op* base) {
    auto* op = static_cast<ReceiveOp*>(base);
    if (!ad::socket_ops::non_blocking_recv1(op->socket_, op->buffer_.data(), op->buffer_.size(),
                                            0, /*is_stream=*/true, op->ec_,
                                            op->bytes_transferred_)) {
      return not_done;  // EAGAIN: wait for the edge
    }
    // Fewer bytes than asked (an end of stream and an error read none): the queue is empty.
    return op->bytes_transferred_ < op->buffer_.size() ? done_and_exhausted : done;
  }

  // Called by the scheduler: with `owner` to deliver the result, without it (the event loop is
  // being destroyed) only to free the operation.
  static void Complete(void* owner, ad::operation* base, const net::error_code&, std::size_t) {
    auto* op = static_cast<ReceiveOp*>(base);
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
  ad::socket_type socket_;
  net::asio::mutable_buffer buffer_;
  Handler handler_;
  ad::handler_work<Handler, IoExecutor> work_;
};

template <class Handler>
void StartReceive(net::tcp::socket& socket, net::asio::mutable_buffer buffer, Handler handler) {
  auto& impl = SocketAccess::Implementation(socket);
  const net::tcp::socket::executor_type io_ex = socket.get_executor();
  const bool is_continuation = boost_asio_handler_cont_helpers::is_continuation(handler);
  using Op = ReceiveOp<Handler, net::tcp::socket::executor_type>;
  typename Op::ptr p = {std::addressof(handler), Op::ptr::allocate(handler), nullptr};
  p.p = new (p.v) Op(impl.socket_, buffer, handler, io_ex);
  ad::reactor& reactor = ReactorOf(socket);
  if ((impl.state_ & ad::socket_ops::non_blocking) != 0 ||
      ad::socket_ops::set_internal_non_blocking(impl.socket_, impl.state_, true, p.p->ec_)) {
    reactor.start_op(ad::reactor::read_op, impl.socket_, impl.reactor_data_, p.p,
                     is_continuation, /*allow_speculative=*/true);
  } else {
    reactor.post_immediate_completion(p.p, is_continuation);
  }
  p.v = p.p = nullptr;
}

}  // namespace socket_receive_detail
#endif

// socket.async_receive(buffer, token), completing with (error_code, bytes) as it does; see above.
// An empty buffer completes at once with no bytes, as Asio's.
template <class Token>
auto AsyncReceive(net::tcp::socket& socket, net::asio::mutable_buffer buffer, Token&& token) {
  auto initiate = [&socket, buffer](auto handler) {
#if defined(WARDEN_DRAIN_AWARE_RECEIVE)
    if (buffer.size() > 0 && !net::asio::get_associated_cancellation_slot(handler).is_connected()) {
      socket_receive_detail::StartReceive(socket, buffer, std::move(handler));
      return;
    }
#endif
    socket.async_receive(buffer, std::move(handler));
  };
  return net::asio::async_initiate<Token, void(net::error_code, std::size_t)>(
      std::move(initiate), token);
}

}  // namespace warden::http
