#include "access/jwt_auth.hpp"

#include <algorithm>
#include <atomic>

namespace warden::access {

namespace {

constexpr std::size_t kMaxLoggedSubject = 256;

AuthDecision Refuse(crypto::JwtFailure f) {
  AuthOutcome outcome = AuthOutcome::kWrong;
  if (f == crypto::JwtFailure::kMissing) outcome = AuthOutcome::kMissing;
  if (f == crypto::JwtFailure::kJwksUnavailable) outcome = AuthOutcome::kUnavailable;
  return {outcome, crypto::JwtFailureCode(f), std::string(crypto::JwtFailureMessage(f))};
}

AuthDecision Forbidden() {
  return {AuthOutcome::kForbidden, "caller_not_allowed",
          "no [callers] entry's jwt_subject/jwt_claims matches this token"};
}

// The decision for a verified token whose caller index (into policy.callers) is `caller`.
AuthDecision Decide(const AccessPolicy& policy, int caller) {
  if (policy.callers.empty()) return {};
  if (caller < 0) return Forbidden();
  AuthDecision allowed;
  allowed.caller = &policy.callers[static_cast<std::size_t>(caller)];
  return allowed;
}

JwtCache& ThreadCache() {
  thread_local JwtCache cache;
  return cache;
}

}  // namespace

std::uint64_t NewJwtPolicyId() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

const JwtCache::Entry* JwtCache::Find(const crypto::Sha256Digest& digest, std::uint64_t policy_id,
                                      std::uint64_t keys_generation, std::int64_t now_ms) const {
  auto it = entries_.find(digest);
  if (it == entries_.end()) return nullptr;
  const Entry& e = it->second;
  if (e.policy_id != policy_id || e.keys_generation != keys_generation ||
      now_ms >= e.valid_until_ms) {
    return nullptr;
  }
  return &e;
}

void JwtCache::Insert(const crypto::Sha256Digest& digest, Entry entry, std::int64_t now_ms) {
  if (entries_.size() >= kMaxEntries && entries_.find(digest) == entries_.end()) {
    std::erase_if(entries_, [&](const auto& kv) { return now_ms >= kv.second.valid_until_ms; });
    if (entries_.size() >= kMaxEntries) entries_.clear();
  }
  entries_.insert_or_assign(digest, std::move(entry));
}

JwtAuthResult AuthenticateJwt(const AccessPolicy& policy, std::string_view authorization,
                              std::string_view api_key, std::int64_t now_ms,
                              crypto::Sha256Memo& digests) {
  JwtAuthResult out;
  std::string_view token = BearerToken(authorization);
  if (token.empty()) token = api_key;
  if (token.empty()) {
    out.decision = Refuse(crypto::JwtFailure::kMissing);
    return out;
  }
  // Checked before hashing or decoding: a 100 KB header value costs nothing more.
  if (token.size() > crypto::kMaxJwtBytes) {
    out.decision = Refuse(crypto::JwtFailure::kTooLarge);
    return out;
  }
  const JwtPolicy& jwt = policy.jwt;
  const std::uint64_t generation = jwt.keys ? jwt.keys->generation() : 0;
  if (generation == 0) {
    out.decision = Refuse(crypto::JwtFailure::kJwksUnavailable);
    return out;
  }
  const crypto::Sha256Digest digest = digests.Of(token);
  JwtCache& cache = ThreadCache();
  if (jwt.id != 0) {
    if (const JwtCache::Entry* hit = cache.Find(digest, jwt.id, generation, now_ms)) {
      out.decision = Decide(policy, hit->caller);
      out.subject = hit->subject;
      return out;
    }
  }
  const std::shared_ptr<const crypto::JwkSet> keys = jwt.keys->Keys();
  if (!keys) {
    out.decision = Refuse(crypto::JwtFailure::kJwksUnavailable);
    return out;
  }
  crypto::JwtVerdict verdict = crypto::VerifyJwt(token, *keys, jwt.rules, now_ms / 1000);
  if (verdict.failure) {
    if (*verdict.failure == crypto::JwtFailure::kUnknownKid) jwt.keys->RequestRefetch(now_ms);
    out.decision = Refuse(*verdict.failure);
    return out;
  }
  const CallerPolicy* caller = MatchJwtCaller(policy.callers, verdict.jwt);
  const int index = caller ? static_cast<int>(caller - policy.callers.data()) : -1;
  out.subject = verdict.jwt.subject.substr(0, kMaxLoggedSubject);
  if (jwt.id != 0) {
    const std::int64_t valid_until =
        std::min((verdict.jwt.exp_s + jwt.rules.leeway_s) * 1000, now_ms + JwtCache::kMaxTtlMs);
    cache.Insert(digest, JwtCache::Entry{valid_until, jwt.id, generation, index, out.subject},
                 now_ms);
  }
  out.decision = Decide(policy, index);
  return out;
}

JwtAuthResult AuthenticateJwt(const AccessPolicy& policy, std::string_view authorization,
                              std::string_view api_key, std::int64_t now_ms) {
  crypto::Sha256Memo digests;
  return AuthenticateJwt(policy, authorization, api_key, now_ms, digests);
}

}  // namespace warden::access
