// FederatedRefresher: keeps short-lived workload (OIDC) tokens fresh without restarts.
//
// For each provider with a `refresh_command`, a loop on the control executor sleeps until
// `refresh_before` ahead of the current token's exp (at once when there is none), runs the
// command (argv, no shell, same sandbox rules as exec secrets) on its own blocking thread (the
// loop awaits the result there and resumes on the control executor, so a slow command never
// delays a SIGHUP reload or a SIGTERM),
// validates the printed JWT, writes it to `token_file` atomically with mode 0600 and publishes it
// to the FederatedToken that snapshots share — the data plane sees it on its next request.
// A failed refresh keeps the present token until it expires, retries with backoff
// (5 s doubling to 5 min) and records the reason for /readyz, `warden status` and metrics.
// RefreshNow() is what the data plane awaits after an upstream 401 ("refresh once, retry once");
// concurrent callers share one run, and a caller whose token was already replaced returns at once.
//
// Ownership: borrows `env`, `metrics` and `clock`, which must outlive the refresher; owns its
// thread (the destructor joins it, so it waits for a running command, at most refresh_timeout).
// Thread safety: Configure/loops run on the control executor; RefreshNow must be co_spawned
// onto executor(). The blocking thread sees only a copy of the command's spec (and `env`); it is
// one thread, so refreshes never overlap.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "base/clock.hpp"
#include "base/environment.hpp"
#include "config/config.hpp"
#include "creds/federated_token.hpp"
#include "http/net.hpp"
#include "observe/metrics.hpp"
#include "secrets/process_runner.hpp"

namespace warden::creds {

class FederatedRefresher {
 public:
  static constexpr std::int64_t kFirstBackoffMs = 5'000;
  static constexpr std::int64_t kMaxBackoffMs = 5 * 60'000;

  // Runs refresh_command (tests pass a fake); default secrets::RunProcess.
  using Runner = std::function<Result<secrets::ProcessOutput>(const secrets::ProcessSpec&,
                                                              const Environment&)>;

  FederatedRefresher(net::asio::any_io_executor control, const Environment& env,
                     observe::Metrics& metrics, const Clock& clock, Runner run = {});
  ~FederatedRefresher();
  FederatedRefresher(const FederatedRefresher&) = delete;
  FederatedRefresher& operator=(const FederatedRefresher&) = delete;

  net::asio::any_io_executor executor() const { return control_; }

  // Starts, updates or stops per-provider loops to match `providers` (id → config, token).
  // Call on the control executor after every successful snapshot build.
  void Configure(const std::map<
                 std::string, std::pair<config::FederatedConfig, std::shared_ptr<FederatedToken>>>&
                     providers);
  // Refreshes `provider` now unless its token is no longer `seen_fingerprint`.
  net::Task<void> RefreshNow(std::string provider, std::string seen_fingerprint);
  void Stop();

 private:
  struct State;
  net::Task<void> Loop(std::shared_ptr<State> st);
  net::Task<void> RunRefresh(std::shared_ptr<State> st);

  net::asio::any_io_executor control_;
  net::asio::thread_pool blocking_{1};
  const Environment& env_;
  observe::Metrics& metrics_;
  const Clock& clock_;
  Runner run_;
  std::map<std::string, std::shared_ptr<State>> states_;
};

}  // namespace warden::creds
