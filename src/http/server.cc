#include "http/server.hpp"

#include <sys/socket.h>

#include <array>
#include <thread>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "config/bind_address.hpp"
#include "http/any_stream.hpp"
#include "http/deadline.hpp"
#include "http/tls_context.hpp"
#include "http/upstream_pool.hpp"
#include "observe/access_log.hpp"

namespace warden::http {

namespace asio = net::asio;
namespace beast = net::beast;
namespace bhttp = net::http;

namespace {

// What Shutdown() needs to know about a live session.
struct SessionState {
  AnyStream* stream = nullptr;
  bool idle = true;  // waiting for (or reading) a request header: safe to close on shutdown
};

}  // namespace

struct Server::Worker {
  Worker(const Options& options, Handler& handler, observe::Metrics& metrics,
         const std::atomic<bool>& draining)
      : options(options), handler(handler), metrics(metrics), draining(draining) {}

  const Options& options;  // owned by the Server, which outlives its workers
  Handler& handler;
  observe::Metrics& metrics;
  const std::atomic<bool>& draining;
  asio::io_context ioc{1};
  asio::ip::tcp::acceptor acceptor{ioc};
  std::unique_ptr<UpstreamPool> pool;
  std::thread thread;
  std::unordered_set<SessionState*> sessions;
  std::unique_ptr<asio::steady_timer> grace_timer;
  bool stopping = false;
};

bool IsLoopback(const asio::ip::address& a) {
  // One definition of "loopback" for binds and peers: config::BindAddress's.
  return config::BindAddress{a.to_string(), 0}.IsLoopback();
}

Result<net::tcp::endpoint> ParseBind(const std::string& bind) {
  auto parsed = config::ParseBindAddress(bind);
  if (!parsed) return Error::InvalidConfig("gateway.bind", parsed.error().message);
  std::string host = beast::iequals(parsed->host, "localhost") ? "127.0.0.1" : parsed->host;
  net::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return Error::InvalidConfig("gateway.bind", "\"" + host + "\" is not an IP address");
  return net::tcp::endpoint(addr, parsed->port);
}

namespace {

using Worker = Server::Worker;

// Whether the bytes read ahead already hold a complete request header: then reading it needs no
// I/O and no deadline.
bool HeaderBuffered(const net::beast::flat_buffer& buffer) {
  auto data = buffer.data();
  std::string_view bytes(static_cast<const char*>(data.data()), data.size());
  return bytes.find("\r\n\r\n") != std::string_view::npos;
}

// Reads and discards what the client is still sending (bounded), so that closing right after
// an early error response (413, 400) does not reset the connection before the client has read it.
net::Task<void> LingeringClose(AnyStream& stream) {
  net::error_code ec;
  stream.Tcp().socket().shutdown(net::tcp::socket::shutdown_send, ec);
  std::array<char, 16384> sink;
  std::size_t drained = 0;
  stream.Tcp().expires_after(std::chrono::seconds(2));
  while (drained < (8u << 20)) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), net::kUseTuple);
    if (rec) break;
    drained += n;
  }
}

bool QuietClose(const net::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
         ec == beast::error::timeout || ec == asio::error::bad_descriptor;
}

std::string BodyTooLarge(const config::GatewayConfig& limits) {
  return "request body exceeds gateway.max_body_bytes (" + std::to_string(limits.max_body_bytes) +
         " bytes)";
}

// How a failed header read is answered; nullopt = close quietly (the caller went away or
// idled out). `linger` is set when the client may still be sending.
std::optional<FramingError> HeaderReadError(const net::error_code& ec,
                                            const config::GatewayConfig& limits, bool timed_out,
                                            bool got_some, bool& linger) {
  linger = true;
  if (ec == bhttp::error::header_limit) {
    return FramingError{431, "header_too_large",
                        "request header exceeds " + std::to_string(limits.max_header_bytes) +
                            " bytes"};
  }
  // Content-Length above the cap: refused before any of the body is read.
  if (ec == bhttp::error::body_limit) return FramingError{413, "request_too_large", BodyTooLarge(limits)};
  linger = false;
  if (timed_out && got_some) {
    return FramingError{408, "request_timeout",
                        "request header not received within " +
                            std::to_string(limits.header_timeout.count()) + "ms"};
  }
  if (QuietClose(ec) || timed_out) return std::nullopt;
  linger = true;
  return FramingError{400, "bad_request", "malformed HTTP request: " + ec.message()};
}

std::optional<FramingError> BodyReadError(const net::error_code& ec,
                                          const config::GatewayConfig& limits, bool timed_out,
                                          bool& linger) {
  linger = true;
  if (ec == bhttp::error::body_limit) return FramingError{413, "request_too_large", BodyTooLarge(limits)};
  linger = false;
  if (timed_out) {
    return FramingError{408, "request_timeout",
                        "request body not received within " +
                            std::to_string(limits.body_timeout.count()) + "ms"};
  }
  if (QuietClose(ec)) return std::nullopt;
  linger = true;
  return FramingError{400, "bad_request", "malformed request body: " + ec.message()};
}

// Framing the header alone decides: the version and request smuggling (RFC 9112 §6.3: a
// message must not carry both framings).
std::optional<FramingError> CheckFraming(const RequestHeader& header) {
  if (header.version() != 11 && header.version() != 10) {
    return FramingError{505, "http_version_not_supported", "use HTTP/1.1"};
  }
  if (header.find(bhttp::field::transfer_encoding) != header.end() &&
      header.find(bhttp::field::content_length) != header.end()) {
    return FramingError{400, "bad_request", "both Content-Length and Transfer-Encoding are present"};
  }
  return std::nullopt;
}

// Registers a session with its worker for the session's lifetime.
class SessionRegistration {
 public:
  SessionRegistration(Worker& w, SessionState& s) : w_(w), s_(s) { w_.sessions.insert(&s_); }
  ~SessionRegistration() { w_.sessions.erase(&s_); }
  SessionRegistration(const SessionRegistration&) = delete;
  SessionRegistration& operator=(const SessionRegistration&) = delete;

 private:
  Worker& w_;
  SessionState& s_;
};

// The TLS handshake when serving HTTPS; the plain stream otherwise. nullopt: handshake failed.
net::Task<std::optional<AnyStream>> OpenStream(Worker& w, net::tcp::socket socket) {
  beast::tcp_stream tcp(std::move(socket));
  if (!w.options.server_tls) co_return std::optional<AnyStream>(std::in_place, std::move(tcp));
  AnyStream::TlsStream tls(std::move(tcp), *w.options.server_tls);
  beast::get_lowest_layer(tls).expires_after(w.options.limits.header_timeout);
  auto [ec] = co_await tls.async_handshake(net::ssl::stream_base::server, net::kUseTuple);
  if (ec) co_return std::nullopt;
  co_return std::optional<AnyStream>(std::in_place, std::move(tls));
}

// Keep-alive idle wait: the first byte of the next request may take idle_timeout, then the
// header must be complete within header_timeout (a slow client cannot hold the session).
net::Task<bool> AwaitNextRequest(AnyStream& stream, beast::flat_buffer& buffer,
                                 std::chrono::milliseconds idle_timeout) {
  stream.Tcp().expires_after(idle_timeout);
  auto prepared = buffer.prepare(4096);
  auto [ec, n] = co_await stream.async_read_some(prepared, net::kUseTuple);
  if (ec) co_return false;
  buffer.commit(n);
  co_return true;
}

// Reads one request (header, handler's OnHeader, body) and hands it to OnRequest. Returns
// whether the session may read the next request.
net::Task<bool> ServeOneRequest(Worker& w, AnyStream& stream, beast::flat_buffer& buffer,
                                Deadline& deadline, ConnectionHandler& handler,
                                SessionState& state) {
  const auto& limits = w.options.limits;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
  stream.Tcp().expires_never();
  if (!HeaderBuffered(buffer)) deadline.Arm(limits.header_timeout, stream);
  auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, parser, net::kUseTuple);
  deadline.Disarm();
  bool linger = false;
  if (hec) {
    auto error = HeaderReadError(hec, limits, deadline.fired(), parser.got_some(), linger);
    if (error) co_await handler.OnFramingError("/", std::move(*error));
    if (linger) co_await LingeringClose(stream);
    co_return false;
  }
  state.idle = false;
  const auto& header = parser.get();
  if (auto error = CheckFraming(header)) {
    co_await handler.OnFramingError(header.target(), std::move(*error));
    co_return false;
  }
  if (!co_await handler.OnHeader(header)) co_return false;
  // Usually the body arrived with the header: then no deadline is needed to read it.
  const auto remaining = parser.content_length();
  if (!parser.is_done() && !(remaining && buffer.size() >= *remaining)) {
    deadline.Arm(limits.body_timeout, stream);
  }
  auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, net::kUseTuple);
  deadline.Disarm();
  if (bec) {
    auto error = BodyReadError(bec, limits, deadline.fired(), linger);
    if (error) co_await handler.OnFramingError(header.target(), std::move(*error));
    if (linger) co_await LingeringClose(stream);
    co_return false;
  }
  Request request = parser.release();
  co_return co_await handler.OnRequest(request);
}

net::Task<void> RunSession(Worker& w, net::tcp::socket socket) {
  net::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  if (ec) co_return;
  socket.set_option(net::tcp::no_delay(true), ec);
  std::optional<AnyStream> opened = co_await OpenStream(w, std::move(socket));
  if (!opened) co_return;
  AnyStream& stream = *opened;
  beast::flat_buffer buffer;
  SessionState state{&stream, true};
  SessionRegistration registration(w, state);
  Connection connection{stream, buffer, *w.pool, peer.address().to_string(),
                        IsLoopback(peer.address()), w.draining};
  std::unique_ptr<ConnectionHandler> handler = w.handler.Open(connection);
  Deadline deadline(stream.get_executor());
  for (bool first = true;; first = false) {
    if (w.stopping || w.draining.load(std::memory_order_relaxed)) break;
    state.idle = true;
    if (!first && buffer.size() == 0 &&
        !co_await AwaitNextRequest(stream, buffer, w.options.limits.idle_timeout)) {
      break;
    }
    if (!co_await ServeOneRequest(w, stream, buffer, deadline, *handler, state)) break;
  }
  // Half-close so a response in flight is not cut by an RST, then close.
  stream.Tcp().socket().shutdown(net::tcp::socket::shutdown_send, ec);
  stream.Tcp().close();
}

void LogEscaped(std::exception_ptr e, observe::Metrics& metrics, const char* where) {
  if (!e) return;
  metrics.CountEscapedException(where);
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("{}: unexpected exception: {}", where, ex.what());
  } catch (...) {
    spdlog::error("{}: unexpected exception", where);
  }
}

net::Task<void> AcceptLoop(Worker& w) {
  for (;;) {
    auto [ec, socket] = co_await w.acceptor.async_accept(net::kUseTuple);
    if (ec) {
      if (w.stopping || ec == asio::error::operation_aborted) co_return;
      // Out of descriptors or a transient error: back off briefly instead of spinning.
      spdlog::warn("accept failed: {}", ec.message());
      asio::steady_timer backoff(w.ioc, std::chrono::milliseconds(50));
      co_await backoff.async_wait(net::kUseTuple);
      continue;
    }
    asio::co_spawn(w.ioc, RunSession(w, std::move(socket)), [&w](std::exception_ptr e) {
      LogEscaped(e, w.metrics, "session");
      if (w.stopping && w.sessions.empty() && w.grace_timer) w.grace_timer->cancel();
    });
  }
}

// Flushes this loop's access-log buffer periodically (the loop owns the thread-local buffer).
net::Task<void> FlushAccessLog(const bool& stopping) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!stopping) {
    timer.expires_after(observe::AccessLog::kFlushInterval);
    co_await timer.async_wait(net::kUseTuple);
    observe::AccessLog::Flush();
  }
}

}  // namespace

Server::Server(Options options, Handler& handler, observe::Metrics& metrics)
    : options_(std::move(options)),
      handler_(handler),
      metrics_(metrics),
      client_tls_(MakeClientTlsContext()) {}

Server::~Server() {
  Shutdown();
  Wait();
}

Result<void> Server::Start() {
  auto ep = ParseBind(options_.bind);
  if (!ep) return ep.error();
  int threads = options_.threads > 0 ? options_.threads
                                     : int(std::max(1u, std::thread::hardware_concurrency()));
  endpoint_ = *ep;
  for (int i = 0; i < threads; ++i) {
    auto w = std::make_unique<Worker>(options_, handler_, metrics_, draining_);
    net::error_code ec;
    w->acceptor.open(endpoint_.protocol(), ec);
    if (!ec) w->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) {
      int one = 1;
      if (::setsockopt(w->acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
        ec = net::error_code(errno, boost::system::system_category());
    }
    if (!ec) w->acceptor.bind(endpoint_, ec);
    if (!ec) w->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Error::Make(ErrorCode::kBindFailed, "cannot listen on " + options_.bind + ": " + ec.message(), options_.bind);
    if (i == 0) endpoint_ = w->acceptor.local_endpoint();  // port 0 → the port the kernel chose
    w->pool = std::make_unique<UpstreamPool>(w->ioc.get_executor(), client_tls_, options_.limits.upstream);
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) {
    Worker* wp = w.get();
    asio::co_spawn(wp->ioc, AcceptLoop(*wp),
                   [this](std::exception_ptr e) { LogEscaped(e, metrics_, "accept loop"); });
    asio::co_spawn(wp->ioc, FlushAccessLog(wp->stopping), asio::detached);
    wp->thread = std::thread([wp] {
      wp->ioc.run();
      observe::AccessLog::Flush();
    });
  }
  return Ok();
}

net::tcp::endpoint Server::LocalEndpoint() const { return endpoint_; }

void Server::Shutdown() {
  draining_.store(true);
  for (auto& w : workers_) {
    Worker* wp = w.get();
    asio::post(wp->ioc, [wp, grace = options_.limits.shutdown_grace] {
      if (wp->stopping) return;
      wp->stopping = true;
      net::error_code ec;
      wp->acceptor.close(ec);
      std::vector<SessionState*> busy;
      for (SessionState* s : wp->sessions) {
        if (s->idle) s->stream->Close();  // nothing in flight: close now
        else busy.push_back(s);
      }
      if (busy.empty()) return;
      wp->grace_timer = std::make_unique<asio::steady_timer>(wp->ioc, grace);
      wp->grace_timer->async_wait([wp](net::error_code ec) {
        if (ec) return;  // all sessions finished in time
        if (!wp->sessions.empty())
          spdlog::warn("shutdown grace period over; closing {} connection(s)", wp->sessions.size());
        for (SessionState* s : wp->sessions) s->stream->Close();
      });
    });
  }
}

void Server::Wait() {
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

}  // namespace warden::http
