#include "http/socket_receive.hpp"

#include <atomic>
#include <cstdint>

#include <boost/asio/detail/concurrency_hint.hpp>
#include <boost/asio/detail/scheduler.hpp>

namespace warden::http {

#if defined(WARDEN_DRAIN_AWARE_RECEIVE)
namespace socket_receive_detail {

namespace {
// Bumped when a loop's DrainChecks is destroyed: a thread's cached lookup is valid only for the
// count it was made under (a test's next io_context may be built where the last one was).
std::atomic<std::uint64_t> g_destroyed_checks{0};
}  // namespace

// The receives of one io_context that were queued without a try, oldest first, and the timer
// that checks them. Each is checked once, at the first tick after a whole interval has passed
// since it was watched.
class DrainChecks : public net::asio::execution_context::service {
 public:
  static inline net::asio::execution_context::id id;

  explicit DrainChecks(net::asio::io_context& ioc)
      : service(ioc),
        reactor_(net::asio::use_service<ad::reactor>(ioc)),
        timer_(ioc),
        one_thread_(OneThread(net::asio::use_service<ad::scheduler>(ioc).concurrency_hint())) {}
  ~DrainChecks() override { g_destroyed_checks.fetch_add(1, std::memory_order_relaxed); }

  ad::reactor& reactor() { return reactor_; }
  // Whether the loop is made for one thread: the only kind the operation and these lists serve.
  bool one_thread() const { return one_thread_; }
  void set_interval(std::chrono::milliseconds interval) { interval_ = interval; }

  void Watch(WatchedReceive& op) {
    op.checks_ = this;
    op.generation_ = generation_;
    op.prev_ = tail_;
    op.next_ = nullptr;
    (tail_ != nullptr ? tail_->next_ : head_) = &op;
    tail_ = &op;
    if (!armed_) Arm();
  }

  void Unwatch(WatchedReceive& op) {
    (op.prev_ != nullptr ? op.prev_->next_ : head_) = op.next_;
    (op.next_ != nullptr ? op.next_->prev_ : tail_) = op.prev_;
    op.prev_ = op.next_ = nullptr;
    op.checks_ = nullptr;
  }

 private:
  void shutdown() override {
    // The operations still watched are destroyed with the reactor's queues, after this.
    while (head_ != nullptr) Unwatch(*head_);
    armed_ = false;
  }

  void Arm() {
    armed_ = true;
    timer_.expires_after(interval_);
    timer_.async_wait([this](const net::error_code& ec) {
      if (ec) return;  // the loop is going away
      armed_ = false;
      Tick();
    });
  }

  void Tick() {
    // Watched before this tick's generation began: a whole interval ago at least.
    while (head_ != nullptr && head_->generation_ < generation_) {
      WatchedReceive& op = *head_;
      Unwatch(op);
      // Still queued and never tried: the reactor neither performed nor cancelled it.
      if (!op.tried_ && !op.ec_) op.CheckNow(reactor_);
    }
    ++generation_;
    if (head_ != nullptr) Arm();
  }

  static bool OneThread(int hint) {
    if (hint == 1) return true;
    return BOOST_ASIO_CONCURRENCY_HINT_IS_SPECIAL(hint) &&
           (!BOOST_ASIO_CONCURRENCY_HINT_IS_LOCKING(SCHEDULER, hint) ||
            !BOOST_ASIO_CONCURRENCY_HINT_IS_LOCKING(REACTOR_IO, hint));
  }

  ad::reactor& reactor_;
  net::asio::steady_timer timer_;
  const bool one_thread_;
  std::chrono::milliseconds interval_ = kDrainCheckInterval;
  bool armed_ = false;
  std::uint64_t generation_ = 0;
  WatchedReceive* head_ = nullptr;
  WatchedReceive* tail_ = nullptr;
};

ad::reactor_op::status WatchedReceive::Perform(reactor_op* base) {
  auto* op = static_cast<WatchedReceive*>(base);
  op->tried_ = true;
  if (!ad::socket_ops::non_blocking_recv1(op->socket_, op->buffer_.data(), op->buffer_.size(), 0,
                                          /*is_stream=*/true, op->ec_, op->bytes_transferred_)) {
    return not_done;  // EAGAIN: wait for the edge
  }
  // Fewer bytes than asked (an end of stream and an error read none): the queue is empty.
  return op->bytes_transferred_ < op->buffer_.size() ? done_and_exhausted : done;
}

void WatchedReceive::CheckNow(ad::reactor& reactor) {
  net::error_code ec;
  std::size_t n = 0;
  if (!ad::socket_ops::non_blocking_recv1(socket_, buffer_.data(), buffer_.size(), 0,
                                          /*is_stream=*/true, ec, n)) {
    return;  // nothing was waiting without its edge: the reactor's wait stands
  }
  checked_ = true;
  checked_ec_ = ec;
  checked_bytes_ = n;
  // Taken back from the reactor's queue (as a cancellation, which TakeCheckedResult overrides).
  reactor.cancel_ops_by_key(socket_, descriptor_, ad::reactor::read_op, this);
}

void WatchedReceive::Unwatch() {
  if (checks_ != nullptr) checks_->Unwatch(*this);
}

DrainChecks* DrainChecksOf(net::tcp::socket& socket) {
  struct Cached {
    const net::asio::io_context* context = nullptr;
    DrainChecks* checks = nullptr;
    std::uint64_t destroyed = 0;
  };
  thread_local Cached cached;
  const auto* executor = socket.get_executor().target<net::asio::io_context::executor_type>();
  if (executor == nullptr) return nullptr;  // not an io_context's socket
  net::asio::io_context& ioc = executor->context();
  const std::uint64_t destroyed = g_destroyed_checks.load(std::memory_order_relaxed);
  if (cached.context == &ioc && cached.destroyed == destroyed) return cached.checks;
  DrainChecks& checks = net::asio::use_service<DrainChecks>(ioc);
  cached = Cached{&ioc, checks.one_thread() ? &checks : nullptr, destroyed};
  return cached.checks;
}

ad::reactor& ReactorOf(DrainChecks& checks) { return checks.reactor(); }

void WatchIfUntried(DrainChecks& checks, WatchedReceive& op) {
  if (!op.tried() && !op.ec_) checks.Watch(op);
}

}  // namespace socket_receive_detail
#endif

void SetDrainCheckInterval(net::asio::io_context& ioc, std::chrono::milliseconds interval) {
#if defined(WARDEN_DRAIN_AWARE_RECEIVE)
  net::asio::use_service<socket_receive_detail::DrainChecks>(ioc).set_interval(interval);
#else
  (void)ioc;
  (void)interval;
#endif
}

}  // namespace warden::http
