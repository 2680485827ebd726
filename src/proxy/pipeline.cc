#include "proxy/pipeline.hpp"

#include "http/inline_io.hpp"
#include "proxy/builtin_routes.hpp"
#include "proxy/exchange.hpp"
#include "proxy/planning.hpp"
#include "proxy/response_writer.hpp"
#include "proxy/routes.hpp"

namespace warden::proxy {

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
    // Planned here, not in a coroutine of its own: one frame fewer per proxied request.
    ProxyPlan plan = PlanProxy(r.snap, r.route, r.req, r.caller.policy);
    if (plan.provider != nullptr) r.log.provider = plan.provider->id;
    if (plan.reply) {
      written = co_await Answer(r, std::move(*plan.reply));
    } else {
      r.pinned_profile = plan.profile;
      written = co_await ExchangeWithProvider(r, *plan.provider, std::move(plan.upstream_body));
    }
  } else {
    written = co_await ServeBuiltin(r);
  }
  LogRequest(r);
  // The heads of this request (bounded by the header limits) are not held while idle.
  http::ShrinkIdleBuffer(c.head);
  http::ShrinkIdleBuffer(c.upstream_head);
  c.response_fields.Clear();
  co_return written&& r.keep_alive;  // every exit path honours Connection: close
}

}  // namespace warden::proxy
