#include "http/caller_readiness.hpp"

#include <array>
#include <boost/asio/any_completion_handler.hpp>
#include <utility>

#include "http/socket_receive.hpp"

namespace warden::http {

// (Boost 1.81's move assignment of any_completion_handler wraps the handler in itself, endlessly:
// only its move constructor, swap and `= nullptr` are used here.)
using Waiter = net::asio::any_completion_handler<void(net::error_code)>;

struct CallerReadiness::State {
  net::beast::flat_buffer* buffer =
      nullptr;  // the session's; null once the CallerReadiness is gone
  bool tls = false;
  bool pending = false;
  std::uint64_t receive = 0;  // the pending receive's number: a cancelled one's is stale
  std::optional<net::error_code> result;  // a completion not yet taken
  Listener* listener = nullptr;
  Waiter waiter;  // a session in Wait
  // What the receive reads (TLS: the one byte it peeks at), appended to the session's buffer when
  // it completes: the session's buffer stays free to shrink while the receive is pending.
  std::array<char, kReceiveBytes> bytes;
};

// The pending receive's handler. If Asio destroys it without calling it (its event loop is torn
// down with the session still waiting), it drops the waiter, whose coroutine frame holds this
// state: otherwise frame and state would keep each other alive.
class CallerReadiness::PendingReceive {
 public:
  PendingReceive(std::shared_ptr<State> st, std::uint64_t receive)
      : st_(std::move(st)), receive_(receive) {}
  PendingReceive(PendingReceive&& other) noexcept = default;
  PendingReceive& operator=(PendingReceive&&) = delete;
  ~PendingReceive() {
    if (!st_ || called_ || receive_ != st_->receive) return;
    st_->pending = false;
    st_->waiter = nullptr;
  }

  void operator()(const net::error_code& ec, std::size_t n) {
    called_ = true;
    const std::shared_ptr<State> st = st_;  // a resumed waiter may end the session
    if (receive_ != st->receive) return;    // cancelled by Cancel()
    st->pending = false;
    if (st->buffer == nullptr) return;
    Complete(*st, ec, n);
  }

 private:
  std::shared_ptr<State> st_;
  std::uint64_t receive_;
  bool called_ = false;
};

CallerReadiness::CallerReadiness(AnyStream& stream, net::beast::flat_buffer& buffer)
    : stream_(stream), state_(std::make_shared<State>()) {
  state_->buffer = &buffer;
  state_->tls = stream.IsTls();
}

CallerReadiness::~CallerReadiness() {
  State& s = *state_;
  s.buffer = nullptr;
  s.listener = nullptr;
  if (s.pending) {
    net::error_code ignored;
    stream_.Tcp().socket().cancel(ignored);  // the receive must not write into the buffer
  }
}

void CallerReadiness::Start() {
  State& s = *state_;
  if (s.pending || s.result) return;
  auto& socket = stream_.Tcp().socket();
  PendingReceive handler(state_, ++s.receive);
  if (s.tls) {
    s.pending = true;
    socket.async_receive(net::asio::buffer(s.bytes.data(), 1), net::tcp::socket::message_peek,
                         std::move(handler));
    return;
  }
  if (s.buffer->max_size() - s.buffer->size() < kReceiveBytes) return;
  s.pending = true;
  AsyncReceive(socket, net::asio::buffer(s.bytes), std::move(handler));
}

bool CallerReadiness::pending() const { return state_->pending; }

void CallerReadiness::Unlisten() { state_->listener = nullptr; }

void CallerReadiness::Cancel() {
  State& s = *state_;
  // A success's bytes are in the buffer, for the session to serve; an end of stream or error is
  // kept, so the wait after them returns it (a new receive would not be tried at once: Asio
  // marks the socket's reads exhausted after an end of stream, and would wait for an edge the
  // kernel already delivered).
  if (s.result && !*s.result) s.result.reset();
  if (!s.pending) return;
  s.pending = false;
  ++s.receive;  // its aborted completion is stale
  net::error_code ignored;
  stream_.Tcp().socket().cancel(ignored);
}

void CallerReadiness::Complete(State& s, const net::error_code& ec, std::size_t n) {
  if (!ec && !s.tls) {
    // Room for kReceiveBytes was checked at Start, and only the session adds to its buffer,
    // after the receive completed.
    s.buffer->commit(net::asio::buffer_copy(s.buffer->prepare(n), net::asio::buffer(s.bytes, n)));
  }
  s.result = ec;
  Notify(s, ec);
}

void CallerReadiness::Notify(State& s, const net::error_code& ec) {
  if (s.listener != nullptr) s.listener->OnCallerReadable(ec);
  if (s.waiter) {
    Waiter waiter(std::move(s.waiter));
    std::move(waiter)(ec);  // resumes the session here, on its own event loop
  }
}

bool CallerReadiness::Ready() {
  Start();
  // No result and nothing pending: no receive could start (the buffer is full of read-ahead), so
  // the bytes to serve are already there.
  return state_->result.has_value() || !state_->pending;
}

net::asio::awaitable<std::tuple<net::error_code>> CallerReadiness::Completion() {
  State& s = *state_;
  auto initiate = [&s](auto handler) { Waiter(std::move(handler)).swap(s.waiter); };
  return net::asio::async_initiate<decltype(net::kUseTuple), void(net::error_code)>(initiate,
                                                                                    net::kUseTuple);
}

net::error_code CallerReadiness::Take() {
  State& s = *state_;
  const net::error_code ec = s.result.value_or(net::error_code{});
  s.result.reset();
  return ec;
}

net::Task<net::error_code> CallerReadiness::Wait() {
  if (!Ready()) co_await Completion();
  co_return Take();
}

void CallerReadiness::Listen(Listener& listener) {
  State& s = *state_;
  s.listener = &listener;
  Start();
  if (!s.result) return;
  net::asio::post(stream_.get_executor(), [st = state_, ec = *s.result, &listener] {
    if (st->listener == &listener) st->listener->OnCallerReadable(ec);
  });
}

}  // namespace warden::http
