#include "http/http_get.hpp"

#include <boost/url.hpp>

#include "http/deadline.hpp"
#include "http/origin.hpp"

namespace warden::http {

namespace bhttp = net::http;

namespace {

// "/path?query" of `url` ("/" when empty).
std::string TargetOf(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return "/";
  std::string target(parsed->encoded_path());
  if (target.empty()) target = "/";
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());
  return target;
}

}  // namespace

net::Task<Result<std::string>> HttpGet(UpstreamPool& pool, std::string url,
                                       std::size_t max_body_bytes,
                                       std::chrono::milliseconds timeout) {
  Result<ParsedBaseUrl> parsed = ParseBaseUrl(url);
  if (!parsed) co_return Error::InvalidConfig("url", "not an http(s) URL");
  const Origin& origin = parsed->origin;
  Result<UpstreamConnectionPtr> acquired = co_await pool.Acquire(origin);
  if (!acquired) co_return acquired.error();
  UpstreamConnectionPtr conn = std::move(*acquired);

  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, TargetOf(url), 11};
  req.set(bhttp::field::host, origin.host_header);
  req.set(bhttp::field::accept, "application/json");
  req.set(bhttp::field::user_agent, "warden");
  req.set(bhttp::field::connection, "close");
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(max_body_bytes);

  Deadline deadline(conn->stream.get_executor());
  deadline.Arm(timeout, conn->stream);
  auto [wec, wn] = co_await bhttp::async_write(conn->stream, req, net::kUseTuple);
  net::error_code rec;
  if (!wec) {
    auto [ec, n] = co_await bhttp::async_read(conn->stream, conn->buffer, parser, net::kUseTuple);
    rec = ec;
  }
  deadline.Disarm();
  pool.Discard(std::move(conn));
  const std::string where = origin.host_header;
  if (deadline.fired()) {
    co_return Error::Make(
        ErrorCode::kUpstreamTimeout,
        "no complete answer from " + where + " within " + std::to_string(timeout.count()) + "ms");
  }
  if (wec) co_return Error::Make(ErrorCode::kUpstreamConnect, "cannot send to " + where);
  if (rec == bhttp::error::body_limit) {
    co_return Error::Make(
        ErrorCode::kUpstreamProtocol,
        "answer from " + where + " is larger than " + std::to_string(max_body_bytes) + " bytes");
  }
  if (rec) co_return Error::Make(ErrorCode::kUpstreamProtocol, "bad answer from " + where);
  const unsigned status = parser.get().result_int();
  if (status != 200) {
    co_return Error::Make(ErrorCode::kUpstreamProtocol,
                          where + " answered HTTP " + std::to_string(status));
  }
  co_return std::move(parser.get().body());
}

}  // namespace warden::http
