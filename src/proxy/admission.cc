#include "proxy/admission.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

#include "access/caller_auth.hpp"
#include "access/jwt_auth.hpp"
#include "access/trusted_proxy.hpp"
#include "base/ip_network.hpp"
#include "proxy/reply.hpp"
#include "proxy/routes.hpp"

namespace warden::proxy {

namespace bhttp = net::http;

namespace {

Reply LockedOutReply(std::int64_t locked_ms) {
  return Reply{429, "auth_locked_out",
               "too many invalid gateway tokens from this address; retry later",
               Header("retry-after", std::to_string(CeilSeconds(locked_ms)))};
}

int AuthRejectionStatus(const access::AuthDecision& decision) {
  switch (decision.outcome) {
    case access::AuthOutcome::kUnsupportedMode:
      return 500;
    case access::AuthOutcome::kForbidden:
      return 403;
    case access::AuthOutcome::kUnavailable:
      return 503;
    default:
      return 401;
  }
}

Reply AuthRejectedReply(const access::AuthDecision& decision) {
  const int status = AuthRejectionStatus(decision);
  ExtraHeaders extra;
  if (status == 401) extra = Header("www-authenticate", "Bearer realm=\"warden\"");
  return Reply{status, std::string(decision.code), std::string(decision.message), std::move(extra)};
}

// The request header as access/trusted_proxy sees it.
class FieldLookup final : public access::HeaderLookup {
 public:
  explicit FieldLookup(const Request& header) : header_(header) {}
  std::vector<std::string_view> Values(std::string_view name) const override {
    std::vector<std::string_view> out;
    for (const http::HeadFields::Field f : header_.fields()) {
      if (f.name.size() == name.size() && net::beast::iequals(f.name, name)) out.push_back(f.value);
    }
    return out;
  }

 private:
  const Request& header_;
};

// Caller authentication, and the address the failed-auth limiter keys the caller by.
struct Gate {
  access::AuthDecision decision;
  std::string limiter_address;
  bool exempt = false;  // from the limiter
  CallerIdentity caller;
};

Gate CheckCaller(ClientContext& c, const snapshot::Snapshot& snap, const Request& header) {
  Gate gate;
  if (snap.access.mode == config::AuthMode::kJwt) {
    access::JwtAuthResult r =
        access::AuthenticateJwt(snap.access, header[bhttp::field::authorization],
                                header["x-api-key"], c.gw.NowMs(), c.token_digests);
    gate.decision = std::move(r.decision);
    gate.limiter_address = c.peer_address;
    gate.exempt = c.gw.limiter.Exempt(c.peer_loopback);
    gate.caller.policy = gate.decision.caller;
    gate.caller.user = std::move(r.subject);  // the token's sub: an identity, not a credential
    return gate;
  }
  if (snap.access.mode != config::AuthMode::kTrustedProxy) {
    gate.decision = access::Authenticate(snap.access, header[bhttp::field::authorization],
                                         header["x-api-key"], c.token_digests);
    gate.limiter_address = c.peer_address;
    gate.exempt = c.gw.limiter.Exempt(c.peer_loopback);
    gate.caller.policy = gate.decision.caller;
    return gate;
  }
  access::ProxyAuthResult r =
      access::AuthenticateViaProxy(snap.access.trusted_proxy, c.peer_address, FieldLookup(header));
  gate.decision = std::move(r.decision);
  if (gate.decision.outcome == access::AuthOutcome::kAllowed) {
    gate.decision = access::IdentifyProxyUser(snap.access, r.user);
  }
  if (r.trusted_peer) {
    const std::optional<IpAddress> client = ParseIpAddress(r.client_address);
    gate.exempt = c.gw.limiter.Exempt(client && client->IsLoopback());
    gate.limiter_address = r.client_address;
  } else {
    gate.exempt = c.gw.limiter.Exempt(c.peer_loopback);
    gate.limiter_address = c.peer_address;
  }
  gate.caller =
      CallerIdentity{std::move(r.user), std::move(r.client_address), gate.decision.caller};
  return gate;
}

// What the caller presented, as one fingerprint for the limiter: the credential headers, and in
// trusted-proxy mode the asserted user (an untrusted peer forging identities).
std::uint64_t PresentedCredential(const snapshot::Snapshot& snap, const Request& header) {
  std::string_view user;
  if (snap.access.mode == config::AuthMode::kTrustedProxy) {
    user = header[snap.access.trusted_proxy.user_header];
  }
  return access::FailedAuthLimiter::Fingerprint(
      {header[bhttp::field::authorization], header["x-api-key"], user});
}

// Counts the failure; a wrong credential (not a missing one) from a non-exempt peer counts
// towards its lockout, once per distinct credential in the window.
void RecordAuthFailure(ClientContext& c, const snapshot::Snapshot& snap, const Request& header,
                       const Gate& gate) {
  c.gw.metrics.CountAuthFailure(gate.decision.code);
  if (gate.decision.outcome != access::AuthOutcome::kWrong || gate.exempt) return;
  const access::FailureOutcome outcome =
      c.gw.limiter.RecordFailure(gate.limiter_address, PresentedCredential(snap, header));
  if (outcome.lockout_ms > 0) {
    spdlog::warn("locking out {} for {}s after repeated invalid credentials",
                 c.gw.limiter.KeyOf(gate.limiter_address), CeilSeconds(outcome.lockout_ms));
  }
  if (!outcome.tracked) {
    // Degraded: refused (401) but not counted, since evicting a running lockout would lift it.
    c.gw.metrics.CountAuthLimiterUntracked();
    if (outcome.first_untracked) {
      spdlog::warn(
          "failed-auth limiter is full of running lockouts ({} clients): wrong tokens from new "
          "clients are refused but not counted until a lockout ends",
          access::FailedAuthLimiter::kMaxEntries);
    }
  }
}

}  // namespace

Verdict Admit(ClientContext& c, const snapshot::Snapshot& snap, const Request& header) {
  const std::string_view path = PathOf(header.target());
  const Route route = MatchRoute(path);
  if (route.kind == RouteKind::kHealthz || route.kind == RouteKind::kReadyz) return Verdict{};
  Gate gate = CheckCaller(c, snap, header);
  if (!gate.exempt) {
    if (std::int64_t locked = c.gw.limiter.LockedForMs(gate.limiter_address); locked > 0) {
      c.gw.metrics.CountAuthFailure("locked_out");
      CountAdmissionRejection(c, route.name, 429);
      LogAuthRejection(c, std::string_view(header.method_string()), path, 429, "auth_locked_out",
                       gate.caller);
      return Verdict{false, {}, LockedOutReply(locked)};
    }
  }
  if (gate.decision.outcome == access::AuthOutcome::kAllowed) {
    // Only wrong tokens are counted (token and jwt modes); in trusted-proxy mode nothing that
    // could succeed was ever counted, so there is nothing to clear.
    if (!gate.exempt && (snap.access.mode == config::AuthMode::kToken ||
                         snap.access.mode == config::AuthMode::kJwt)) {
      c.gw.limiter.RecordSuccess(gate.limiter_address);
    }
    return Verdict{true, std::move(gate.caller), {}};
  }
  RecordAuthFailure(c, snap, header, gate);
  Reply reply = AuthRejectedReply(gate.decision);
  CountAdmissionRejection(c, route.name, reply.status);
  LogAuthRejection(c, std::string_view(header.method_string()), path, reply.status,
                   gate.decision.code, gate.caller);
  return Verdict{false, {}, std::move(reply)};
}

}  // namespace warden::proxy
