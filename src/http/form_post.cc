#include "http/form_post.hpp"

#include <string.h>

#include <memory>
#include <optional>

#include <boost/url.hpp>

#include "http/net.hpp"
#include "http/origin.hpp"
#include "http/tls_context.hpp"
#include "http/upstream_pool.hpp"

namespace warden::http {
namespace {

namespace asio = net::asio;
namespace bhttp = net::http;

struct Exchange {
  Origin origin;
  std::string target;
  const Secret* body = nullptr;
  std::size_t max_bytes = 0;
  std::optional<Result<FormReply>> outcome;
};

Error Protocol(const Origin& origin, const std::string& why) {
  return Error::Make(ErrorCode::kUpstreamProtocol, "token endpoint " + origin.key + ": " + why,
                     origin.key);
}

net::Task<void> Run(UpstreamPool& pool, Exchange& x) {
  auto conn = co_await pool.Acquire(x.origin);
  if (!conn) {
    x.outcome = conn.error();
    co_return;
  }
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, x.target, 11};
  req.set(bhttp::field::host, x.origin.host_header);
  req.set(bhttp::field::content_type, "application/x-www-form-urlencoded");
  req.set(bhttp::field::accept, "application/json");
  req.set(bhttp::field::user_agent, "warden");
  req.keep_alive(false);
  req.body() = std::string(x.body->Reveal());
  req.prepare_payload();
  auto [wec, wn] = co_await bhttp::async_write((*conn)->stream, req, net::kUseTuple);
  explicit_bzero(req.body().data(), req.body().size());
  if (wec) {
    x.outcome = Protocol(x.origin, "sending the request failed (" + wec.message() + ")");
    pool.Discard(std::move(*conn));
    co_return;
  }
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(x.max_bytes);
  auto [rec, rn] =
      co_await bhttp::async_read((*conn)->stream, (*conn)->buffer, parser, net::kUseTuple);
  pool.Discard(std::move(*conn));
  if (rec == bhttp::error::body_limit) {
    x.outcome =
        Protocol(x.origin, "the response is larger than " + std::to_string(x.max_bytes) + " bytes");
    co_return;
  }
  if (rec) {
    x.outcome = Protocol(x.origin, "reading the response failed (" + rec.message() + ")");
    co_return;
  }
  auto res = parser.release();
  FormReply reply{static_cast<int>(res.result_int()), Secret(std::move(res.body()))};
  x.outcome = std::move(reply);
}

}  // namespace

Result<FormReply> PostForm(std::string_view url, const Secret& form_body,
                           const FormPostOptions& options) {
  auto base = ParseBaseUrl(url);
  if (!base) return base.error();
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return Error::InvalidConfig("token_url", "token_url is not an absolute URL");
  Exchange x;
  x.origin = base->origin;
  x.target = std::string(parsed->encoded_path());
  if (x.target.empty()) x.target = "/";
  if (parsed->has_query()) x.target += "?" + std::string(parsed->encoded_query());
  x.body = &form_body;
  x.max_bytes = options.max_response_bytes;
  config::UpstreamConfig cfg;
  cfg.connect_timeout = std::chrono::duration_cast<config::Duration>(options.timeout);
  cfg.max_connections_per_origin = 1;
  auto ioc = std::make_unique<asio::io_context>(1);
  // The pool never keeps a connection (each is discarded), so it holds no socket when the
  // io_context goes first; destroying the io_context destroys a coroutine still waiting at the
  // deadline, with its socket, while the io_context's services still exist.
  UpstreamPool pool(ioc->get_executor(), MakeClientTlsContext(), cfg);
  asio::co_spawn(*ioc, Run(pool, x), asio::detached);
  ioc->run_for(options.timeout);
  ioc.reset();
  if (!x.outcome) {
    return Error::Make(ErrorCode::kUpstreamTimeout,
                       "token endpoint " + x.origin.key + " did not answer within " +
                           std::to_string(options.timeout.count()) + " ms",
                       x.origin.key);
  }
  return std::move(*x.outcome);
}

}  // namespace warden::http
