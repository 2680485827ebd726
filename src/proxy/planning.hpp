// Planning: from a proxied request to what to do with it — the provider to forward it to and
// the body it receives (with the provider's model name), or the rejection to answer instead.
// Checks, in order: method (POST), the body's top-level "model" (valid JSON, present, a string,
// once), the model's route (proxy/model_routing.hpp: "provider/model[@profile]", an alias, or a
// bare name through [models]), the caller's policy on the resolved "provider/model", an enabled
// provider, the route's wire format matching its API, and a pinned profile: the caller's
// `profiles` globs must admit "provider:name" (else 403 caller_not_allowed naming the rule) and
// the provider must have it (else 400 profile_unknown listing the ids of the provider's profiles
// the caller may use — ids only, never values). Expiry and cooldowns are the exchange's (they
// need the clock).
// Thread safety: pure functions over the immutable snapshot; no I/O.
// Ownership: the plan points at a provider of the snapshot the request holds.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "access/callers.hpp"
#include "base/result.hpp"
#include "http/request_handler.hpp"
#include "proxy/model_field.hpp"
#include "proxy/reply.hpp"
#include "proxy/routes.hpp"
#include "snapshot/snapshot.hpp"

namespace warden::proxy {

struct ProxyPlan {
  std::optional<Reply> reply;  // set → answer this and stop
  // The provider named by the model (also set with some rejections, for the log line).
  const snapshot::ProviderRuntime* provider = nullptr;
  BodyPieces upstream_body;  // the body with the bare model; views of the request's body
  const creds::PooledProfile* profile = nullptr;  // the pinned profile, of the snapshot
};

// `caller`: the named caller's policy (nullptr without [callers]); a model outside it is a 403
// "caller_not_allowed" naming the rule, checked once the provider is known (a bare name is
// checked as "provider/name" with the provider it was routed to).
ProxyPlan PlanProxy(const snapshot::Snapshot& snap, const Route& route, const http::Request& req,
                    const access::CallerPolicy* caller = nullptr);
// The plan's body pieces view `req`'s body: a temporary request would leave them dangling.
ProxyPlan PlanProxy(const snapshot::Snapshot& snap, const Route& route, const http::Request&& req,
                    const access::CallerPolicy* caller = nullptr) = delete;

// The wire code for an Error of FindModelField (model_field.hpp): "invalid_json",
// "model_missing", "model_not_string", "model_duplicate", else "invalid_body". The one place
// that reads those error codes.
std::string_view WireCodeForBodyError(const Error& error);

}  // namespace warden::proxy
