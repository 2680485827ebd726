// JwksSource: loads the issuer's key set into the JwksStore the data plane verifies JWTs with
// (gateway.auth.mode = "jwt"), and keeps it current.
//
// Where the keys come from: `jwks_file` (read at start, where a bad file fails the start; read
// again when the control plane's file watch sees it change, a bad new file keeping the old keys),
// else `jwks_url`, else OIDC discovery: {issuer}/.well-known/openid-configuration, whose `issuer`
// must equal the configured one and whose `jwks_uri` must be https (http only for loopback).
// URLs are fetched by one coroutine on the control executor (http/http_get.hpp: never blocks a
// thread; each fetch bounded by kFetchTimeout and a document by crypto::kMaxJwksBytes). Until
// the first key set loads it retries with backoff (1 s doubling to 30 s) and /readyz says not
// ready; afterwards it refetches when the data plane meets an unknown kid (JwksStore rate-limits
// that to once per 30 s) and every kRefreshInterval. A failed or garbage refetch keeps the
// cached keys and is logged and shown in /readyz.
// Ownership: owns the store (shared with snapshots) and its HTTP pool; borrows the executor and
// clock, which must outlive it.
// Thread safety: not thread-safe; control executor only. The store's refetch handler, called
// from event loops, only posts to the control executor.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "access/jwks_store.hpp"
#include "base/clock.hpp"
#include "base/result.hpp"
#include "config/config.hpp"
#include "http/net.hpp"
#include "http/upstream_pool.hpp"

namespace warden::control {

class JwksSource {
 public:
  static constexpr std::chrono::milliseconds kFetchTimeout{10'000};
  static constexpr std::chrono::milliseconds kFirstBackoff{1'000};
  static constexpr std::chrono::milliseconds kMaxBackoff{30'000};
  static constexpr std::chrono::milliseconds kRefreshInterval{60 * 60'000};

  JwksSource(net::asio::any_io_executor control, const Clock& clock);
  ~JwksSource();

  const std::shared_ptr<access::JwksStore>& store() const { return store_; }

  // Applies gateway.auth.jwt (at start and after each reload). A changed key source forgets the
  // old keys; jwks_file is read now (an error for a file that does not load, at start); a URL
  // source starts fetching in the background.
  Result<void> Configure(const config::JwtAuthConfig& cfg);
  // What a reload checks before it commits: a new jwks_file source must load (a URL source is
  // fetched afterwards, in the background). Reads the file; changes nothing.
  Result<void> Check(const config::JwtAuthConfig& cfg) const;
  // The jwks_file, when that is the source; "" otherwise.
  const std::string& file() const { return cfg_.jwks_file; }
  // The watched jwks_file changed: read it again (a bad file keeps the present keys).
  void ReloadFile();
  void Stop();

 private:
  std::string SourceKey(const config::JwtAuthConfig& cfg) const;
  Result<void> LoadFile();
  static Result<crypto::JwkSet> ReadFile(const std::string& path);
  net::Task<void> Loop(std::uint64_t run);
  net::Task<Result<std::string>> JwksUrl();
  struct Fetched {
    crypto::JwkSet keys;
    std::string url;
  };
  net::Task<Result<Fetched>> FetchOnce();
  void Wake();

  net::asio::any_io_executor control_;
  const Clock& clock_;
  std::shared_ptr<access::JwksStore> store_;
  http::UpstreamPool pool_;
  net::asio::steady_timer wake_;
  config::JwtAuthConfig cfg_;
  std::string source_key_;
  std::uint64_t run_ = 0;         // bumps when the source changes: an older loop ends
  bool refetch_pending_ = false;  // asked while a fetch was running
  bool stopped_ = false;
  // One per loop started; Stop() emits them all, so an in-flight fetch ends at once (the control
  // loop would otherwise wait for it before `serve` can exit).
  std::vector<std::unique_ptr<net::asio::cancellation_signal>> cancels_;
};

}  // namespace warden::control
