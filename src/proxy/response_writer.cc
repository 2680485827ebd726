#include "proxy/response_writer.hpp"

#include <chrono>

#include "http/wire_head.hpp"
#include "proxy/retry_advice.hpp"
#include "proxy/routes.hpp"
#include "proxy/wire_format.hpp"

namespace warden::proxy {

namespace bhttp = net::http;

void AddStandardHeaders(const ClientContext& c, bhttp::fields& fields) {
  fields.set("x-content-type-options", "nosniff");
  fields.set("referrer-policy", "no-referrer");
  if (!c.gw.hsts.empty()) fields.set(bhttp::field::strict_transport_security, c.gw.hsts);
}

void AppendStandardHeaders(const ClientContext& c, std::string& head) {
  http::AppendField("x-content-type-options", "nosniff", head);
  http::AppendField("referrer-policy", "no-referrer", head);
  if (!c.gw.hsts.empty()) http::AppendField("Strict-Transport-Security", c.gw.hsts, head);
}

bool StandardHeader(std::string_view name) {
  return net::beast::iequals(name, "x-content-type-options") ||
         net::beast::iequals(name, "referrer-policy") ||
         net::beast::iequals(name, "strict-transport-security");
}

net::Task<bool> WriteResponse(ClientContext& c, Response response, bool keep_alive) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(response.status), 11};
  res.set(bhttp::field::content_type, response.content_type);
  for (const auto& [k, v] : response.extra) res.set(k, v);
  AddStandardHeaders(c, res.base());
  res.keep_alive(keep_alive);
  res.body() = std::move(response.body);
  res.prepare_payload();
  c.stream.Tcp().expires_after(std::chrono::seconds(30));
  auto [ec, n] = co_await bhttp::async_write(c.stream, res, net::kUseTuple);
  co_return !ec;
}

namespace {

// Every error warden writes itself passes here, so this is the one place that adds the retry
// advice (relayed provider responses never do).
Response ErrorResponse(std::string_view target, Reply reply) {
  const Route route = MatchRoute(PathOf(target));
  reply.extra.emplace_back(std::string(kShouldRetryHeader),
                           ShouldRetry(reply.status, reply.code) ? "true" : "false");
  return Response{reply.status, "application/json",
                  ErrorBody(route.wire, reply.status, reply.code, reply.message),
                  std::move(reply.extra)};
}

}  // namespace

net::Task<bool> WriteError(ClientContext& c, std::string_view target, Reply reply,
                           bool keep_alive) {
  Response response = ErrorResponse(target, std::move(reply));
  co_return co_await WriteResponse(c, std::move(response), keep_alive);
}

net::Task<bool> Send(RequestContext& r, Response response) {
  r.log.status = response.status;
  co_return co_await WriteResponse(r.client, std::move(response), r.keep_alive);
}

net::Task<bool> Answer(RequestContext& r, Reply reply) {
  r.log.status = reply.status;
  co_return co_await WriteError(r.client, r.path, std::move(reply), r.keep_alive);
}

}  // namespace warden::proxy
