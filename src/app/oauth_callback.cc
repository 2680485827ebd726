#include "app/oauth_callback.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <optional>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/url.hpp>

#include "base/strings.hpp"
#include "config/bind_address.hpp"
#include "crypto/crypto.hpp"
#include "http/net.hpp"

namespace warden::app {
namespace {

namespace asio = net::asio;
namespace bhttp = net::http;
using namespace std::chrono_literals;

constexpr std::size_t kMaxPasteBytes = 64 * 1024;

struct LoopState {
  asio::io_context& ioc;
  const CallbackWait& wait;
  LoopbackRedirect redirect;
  std::optional<Result<creds::AuthorizationReply>> outcome;

  void Finish(Result<creds::AuthorizationReply> r) {
    if (outcome) return;
    outcome = std::move(r);
    ioc.stop();
  }
};

struct Page {
  unsigned status = 200;
  std::string text;
  std::optional<Result<creds::AuthorizationReply>> done;  // set: the wait is over
};

// The text of a page, escaped: a message may quote a parameter from the request.
std::string Escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Html(const std::string& title, const std::string& text) {
  return "<!doctype html><html><head><meta charset=\"utf-8\"><title>warden: " + Escape(title) +
         "</title></head><body><h1>" + Escape(title) + "</h1><p>" + Escape(text) +
         "</p></body></html>\n";
}

// What one callback request gets, and whether it ends the wait.
Page AnswerCallback(const LoopState& s, std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (path != s.redirect.path)
    return {404, Html("Not found", "This is not the login callback."), {}};
  auto reply = creds::ParseCallbackTarget(target);
  if (!reply) return {400, Html("Login failed", reply.error().message), {}};
  if (!reply->state || !crypto::ConstantTimeEquals(*reply->state, s.wait.state)) {
    std::fputs(
        "warden auth login: a callback with a missing or wrong state was refused (a stale tab or "
        "a forged redirect); still waiting\n",
        stderr);
    return {400,
            Html("Wrong login",
                 "This redirect does not belong to the login warden is "
                 "waiting for (state mismatch). Use the newest login link."),
            {}};
  }
  auto checked = creds::CheckAuthorizationReply(*reply, s.wait.state);
  if (!checked) return {400, Html("Login failed", checked.error().message), checked.error()};
  return {200, Html("Login received", "warden has the authorization; you can close this window."),
          std::move(*reply)};
}

net::Task<void> Session(net::tcp::socket socket, LoopState& s) {
  net::beast::tcp_stream stream(std::move(socket));
  stream.expires_after(10s);
  net::beast::flat_buffer buffer;
  bhttp::request_parser<bhttp::empty_body> parser;
  parser.header_limit(16 * 1024);
  auto [rec, rn] = co_await bhttp::async_read(stream, buffer, parser, net::kUseTuple);
  if (rec) co_return;
  Page page = AnswerCallback(s, parser.get().target());
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(page.status), 11};
  res.set(bhttp::field::content_type, "text/html; charset=utf-8");
  res.set(bhttp::field::cache_control, "no-store");
  res.set("x-content-type-options", "nosniff");
  res.body() = std::move(page.text);
  res.keep_alive(false);
  res.prepare_payload();
  auto [wec, wn] = co_await bhttp::async_write(stream, res, net::kUseTuple);
  (void)wec;
  if (page.done) s.Finish(std::move(*page.done));
}

net::Task<void> AcceptLoop(net::tcp::acceptor& acceptor, LoopState& s) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(net::kUseTuple);
    if (ec) co_return;
    asio::co_spawn(acceptor.get_executor(), Session(std::move(socket), s), asio::detached);
  }
}

// One pasted line: accepted, or reported (and the wait goes on).
void HandlePastedLine(std::string_view line, LoopState& s) {
  if (TrimWhitespace(line).empty()) return;
  auto reply = creds::ParsePastedReply(line);
  Result<void> checked =
      reply ? creds::CheckAuthorizationReply(*reply, s.wait.state) : Result<void>(reply.error());
  if (!checked) {
    std::fprintf(stderr, "warden auth login: %s\nPaste the redirect URL (or code#state) again: ",
                 checked.error().ToString().c_str());
    std::fflush(stderr);
    return;
  }
  s.Finish(std::move(*reply));
}

net::Task<void> ReadStdin(asio::posix::stream_descriptor& in, LoopState& s) {
  std::string pending;
  char buf[4096];
  for (;;) {
    auto [ec, n] = co_await in.async_read_some(asio::buffer(buf), net::kUseTuple);
    if (!ec) pending.append(buf, n);
    if (pending.size() > kMaxPasteBytes) {
      std::fputs("warden auth login: the pasted text is larger than 64 KiB; ignored\n", stderr);
      pending.clear();
    }
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      HandlePastedLine(std::string_view(pending).substr(0, nl), s);
      pending.erase(0, nl + 1);
      if (s.outcome) co_return;
    }
    if (ec) {  // end of input: a last line without a newline counts; then only the callback
      HandlePastedLine(pending, s);
      co_return;
    }
  }
}

Error Timeout(const CallbackWait& wait) {
  return Error::Make(ErrorCode::kOAuthTimeout,
                     "no login arrived within " + std::to_string(wait.timeout.count() / 1000) +
                         " s; if the browser runs on another machine, run `warden auth login` "
                         "again and paste the address it was redirected to (or code#state) here");
}

// Listens on the redirect's host:port; false (with a note) when that is not possible.
bool Listen(net::tcp::acceptor& acceptor, const LoopbackRedirect& r) {
  net::error_code ec;
  const std::string host = r.host == "localhost" ? "127.0.0.1" : r.host;
  net::tcp::endpoint ep(asio::ip::make_address(host, ec), r.port);
  if (!ec) acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(net::tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(16, ec);
  if (ec) {
    std::fprintf(stderr,
                 "warden auth login: cannot listen on %s:%u (%s); paste the redirect address "
                 "instead\n",
                 host.c_str(), unsigned(r.port), ec.message().c_str());
  }
  return !ec;
}

}  // namespace

Result<LoopbackRedirect> ParseLoopbackRedirect(const std::string& redirect_uri) {
  auto bad = [](const std::string& why) {
    return Error::Make(ErrorCode::kConfigInvalid,
                       "redirect_uri " + why +
                           " (warden listens for the login only on this machine: "
                           "http://127.0.0.1:PORT/path)");
  };
  auto parsed = boost::urls::parse_uri(redirect_uri);
  if (!parsed || parsed->scheme_id() != boost::urls::scheme::http) {
    return bad("must be an http:// URL");
  }
  LoopbackRedirect r;
  r.host = std::string(parsed->host_address());
  if (!config::BindAddress{r.host, 0}.IsLoopback()) return bad("must be on a loopback host");
  if (!parsed->has_port() || parsed->port_number() == 0) return bad("must name a port");
  r.port = parsed->port_number();
  r.path = std::string(parsed->encoded_path());
  if (r.path.empty()) r.path = "/";
  return r;
}

Result<creds::AuthorizationReply> WaitForAuthorization(const CallbackWait& wait) {
  auto redirect = ParseLoopbackRedirect(wait.redirect_uri);
  if (!redirect) return redirect.error();
  asio::io_context ioc{1};
  LoopState s{ioc, wait, *redirect, std::nullopt};
  net::tcp::acceptor acceptor(ioc);
  const bool listening = Listen(acceptor, *redirect);
  asio::posix::stream_descriptor in(ioc);
  bool reading = false;
  if (wait.read_stdin) {
    net::error_code ec;
    const int fd = ::dup(STDIN_FILENO);
    if (fd >= 0) in.assign(fd, ec);  // fails for a regular file or /dev/null: no paste then
    reading = fd >= 0 && !ec;
    if (fd >= 0 && ec) ::close(fd);
  }
  if (!listening && !reading) {
    return Error::Make(ErrorCode::kBindFailed,
                       "cannot listen on the redirect address and stdin cannot be read");
  }
  if (listening) asio::co_spawn(ioc, AcceptLoop(acceptor, s), asio::detached);
  if (reading) asio::co_spawn(ioc, ReadStdin(in, s), asio::detached);
  asio::steady_timer timer(ioc);
  timer.expires_after(wait.timeout);
  timer.async_wait([&](const net::error_code& ec) {
    if (!ec) s.Finish(Timeout(wait));
  });
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const net::error_code& ec, int) {
    if (!ec) s.Finish(Error::Make(ErrorCode::kIoError, "interrupted; nothing was stored"));
  });
  if (wait.ready) wait.ready();
  ioc.run();
  if (!s.outcome) return Timeout(wait);
  return std::move(*s.outcome);
}

}  // namespace warden::app
