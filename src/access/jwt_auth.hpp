// Caller authentication in jwt mode: the caller presents a JWT from its workload identity
// provider (GitHub Actions, Vercel, any OIDC issuer) as `Authorization: Bearer <jwt>` or
// `x-api-key: <jwt>`; warden verifies it (crypto/jwt_verify.hpp) with the issuer's keys
// (access/jwks_store.hpp) and, with [callers], recognises the caller by its claims
// (MatchJwtCaller). A gateway token is not accepted in this mode.
//
// Outcomes (AuthOutcome, so the failed-auth limiter counts the right ones):
//   no credential                               kMissing      jwt_missing (not counted)
//   no key set loaded yet                       kUnavailable  jwks_unavailable, 503 (not counted)
//   any other verification failure              kWrong        jwt_* (counted)
//   verified, but no [callers] entry matches    kForbidden    caller_not_allowed, 403
// An unknown kid also asks the JwksStore for a refetch (rate-limited there) and fails at once
// (401 jwt_unknown_kid): the request never waits for the network; the caller retries.
//
// Verified tokens are cached per thread (JwtCache) under their SHA-256, until the earlier of
// exp + leeway and kMaxTtlMs, for the policy id and key-set generation they were verified with:
// a repeated token costs one lookup instead of a signature check (and no hash when the same
// connection presented it last: Sha256Memo).
// Ownership: borrows the policy for the call. Thread safety: the cache is thread_local; the
// rest is pure or goes through the thread-safe JwksStore.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "access/access_policy.hpp"
#include "access/caller_auth.hpp"
#include "crypto/crypto.hpp"
#include "crypto/sha256_memo.hpp"

namespace warden::access {

struct JwtAuthResult {
  AuthDecision decision;
  std::string subject;  // the verified token's sub (for the access log), truncated
};

// `authorization` and `api_key` are the raw header values (empty when absent). `digests`: as for
// Authenticate (caller_auth.hpp), the memo of the caller connection's last token.
JwtAuthResult AuthenticateJwt(const AccessPolicy& policy, std::string_view authorization,
                              std::string_view api_key, std::int64_t now_ms,
                              crypto::Sha256Memo& digests);
JwtAuthResult AuthenticateJwt(const AccessPolicy& policy, std::string_view authorization,
                              std::string_view api_key, std::int64_t now_ms);

// Verified tokens of one thread. Bounded: at kMaxEntries, expired entries are dropped, then all.
class JwtCache {
 public:
  static constexpr std::size_t kMaxEntries = 4096;
  static constexpr std::int64_t kMaxTtlMs = 5 * 60'000;

  struct Entry {
    std::int64_t valid_until_ms = 0;
    std::uint64_t policy_id = 0;
    std::uint64_t keys_generation = 0;
    int caller = -1;  // index into the policy's callers; -1 = none (no [callers], or forbidden)
    std::string subject;
  };

  // The entry for `digest` when it was made for this policy and key set and is still valid.
  const Entry* Find(const crypto::Sha256Digest& digest, std::uint64_t policy_id,
                    std::uint64_t keys_generation, std::int64_t now_ms) const;
  void Insert(const crypto::Sha256Digest& digest, Entry entry, std::int64_t now_ms);
  std::size_t size() const { return entries_.size(); }

 private:
  struct DigestHash {
    std::size_t operator()(const crypto::Sha256Digest& d) const {
      std::size_t h = 0;
      for (std::size_t i = 0; i < sizeof h; ++i) h = (h << 8) | d[i];
      return h;
    }
  };
  std::unordered_map<crypto::Sha256Digest, Entry, DigestHash> entries_;
};

}  // namespace warden::access
