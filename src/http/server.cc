// Over ~400 lines on purpose: the listening side of one Server — per-core accept loops, the
// connection caps and idle shedding, the session loop (open stream, next request, serve, lingering
// close) and shutdown. They share the per-loop Worker state and its lifetime rules, which stay
// readable in one file; framing and the request handler live elsewhere (framing.*, Handler).
#include "http/server.hpp"

#include <sys/resource.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <thread>
#include <unordered_set>
#include <vector>

#include <spdlog/spdlog.h>

#include "base/client_key.hpp"
#include "base/unique_fd.hpp"
#include "config/bind_address.hpp"
#include "http/any_stream.hpp"
#include "http/caller_readiness.hpp"
#include "http/connection_limiter.hpp"
#include "http/deadline.hpp"
#include "http/framing.hpp"
#include "http/inline_io.hpp"
#include "http/request_parser.hpp"
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
  bool idle = true;         // waiting for (or reading) a request header: safe to close on shutdown
  bool keep_alive = false;  // idle between two requests: the first to shed near the cap
  // When it last became keep_alive, in the worker's count of such moments: the smallest has
  // waited longest, and is the one shed.
  std::uint64_t idle_order = 0;
};

}  // namespace

struct Server::Worker {
  Worker(const Options& options, Handler& handler, observe::Metrics& metrics,
         const std::atomic<bool>& draining)
      : options(options), handler(handler), metrics(metrics), draining(draining) {}

  const Options& options;  // owned by the Server, which outlives its workers
  Handler& handler;
  ConnectionLimiter* connections = nullptr;  // owned by the Server
  observe::Metrics& metrics;
  const std::atomic<bool>& draining;
  // One thread runs the loop and every socket of it is used on that thread alone, so the
  // reactor's per-socket locks are off (0.6% of the instructions per request). The scheduler keeps
  // its lock: Shutdown posts from another thread, and so do resolver completions.
  asio::io_context ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  asio::ip::tcp::acceptor acceptor{ioc};
  std::unique_ptr<UpstreamPool> pool;
  std::thread thread;
  std::unordered_set<SessionState*> sessions;
  std::uint64_t idle_moments = 0;  // SessionState::idle_order's count
  // The sessions given to this loop and not yet ended: counted in by whichever loop accepted the
  // connection (AcceptLoop), out by this one. What LeastLoaded compares.
  std::atomic<std::size_t> live{0};
  const std::vector<std::unique_ptr<Worker>>* all = nullptr;  // every loop, this one included
  std::unique_ptr<asio::steady_timer> grace_timer;
  bool stopping = false;
  std::chrono::steady_clock::time_point last_accept_warning;
  std::size_t accept_warnings_suppressed = 0;
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

// Room in a session's read buffer beyond the header cap: body bytes in flight and one chunk line.
constexpr std::size_t kReadAheadBytes = 64 * 1024;
// The longest wait for a refused client to finish sending (LingeringClose).
constexpr auto kLingerTime = std::chrono::seconds(2);

// Reads and discards what the client is still sending, so that closing right after an early
// error response (413, 400) does not reset the connection before the client has read it: a reset
// makes the client's kernel drop the unread answer. Bounded by time, not bytes (as nginx's
// lingering_time): a client uploading a 40 MiB body must be drained to its end, and the connection
// cap bounds how many sessions can linger at once.
net::Task<void> LingeringClose(AnyStream& stream) {
  net::error_code ec;
  stream.Tcp().socket().shutdown(net::tcp::socket::shutdown_send, ec);
  std::array<char, 65536> sink;
  stream.Tcp().expires_after(kLingerTime);   // a TLS stream's reads
  Deadline deadline(stream.get_executor());  // a plain stream's
  deadline.Arm(std::chrono::duration_cast<std::chrono::milliseconds>(kLingerTime), stream);
  for (;;) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), net::kUseTuple);
    if (rec) break;
  }
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

// The TLS handshake when serving HTTPS (`tls` set); the plain stream otherwise. nullopt:
// handshake failed. `tls` must outlive the stream (RunSession keeps it for the connection).
net::Task<std::optional<AnyStream>> OpenStream(Worker& w, net::tcp::socket socket,
                                               net::ssl::context* tls_context) {
  beast::tcp_stream tcp(std::move(socket));
  if (tls_context == nullptr) co_return std::optional<AnyStream>(std::in_place, std::move(tcp));
  AnyStream::TlsStream tls(std::move(tcp), *tls_context);
  beast::get_lowest_layer(tls).expires_after(w.options.limits.header_timeout);
  auto [ec] = co_await tls.async_handshake(net::ssl::stream_base::server, net::kUseTuple);
  if (ec) co_return std::nullopt;
  co_return std::optional<AnyStream>(std::in_place, std::move(tls));
}

// After the keep-alive wait of a TLS session: the readiness only peeked, so the record is read
// here, the rest of it may still be in flight.
net::Task<bool> ReadTlsRecord(AnyStream& stream, beast::flat_buffer& buffer,
                              std::chrono::milliseconds idle_timeout) {
  stream.Tcp().expires_after(idle_timeout);
  auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), net::kUseTuple);
  if (ec) co_return false;
  buffer.commit(n);
  co_return true;
}

// Reads one request (header, handler's OnHeader, body) into `request` and hands it to
// OnRequest. Returns whether the session may read the next request.
net::Task<bool> ServeOneRequest(Worker& w, AnyStream& stream, beast::flat_buffer& buffer,
                                Deadline& deadline, ConnectionHandler& handler, SessionState& state,
                                Request& request) {
  const auto& limits = w.options.limits;
  RequestParser parser(request);
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
  // Usually the whole header is buffered already (read by the keep-alive wait): then it is parsed
  // without an asynchronous read and needs no deadline.
  stream.Tcp().expires_never();  // the keep-alive wait's idle timeout must not outlive it
  net::error_code hec;
  if (!ParseBuffered(parser, buffer, ReadGoal::kHeader, hec) && !hec) {
    deadline.Arm(limits.header_timeout, stream);
    hec = co_await ReadUntil(stream, buffer, parser, ReadGoal::kHeader);
    deadline.Disarm();
  }
  bool linger = false;
  if (hec) {
    auto error = HeaderReadError(hec, limits, deadline.fired(), parser.got_some(), linger);
    if (error) co_await handler.OnFramingError("/", std::move(*error));
    if (linger) co_await LingeringClose(stream);
    co_return false;
  }
  state.idle = false;
  const Request& header = request;  // its body is not read yet
  if (auto error = CheckFraming(header)) {
    co_await handler.OnFramingError(header.target(), std::move(*error));
    co_await LingeringClose(stream);
    co_return false;
  }
  if (!co_await handler.OnHeader(header)) {
    // Refused before the body was read (401, 429...): drain what the caller is still sending
    // (bounded) so closing does not reset the connection before it reads the refusal.
    if (!parser.is_done()) co_await LingeringClose(stream);
    co_return false;
  }
  // Usually the body arrived with the header: then it is parsed without I/O or a deadline.
  net::error_code bec;
  if (!ParseBuffered(parser, buffer, ReadGoal::kMessage, bec) && !bec) {
    deadline.Arm(limits.body_timeout, stream);
    bec = co_await ReadUntil(stream, buffer, parser, ReadGoal::kMessage);
    deadline.Disarm();
  }
  if (bec) {
    auto error = BodyReadError(bec, limits, deadline.fired(), linger);
    if (error) co_await handler.OnFramingError(header.target(), std::move(*error));
    if (linger) co_await LingeringClose(stream);
    co_return false;
  }
  const bool keep_alive = co_await handler.OnRequest(request);
  request.Clear();  // an idle connection keeps a small request's memory, not a large one's
  co_return keep_alive;
}

// Holds a connection slot of the ConnectionLimiter until the session ends.
class ConnectionSlot {
 public:
  ConnectionSlot(ConnectionLimiter& limiter, std::string client)
      : limiter_(limiter), client_(std::move(client)) {}
  ~ConnectionSlot() { limiter_.Release(client_); }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

 private:
  ConnectionLimiter& limiter_;
  std::string client_;
};

net::Task<void> RunSession(Worker& w, net::tcp::socket socket, std::string client) {
  ConnectionSlot slot(*w.connections, std::move(client));
  net::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  if (ec) co_return;
  socket.set_option(net::tcp::no_delay(true), ec);
  // The context current now, kept for this connection's life even if a reload swaps it.
  std::shared_ptr<net::ssl::context> tls_context;
  if (w.options.server_tls) tls_context = w.options.server_tls->Load();
  std::optional<AnyStream> opened = co_await OpenStream(w, std::move(socket), tls_context.get());
  if (!opened) co_return;
  AnyStream& stream = *opened;
  // Bounded: a header is capped by max_header_bytes, but a chunk-size line (with extensions) or
  // a trailer must fit here whole, so this limit is what stops them from growing without end.
  beast::flat_buffer buffer(w.options.limits.max_header_bytes + kReadAheadBytes);
  SessionState state{&stream, true};
  SessionRegistration registration(w, state);
  CallerReadiness readiness(stream, buffer);
  Connection connection{
      stream,    buffer, readiness, *w.pool, peer.address().to_string(), IsLoopback(peer.address()),
      w.draining};
  Request request;  // reused by every request on the connection
  std::unique_ptr<ConnectionHandler> handler = w.handler.Open(connection);
  Deadline deadline(stream.get_executor());
  for (bool first = true;; first = false) {
    if (w.stopping || w.draining.load(std::memory_order_relaxed)) break;
    state.idle = true;
    if (buffer.size() > 0) {
      readiness.Cancel();  // serve the bytes read ahead: nothing else may read into the buffer
    } else if (!first) {
      ShrinkIdleBuffer(buffer);  // (the pending receive reads into memory of its own)
      // Keep-alive idle wait: the first byte of the next request may take idle_timeout, then
      // the header must be complete within header_timeout (a slow client cannot hold the
      // session). It waits on the receive the caller readiness keeps pending
      // (http/caller_readiness.hpp), which usually started during the last request and, on plain
      // TCP, reads the next one itself: no wait is re-armed and no second read is needed.
      state.keep_alive = true;
      state.idle_order = ++w.idle_moments;
      deadline.Arm(w.options.limits.idle_timeout, stream);
      if (!readiness.Ready()) co_await readiness.Completion();
      const net::error_code wait_ec = readiness.Take();
      deadline.Disarm();
      // Bytes came: the caller is sending, not idle (a TLS record still being read included).
      state.keep_alive = false;
      bool next = !wait_ec && (stream.IsTls() || buffer.size() > 0);
      if (next && stream.IsTls()) {
        next = co_await ReadTlsRecord(stream, buffer, w.options.limits.idle_timeout);
      }
      if (!next) break;
    }
    if (!co_await ServeOneRequest(w, stream, buffer, deadline, *handler, state, request)) break;
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

// Logs at most one warning per second, with the number of those left out (an accept loop that
// fails on every connection must not flood the log).
void WarnRateLimited(Worker& w, const std::string& what) {
  const auto now = std::chrono::steady_clock::now();
  if (now - w.last_accept_warning < std::chrono::seconds(1)) {
    ++w.accept_warnings_suppressed;
    return;
  }
  if (w.accept_warnings_suppressed > 0) {
    spdlog::warn("{} (and {} more since the last warning)", what, w.accept_warnings_suppressed);
  } else {
    spdlog::warn("{}", what);
  }
  w.last_accept_warning = now;
  w.accept_warnings_suppressed = 0;
}

// Closes the connection of this loop that has sat idle between two requests the longest (as
// nginx reuses its least recently used idle connection): the caller least likely to send again
// soon. Returns whether one was found; its session gives its slot back as it ends. A scan of the
// loop's sessions, made only at the total cap.
bool ShedIdleConnection(Worker& w) {
  SessionState* oldest = nullptr;
  for (SessionState* s : w.sessions) {
    if (s->keep_alive && (oldest == nullptr || s->idle_order < oldest->idle_order)) oldest = s;
  }
  if (oldest == nullptr) return false;
  oldest->keep_alive = false;
  oldest->stream->Close();
  w.metrics.CountConnectionShed();
  return true;
}

// Admits a freshly accepted connection or refuses it with a short response written without
// waiting (the socket is new: its send buffer is empty). Returns the client key when admitted.
std::optional<std::string> AdmitConnection(Worker& w, net::tcp::socket& socket) {
  net::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  if (ec) return std::nullopt;
  std::string client = ClientKey(peer.address().to_string());
  auto verdict = w.connections->Admit(client);
  if (verdict == ConnectionLimiter::Verdict::kTotalFull && ShedIdleConnection(w)) {
    verdict = w.connections->Admit(client, /*over_total=*/true);
  }
  if (verdict == ConnectionLimiter::Verdict::kAdmitted) return client;
  const bool total = verdict == ConnectionLimiter::Verdict::kTotalFull;
  w.metrics.CountConnectionRefused(total ? "total" : "per_client");
  FramingError refusal =
      total ? FramingError{503, "too_many_connections",
                           "the gateway is at its connection limit (gateway.max_connections = " +
                               std::to_string(w.connections->max_total()) + "); retry shortly"}
            : FramingError{429, "too_many_connections",
                           "too many connections from this address "
                           "(gateway.max_connections_per_client); reuse keep-alive connections"};
  WarnRateLimited(w, total ? "refusing a connection: gateway.max_connections reached"
                           : "refusing a connection from " + client +
                                 ": gateway.max_connections_per_client reached");
  const std::string response = w.handler.ConnectionRefusal(refusal);
  ::send(socket.native_handle(), response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  socket.shutdown(net::tcp::socket::shutdown_both, ec);
  socket.close(ec);
  return std::nullopt;
}

// Serves an admitted connection on `w`'s loop (called on that loop's thread).
void SpawnSession(Worker& w, net::tcp::socket socket, std::string client) {
  asio::co_spawn(w.ioc, RunSession(w, std::move(socket), std::move(client)),
                 [&w](std::exception_ptr e) {
                   w.live.fetch_sub(1, std::memory_order_relaxed);
                   LogEscaped(e, w.metrics, "session");
                   if (w.stopping && w.sessions.empty() && w.grace_timer) w.grace_timer->cancel();
                 });
}

// The loop a connection accepted by `w` is served on: `w` unless another loop has fewer
// sessions (the one with the fewest), so a loop holds at most one more than another (two loops
// accepting at once may both pick the same one; sessions that end are not moved).
// SO_REUSEPORT spreads connections by a hash of their addresses: with 32 connections one loop
// once spent 161 ticks of CPU to the other's 110 over a 3 s run. nginx and haproxy hand a new
// connection to a worker that is free.
Worker& LeastLoaded(Worker& w) {
  Worker* best = &w;
  std::size_t best_live = w.live.load(std::memory_order_relaxed);
  for (const auto& other : *w.all) {
    const std::size_t n = other->live.load(std::memory_order_relaxed);
    if (n < best_live) {
      best = other.get();
      best_live = n;
    }
  }
  return *best;
}

// Moves a connection accepted on `from`'s loop to `to`'s: the descriptor leaves `from`'s reactor
// here and joins `to`'s on `to`'s thread, so a loop's reactor is only ever used by its own
// thread (the UNSAFE_IO hint above). A connection that cannot be moved is served where it is.
void HandOver(Worker& from, Worker& to, net::tcp::socket socket, std::string client) {
  net::error_code ec;
  const net::tcp protocol = socket.local_endpoint(ec).protocol();
  int fd = -1;
  if (!ec) fd = socket.release(ec);
  if (ec || fd < 0) {
    to.live.fetch_sub(1, std::memory_order_relaxed);
    if (!socket.is_open()) {
      from.connections->Release(client);
      return;
    }
    from.live.fetch_add(1, std::memory_order_relaxed);
    SpawnSession(from, std::move(socket), std::move(client));
    return;
  }
  // Owned until `to` takes it: a loop that stops before running this closes it, unserved.
  auto owned = std::make_shared<UniqueFd>(fd);
  asio::post(to.ioc,
             [&to, owned = std::move(owned), protocol, client = std::move(client)]() mutable {
               net::tcp::socket moved(to.ioc);
               net::error_code aec;
               moved.assign(protocol, owned->get(), aec);
               if (aec) {
                 to.live.fetch_sub(1, std::memory_order_relaxed);
                 to.connections->Release(client);
                 return;  // `owned` closes it
               }
               owned->Release();
               SpawnSession(to, std::move(moved), std::move(client));
             });
}

net::Task<void> AcceptLoop(Worker& w) {
  for (;;) {
    auto [ec, socket] = co_await w.acceptor.async_accept(net::kUseTuple);
    if (ec) {
      if (w.stopping || ec == asio::error::operation_aborted) co_return;
      // Out of descriptors or a transient error: back off briefly instead of spinning.
      WarnRateLimited(w, "accept failed: " + ec.message());
      asio::steady_timer backoff(w.ioc, std::chrono::milliseconds(50));
      co_await backoff.async_wait(net::kUseTuple);
      continue;
    }
    std::optional<std::string> client = AdmitConnection(w, socket);
    if (!client) continue;
    // While stopping, a connection stays where it was accepted: another loop may have stopped
    // already, and would hold it unanswered until the server is destroyed.
    Worker& target = w.stopping || w.draining.load(std::memory_order_relaxed) ? w : LeastLoaded(w);
    target.live.fetch_add(1, std::memory_order_relaxed);
    if (&target == &w) {
      SpawnSession(w, std::move(socket), std::move(*client));
    } else {
      HandOver(w, target, std::move(socket), std::move(*client));
    }
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

// gateway.max_connections, or when 0 half the descriptors this process may open less a reserve
// for the upstream pool's spare, logs, config files and exec helpers (each caller connection
// may hold one upstream connection too).
std::size_t MaxConnections(const config::GatewayConfig& limits) {
  if (limits.max_connections > 0) return limits.max_connections;
  rlimit nofile{};
  std::size_t descriptors = 1024;
  if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY) {
    descriptors = static_cast<std::size_t>(nofile.rlim_cur);
  } else if (nofile.rlim_cur == RLIM_INFINITY) {
    descriptors = 1u << 20;
  }
  constexpr std::size_t kReserve = 256;
  const std::size_t usable = descriptors > 2 * kReserve ? descriptors - kReserve : kReserve;
  return std::clamp<std::size_t>(usable / 2, 64, 16384);
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
  connections_ = std::make_unique<ConnectionLimiter>(MaxConnections(options_.limits),
                                                     options_.limits.max_connections_per_client);
  for (int i = 0; i < threads; ++i) {
    auto w = std::make_unique<Worker>(options_, handler_, metrics_, draining_);
    w->connections = connections_.get();
    net::error_code ec;
    w->acceptor.open(endpoint_.protocol(), ec);
    if (!ec) w->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) {
      int one = 1;
      if (::setsockopt(w->acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) !=
          0)
        ec = net::error_code(errno, boost::system::system_category());
    }
    if (!ec) w->acceptor.bind(endpoint_, ec);
    if (!ec) w->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return Error::Make(ErrorCode::kBindFailed,
                         "cannot listen on " + options_.bind + ": " + ec.message(), options_.bind);
    if (i == 0) endpoint_ = w->acceptor.local_endpoint();  // port 0 → the port the kernel chose
    w->pool = std::make_unique<UpstreamPool>(w->ioc.get_executor(), client_tls_,
                                             options_.limits.upstream);
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) w->all = &workers_;
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
        if (s->idle)
          s->stream->Close();  // nothing in flight: close now
        else
          busy.push_back(s);
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
