#include "http/upstream_pool.hpp"

#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include "base/coarse_clock.hpp"
#include "http/inline_io.hpp"

namespace warden::http {

bool StaleConnectionError(const net::error_code& ec) {
  return ec == net::http::error::end_of_stream || ec == net::asio::error::eof ||
         ec == net::asio::error::connection_reset || ec == net::asio::error::broken_pipe;
}

namespace asio = net::asio;
namespace beast = net::beast;

namespace {

net::error_code RegisterForReading(asio::ip::tcp::socket& socket, const asio::ip::tcp& protocol) {
  // Asio registers a connecting socket for EPOLLOUT and never takes that back. Each response then
  // leaves the socket on epoll's ready list after the proxy has read it (its data arrived while
  // the loop was busy), and the next epoll_wait reports it writable: an event per request that
  // wakes nothing. Released and assigned again, the connected socket is registered as an accepted
  // one is, for reading; Asio adds EPOLLOUT back if a write ever has to wait.
  net::error_code ec;
  const int fd = socket.release(ec);
  if (ec) return ec;
  socket.assign(protocol, fd, ec);
  if (ec) ::close(fd);
  return ec;
}

}  // namespace

UpstreamConnection::~UpstreamConnection() {
  if (!head.empty()) OPENSSL_cleanse(head.data(), head.size());
  if (!first_record.empty()) OPENSSL_cleanse(first_record.data(), first_record.size());
}

UpstreamPool::UpstreamPool(asio::any_io_executor executor, std::shared_ptr<net::ssl::context> tls,
                           config::UpstreamConfig cfg)
    : executor_(std::move(executor)), tls_(std::move(tls)), cfg_(cfg) {}

UpstreamPool::~UpstreamPool() = default;

bool UpstreamPool::IdleConnectionHealthy(UpstreamConnection& c) {
  // No syscall here: an idle connection the upstream has closed is detected when the request
  // write or header read fails before any response byte, and retried once on a fresh one.
  return c.buffer.size() == 0 && c.stream.Tcp().socket().is_open();
}

UpstreamConnectionPtr UpstreamPool::TakeIdle(const Origin& origin) {
  const auto found = origins_.find(origin.key);
  if (found == origins_.end() || found->second.idle.empty()) return nullptr;
  OriginState& st = found->second;
  const auto now = CoarseClock::Now();  // idle ages are compared at the tick's resolution
  while (!st.idle.empty()) {
    UpstreamConnectionPtr c = std::move(st.idle.back());
    st.idle.pop_back();
    if (now - c->idle_since < cfg_.pool_idle_timeout && IdleConnectionHealthy(*c)) {
      c->reused = true;
      return c;
    }
    c->stream.Close();
    --st.open;
  }
  return nullptr;
}

net::Task<Result<UpstreamConnectionPtr>> UpstreamPool::Acquire(const Origin& origin) {
  if (UpstreamConnectionPtr idle = TakeIdle(origin)) co_return idle;
  OriginState& st = origins_[origin.key];
  const auto now = std::chrono::steady_clock::now();
  const auto deadline = now + cfg_.connect_timeout;
  while (st.open >= cfg_.max_connections_per_origin) {
    asio::steady_timer timer(executor_, deadline);
    st.waiters.push_back(&timer);
    auto [ec] = co_await timer.async_wait(net::kUseTuple);
    // Woken by WakeOne (cancel → operation_aborted) or timed out; remove ourselves if still queued.
    auto& w = origins_[origin.key].waiters;
    if (auto it = std::find(w.begin(), w.end(), &timer); it != w.end()) w.erase(it);
    if (!ec) {
      co_return Error::Make(ErrorCode::kUpstreamBusy,
                            "all " + std::to_string(cfg_.max_connections_per_origin) +
                                " connections to " + origin.key + " are busy",
                            origin.key);
    }
    OriginState& again = origins_[origin.key];
    if (!again.idle.empty()) {
      UpstreamConnectionPtr c = std::move(again.idle.back());
      again.idle.pop_back();
      if (IdleConnectionHealthy(*c)) {
        c->reused = true;
        co_return c;
      }
      c->stream.Close();
      --again.open;
    }
  }
  ++origins_[origin.key].open;
  auto conn = co_await Connect(origin);
  if (!conn) {
    OriginState& s = origins_[origin.key];
    --s.open;
    WakeOne(s);
  }
  co_return conn;
}

net::Task<Result<UpstreamConnectionPtr>> UpstreamPool::Connect(const Origin& origin) {
  beast::tcp_stream tcp(executor_);
  asio::ip::tcp::resolver resolver(executor_);
  auto flags = origin.HostIsIpLiteral() ? asio::ip::resolver_base::numeric_host
                                        : asio::ip::resolver_base::flags();
  // connect_timeout covers name resolution too: a resolver that hangs must not hold the request
  // (getaddrinfo itself cannot be interrupted; cancelling abandons its answer).
  tcp.expires_after(cfg_.connect_timeout);
  auto resolving = std::make_shared<bool>(true);
  asio::steady_timer dns_deadline(executor_, cfg_.connect_timeout);
  dns_deadline.async_wait([resolving, &resolver](const net::error_code& ec) {
    if (!ec && *resolving) resolver.cancel();  // the flag: the resolver may be gone otherwise
  });
  auto [rec, endpoints] = co_await resolver.async_resolve(origin.host, std::to_string(origin.port),
                                                          flags, net::kUseTuple);
  *resolving = false;
  dns_deadline.cancel();
  if (rec == asio::error::operation_aborted) {
    co_return Error::Make(ErrorCode::kUpstreamTimeout, "timed out resolving " + origin.host,
                          origin.key);
  }
  if (rec) {
    co_return Error::Make(ErrorCode::kUpstreamConnect,
                          "cannot resolve " + origin.host + ": " + rec.message(), origin.key);
  }
  auto [cec, ep] = co_await tcp.async_connect(endpoints, net::kUseTuple);
  if (cec) {
    bool timeout = cec == beast::error::timeout;
    co_return Error::Make(timeout ? ErrorCode::kUpstreamTimeout : ErrorCode::kUpstreamConnect,
                          (timeout ? "timed out connecting to " : "cannot connect to ") +
                              origin.key + (timeout ? "" : ": " + cec.message()),
                          origin.key);
  }
  tcp.socket().set_option(asio::ip::tcp::no_delay(true));
  if (net::error_code reg = RegisterForReading(tcp.socket(), ep.protocol())) {
    co_return Error::Make(ErrorCode::kUpstreamConnect,
                          "cannot connect to " + origin.key + ": " + reg.message(), origin.key);
  }
  UpstreamConnectionPtr conn;
  if (!origin.tls) {
    tcp.expires_never();
    conn = std::make_unique<UpstreamConnection>(AnyStream(std::move(tcp)));
  } else {
    AnyStream::TlsStream tls(std::move(tcp), *tls_);
    // Asio sets SSL_MODE_RELEASE_BUFFERS, which frees OpenSSL's record buffers whenever they
    // are empty: on a pooled connection that is two ~17 KiB allocations (and a zeroed one) per
    // request. A pooled connection keeps them instead (about 34 KiB each, for a pool whose
    // idle connections are bounded); callers' TLS connections keep Asio's default.
    SSL_clear_mode(tls.native_handle(), SSL_MODE_RELEASE_BUFFERS);
    if (!origin.HostIsIpLiteral()) {
      // SNI, so virtual-hosted providers present the right certificate.
      SSL_set_tlsext_host_name(tls.native_handle(), origin.host.c_str());
    }
    tls.set_verify_callback(net::ssl::host_name_verification(origin.host));
    auto [hec] = co_await tls.async_handshake(net::ssl::stream_base::client, net::kUseTuple);
    if (hec) {
      bool timeout = hec == beast::error::timeout;
      co_return Error::Make(
          timeout ? ErrorCode::kUpstreamTimeout : ErrorCode::kUpstreamTls,
          (timeout ? "timed out in the TLS handshake with " : "TLS handshake with ") + origin.key +
              (timeout ? "" : " failed: " + hec.message()),
          origin.key);
    }
    beast::get_lowest_layer(tls).expires_never();
    conn = std::make_unique<UpstreamConnection>(AnyStream(std::move(tls)));
  }
  conn->origin_key = origin.key;
  co_return conn;
}

void UpstreamPool::Release(UpstreamConnectionPtr conn) {
  OriginState& st = origins_[conn->origin_key];
  const auto now = CoarseClock::Now();
  CloseExpired(st, now);
  conn->idle_since = now;
  conn->stream.Tcp().expires_never();
  ShrinkIdleBuffer(conn->buffer);
  st.idle.push_back(std::move(conn));
  WakeOne(st);
}

void UpstreamPool::CloseExpired(OriginState& st, std::chrono::steady_clock::time_point now) {
  // The idle list is in release order (TakeIdle takes from its back), so the connections idle
  // for pool_idle_timeout or longer are a prefix of it.
  auto kept = st.idle.begin();
  for (; kept != st.idle.end() && now - (*kept)->idle_since >= cfg_.pool_idle_timeout; ++kept) {
    (*kept)->stream.Close();
    --st.open;
    WakeOne(st);
  }
  st.idle.erase(st.idle.begin(), kept);
}

void UpstreamPool::Discard(UpstreamConnectionPtr conn) {
  if (!conn) return;
  OriginState& st = origins_[conn->origin_key];
  conn->stream.Close();
  --st.open;
  WakeOne(st);
}

void UpstreamPool::WakeOne(OriginState& st) {
  if (st.waiters.empty()) return;
  asio::steady_timer* t = st.waiters.front();
  st.waiters.pop_front();
  t->cancel();
}

}  // namespace warden::http
