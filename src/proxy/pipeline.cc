#include "proxy/pipeline.hpp"

#include "proxy/builtin_routes.hpp"
#include "proxy/exchange.hpp"
#include "proxy/planning.hpp"
#include "proxy/response_writer.hpp"
#include "proxy/routes.hpp"

namespace warden::proxy {

namespace {

net::Task<bool> ServeProxy(RequestContext& r) {
  ProxyPlan plan = PlanProxy(r.snap, r.route, r.req, r.caller.policy);
  if (plan.provider != nullptr) r.log.provider = plan.provider->id;
  if (plan.reply) co_return co_await Answer(r, std::move(*plan.reply));
  r.pinned_profile = plan.profile;
  co_return co_await ExchangeWithProvider(r, *plan.provider, std::move(plan.upstream_body));
}

}  // namespace

net::Task<bool> Handle(ClientContext& c, snapshot::SnapshotConstSharedPtr snap, Request& req,
                       CallerIdentity caller) {
  const std::string_view path = PathOf(req.target());
  RequestContext r{c,
                   *snap,
                   req,
                   path,
                   MatchRoute(path),
                   req.keep_alive() && !c.draining.load(std::memory_order_relaxed),
                   std::move(caller),
                   RequestLog{}};
  r.log.route = r.route.name;
  // if/else, not ?: — g++ 12 miscompiles conditional expressions around co_await.
  bool written = false;
  if (r.route.kind == RouteKind::kProxy) {
    written = co_await ServeProxy(r);
  } else {
    written = co_await ServeBuiltin(r);
  }
  LogRequest(r);
  co_return written&& r.keep_alive;  // every exit path honours Connection: close
}

}  // namespace warden::proxy
