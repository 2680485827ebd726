// ConnectionLimiter: caps on caller connections, in all and per client, so that a flood of idle
// connections (from one address or many) cannot take every descriptor and lock out the other
// callers, the upstream pool and the exec helpers.
//
// The server asks TryAdmit() when it accepts a connection and calls Release() with the same key
// when the connection closes. When the total cap is reached the server first closes one of its
// idle keep-alive connections (as nginx reuses "reusable" connections) and then admits the new
// one with Admit(..., over_total = true); the closing connection gives its slot back shortly.
// Clients are keyed by ClientKey() (base/client_key.hpp): the IPv4 address, or the /64 prefix of
// an IPv6 address (one host usually owns a whole /64, so per-address limits would be no limit at
// all); the failed-auth limiter groups callers the same way.
// Ownership: owned by the server (one per gateway); keys are copied in, nothing is borrowed.
// Thread safety: all methods are thread-safe (one mutex; taken per connection, not per request).
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace warden::http {

class ConnectionLimiter {
 public:
  enum class Verdict { kAdmitted, kTotalFull, kClientFull };

  ConnectionLimiter(std::size_t max_total, std::size_t max_per_client)
      : max_total_(max_total), max_per_client_(max_per_client) {}

  // Admits a connection from `client` unless a cap is reached. `over_total` admits past the
  // total cap (the caller has just shed an idle connection); the per-client cap always holds.
  Verdict Admit(const std::string& client, bool over_total = false);
  void Release(const std::string& client);

  std::size_t total() const;
  std::size_t max_total() const { return max_total_; }

 private:
  const std::size_t max_total_;
  const std::size_t max_per_client_;
  mutable std::mutex mu_;
  std::size_t total_ = 0;                                 // GUARDED_BY(mu_)
  std::unordered_map<std::string, std::size_t> clients_;  // GUARDED_BY(mu_)
};

}  // namespace warden::http
