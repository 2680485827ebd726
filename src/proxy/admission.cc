#include "proxy/admission.hpp"

#include <cstdint>
#include <string>

#include <spdlog/spdlog.h>

#include "access/caller_auth.hpp"
#include "proxy/reply.hpp"
#include "proxy/response_writer.hpp"
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
  return decision.outcome == access::AuthOutcome::kUnsupportedMode ? 500 : 401;
}

Reply AuthRejectedReply(const access::AuthDecision& decision) {
  return Reply{AuthRejectionStatus(decision), std::string(decision.code),
               std::string(decision.message),
               Header("www-authenticate", "Bearer realm=\"warden\"")};
}

// Counts the failure; a wrong credential (not a missing one) from a non-exempt peer counts
// towards its lockout.
void RecordAuthFailure(ClientContext& c, const access::AuthDecision& decision, bool exempt) {
  c.gw.metrics.CountAuthFailure(decision.code);
  if (decision.outcome != access::AuthOutcome::kWrong || exempt) return;
  const access::FailureOutcome outcome = c.gw.limiter.RecordFailure(c.peer_address);
  if (outcome.lockout_ms > 0) {
    spdlog::warn("locking out {} for {}s after repeated invalid gateway tokens",
                 c.gw.limiter.KeyOf(c.peer_address), CeilSeconds(outcome.lockout_ms));
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

net::Task<Verdict> Admit(ClientContext& c, const snapshot::Snapshot& snap,
                         const RequestHeader& header) {
  const std::string_view path = PathOf(header.target());
  const Route route = MatchRoute(path);
  if (route.kind == RouteKind::kHealthz || route.kind == RouteKind::kReadyz) co_return Verdict{};
  const bool exempt = c.gw.limiter.Exempt(c.peer_loopback);
  if (!exempt) {
    if (std::int64_t locked = c.gw.limiter.LockedForMs(c.peer_address); locked > 0) {
      c.gw.metrics.CountAuthFailure("locked_out");
      CountAdmissionRejection(c, route.name, 429);
      LogAuthRejection(c, std::string_view(header.method_string()), path, 429, "auth_locked_out");
      co_await WriteError(c, path, LockedOutReply(locked), false);
      co_return Verdict{false};
    }
  }
  const access::AuthDecision decision =
      access::Authenticate(snap.access, header[bhttp::field::authorization], header["x-api-key"]);
  if (decision.outcome == access::AuthOutcome::kAllowed) {
    if (!exempt) c.gw.limiter.RecordSuccess(c.peer_address);
    co_return Verdict{};
  }
  RecordAuthFailure(c, decision, exempt);
  Reply reply = AuthRejectedReply(decision);
  CountAdmissionRejection(c, route.name, reply.status);
  LogAuthRejection(c, std::string_view(header.method_string()), path, reply.status, decision.code);
  co_await WriteError(c, path, std::move(reply), false);
  co_return Verdict{false};
}

}  // namespace warden::proxy
