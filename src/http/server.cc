#include "http/server.hpp"

#include <sys/socket.h>

#include <array>
#include <thread>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "http/any_stream.hpp"
#include "http/deadline.hpp"
#include "http/tls_context.hpp"
#include "http/upstream_pool.hpp"
#include "observe/access_log.hpp"
#include "proxy/pipeline.hpp"

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
  asio::io_context ioc{1};
  asio::ip::tcp::acceptor acceptor{ioc};
  std::unique_ptr<UpstreamPool> pool;
  std::thread thread;
  std::unordered_set<SessionState*> sessions;
  std::unique_ptr<asio::steady_timer> grace_timer;
  bool stopping = false;
};

bool IsLoopback(const asio::ip::address& a) {
  if (a.is_v4()) return (a.to_v4().to_uint() >> 24) == 127;
  if (a.is_v6()) {
    const auto v6 = a.to_v6();
    if (v6.is_loopback()) return true;
    if (v6.is_v4_mapped()) return (asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_uint() >> 24) == 127;
  }
  return false;
}

Result<net::tcp::endpoint> ParseBind(const std::string& bind) {
  std::string host;
  std::string port;
  if (!bind.empty() && bind.front() == '[') {
    auto close = bind.find(']');
    if (close == std::string::npos || close + 1 >= bind.size() || bind[close + 1] != ':')
      return Error::InvalidConfig("gateway.bind", "expected [v6-address]:port, got \"" + bind + "\"");
    host = bind.substr(1, close - 1);
    port = bind.substr(close + 2);
  } else {
    auto colon = bind.rfind(':');
    if (colon == std::string::npos)
      return Error::InvalidConfig("gateway.bind", "expected host:port, got \"" + bind + "\"");
    host = bind.substr(0, colon);
    port = bind.substr(colon + 1);
  }
  if (host == "localhost") host = "127.0.0.1";
  net::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return Error::InvalidConfig("gateway.bind", "\"" + host + "\" is not an IP address");
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p < 0 || p > 65535)
    return Error::InvalidConfig("gateway.bind", "\"" + port + "\" is not a port number");
  return net::tcp::endpoint(addr, static_cast<unsigned short>(p));
}

namespace {

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

net::Task<void> RunSession(Server::Options const& opts, proxy::GatewayState& gw, UpstreamPool& pool,
                           std::unordered_set<SessionState*>& sessions, bool& stopping,
                           net::tcp::socket socket,
                           std::shared_ptr<net::ssl::context> server_tls) {
  net::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  if (ec) co_return;
  socket.set_option(net::tcp::no_delay(true), ec);
  beast::tcp_stream tcp(std::move(socket));
  const auto& limits = opts.limits;
  std::optional<AnyStream> stream_holder;
  if (server_tls) {
    AnyStream::TlsStream tls(std::move(tcp), *server_tls);
    beast::get_lowest_layer(tls).expires_after(limits.header_timeout);
    auto [hec] = co_await tls.async_handshake(net::ssl::stream_base::server, net::kUseTuple);
    if (hec) co_return;
    stream_holder.emplace(std::move(tls));
  } else {
    stream_holder.emplace(std::move(tcp));
  }
  AnyStream& stream = *stream_holder;
  beast::flat_buffer buffer;
  SessionState state{&stream, true};
  sessions.insert(&state);
  struct Unregister {
    std::unordered_set<SessionState*>& set;
    SessionState* s;
    ~Unregister() { set.erase(s); }
  } unregister{sessions, &state};

  proxy::ClientContext ctx{stream, buffer, pool, gw, peer.address().to_string(), IsLoopback(peer.address())};
  Deadline deadline(stream.get_executor());
  bool first = true;
  for (;;) {
    if (stopping || gw.draining.load(std::memory_order_relaxed)) break;
    state.idle = true;
    if (!first && buffer.size() == 0) {
      // Keep-alive idle wait: the first byte of the next request may take idle_timeout, then the
      // header must be complete within header_timeout (a slow client cannot hold the session).
      stream.Tcp().expires_after(limits.idle_timeout);
      auto prepared = buffer.prepare(4096);
      auto [rec, rn] = co_await stream.async_read_some(prepared, net::kUseTuple);
      if (rec) break;
      buffer.commit(rn);
    }
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    stream.Tcp().expires_never();
    if (!HeaderBuffered(buffer)) deadline.Arm(limits.header_timeout, stream);
    auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, parser, net::kUseTuple);
    deadline.Disarm();
    if (hec) {
      bool linger = false;
      if (hec == bhttp::error::header_limit) {
        co_await proxy::WriteError(ctx, "/", 431, "header_too_large",
                                   "request header exceeds " + std::to_string(limits.max_header_bytes) +
                                       " bytes",
                                   false);
        linger = true;
      } else if (hec == bhttp::error::body_limit) {
        // Content-Length above the cap: refuse before reading any of it.
        co_await proxy::WriteError(ctx, "/", 413, "request_too_large",
                                   "request body exceeds gateway.max_body_bytes (" +
                                       std::to_string(limits.max_body_bytes) + " bytes)",
                                   false);
        linger = true;
      } else if (deadline.fired() && parser.got_some()) {
        co_await proxy::WriteError(ctx, "/", 408, "request_timeout",
                                   "request header not received within " +
                                       std::to_string(limits.header_timeout.count()) + "ms",
                                   false);
      } else if (!QuietClose(hec) && !deadline.fired()) {
        co_await proxy::WriteError(ctx, "/", 400, "bad_request", "malformed HTTP request: " + hec.message(), false);
        linger = true;
      }
      if (linger) co_await LingeringClose(stream);
      break;
    }
    state.idle = false;
    const auto& header = parser.get();
    if (header.version() != 11 && header.version() != 10) {
      co_await proxy::WriteError(ctx, "/", 505, "http_version_not_supported", "use HTTP/1.1", false);
      break;
    }
    // Request smuggling: a message must not carry both framings (RFC 9112 §6.3).
    if (header.find(bhttp::field::transfer_encoding) != header.end() &&
        header.find(bhttp::field::content_length) != header.end()) {
      co_await proxy::WriteError(ctx, header.target(), 400, "bad_request",
                                 "both Content-Length and Transfer-Encoding are present", false);
      break;
    }
    auto snap = gw.snapshots.Load();
    auto verdict = co_await proxy::CheckBeforeBody(ctx, *snap, header);
    if (!verdict.proceed) break;
    if (beast::iequals(header[bhttp::field::expect], "100-continue")) {
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
      auto [cec, cn] = co_await bhttp::async_write(stream, cont, net::kUseTuple);
      if (cec) break;
    }
    // Usually the body arrived with the header: then no deadline is needed to read it.
    const auto remaining = parser.content_length();
    if (!parser.is_done() && !(remaining && buffer.size() >= *remaining))
      deadline.Arm(limits.body_timeout, stream);
    auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, net::kUseTuple);
    deadline.Disarm();
    if (bec) {
      bool linger = false;
      if (bec == bhttp::error::body_limit) {
        co_await proxy::WriteError(ctx, header.target(), 413, "request_too_large",
                                   "request body exceeds gateway.max_body_bytes (" +
                                       std::to_string(limits.max_body_bytes) + " bytes)",
                                   false);
        linger = true;
      } else if (deadline.fired()) {
        co_await proxy::WriteError(ctx, header.target(), 408, "request_timeout",
                                   "request body not received within " +
                                       std::to_string(limits.body_timeout.count()) + "ms",
                                   false);
      } else if (!QuietClose(bec)) {
        co_await proxy::WriteError(ctx, header.target(), 400, "bad_request",
                                   "malformed request body: " + bec.message(), false);
        linger = true;
      }
      if (linger) co_await LingeringClose(stream);
      break;
    }
    proxy::Request req = parser.release();
    bool keep = co_await proxy::Handle(ctx, std::move(snap), req);
    if (!keep) break;
    first = false;
  }
  // Half-close so a response in flight is not cut by an RST, then close.
  stream.Tcp().socket().shutdown(net::tcp::socket::shutdown_send, ec);
  stream.Tcp().close();
}

void LogEscaped(std::exception_ptr e, proxy::GatewayState& gw, const char* where) {
  if (!e) return;
  gw.metrics.CountEscapedException(where);
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("{}: unexpected exception: {}", where, ex.what());
  } catch (...) {
    spdlog::error("{}: unexpected exception", where);
  }
}

net::Task<void> AcceptLoop(Server::Options const& opts, proxy::GatewayState& gw, void* worker_ptr,
                           std::shared_ptr<net::ssl::context> server_tls);

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

Server::Server(Options options, proxy::GatewayState& gw)
    : options_(std::move(options)), gw_(gw), client_tls_(MakeClientTlsContext()) {}

Server::~Server() {
  Shutdown();
  Wait();
}

Result<void> Server::Start() {
  auto ep = ParseBind(options_.bind);
  if (!ep) return ep.error();
  int threads = options_.threads > 0 ? options_.threads : int(std::max(1u, std::thread::hardware_concurrency()));
  endpoint_ = *ep;
  for (int i = 0; i < threads; ++i) {
    auto w = std::make_unique<Worker>();
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
    if (ec) return Error::Make("BIND_FAILED", "cannot listen on " + options_.bind + ": " + ec.message(), options_.bind);
    if (i == 0) endpoint_ = w->acceptor.local_endpoint();  // port 0 → the port the kernel chose
    w->pool = std::make_unique<UpstreamPool>(w->ioc.get_executor(), client_tls_, options_.limits.upstream);
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) {
    Worker* wp = w.get();
    asio::co_spawn(wp->ioc, AcceptLoop(options_, gw_, wp, options_.server_tls),
                   [this](std::exception_ptr e) { LogEscaped(e, gw_, "accept loop"); });
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
  gw_.draining.store(true);
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

namespace {

net::Task<void> AcceptLoop(Server::Options const& opts, proxy::GatewayState& gw, void* worker_ptr,
                           std::shared_ptr<net::ssl::context> server_tls) {
  auto& w = *static_cast<Server::Worker*>(worker_ptr);
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
    asio::co_spawn(w.ioc,
                   RunSession(opts, gw, *w.pool, w.sessions, w.stopping, std::move(socket), server_tls),
                   [&gw, &w](std::exception_ptr e) {
                     LogEscaped(e, gw, "session");
                     if (w.stopping && w.sessions.empty() && w.grace_timer) w.grace_timer->cancel();
                   });
  }
}

}  // namespace

}  // namespace warden::http
