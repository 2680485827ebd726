#include "creds/federated_refresher.hpp"

#include <spdlog/spdlog.h>

#include "base/atomic_file.hpp"
#include "base/strings.hpp"
#include "crypto/jwt.hpp"
#include "secrets/header_value.hpp"
#include "secrets/process_runner.hpp"

namespace warden::creds {

namespace asio = net::asio;

namespace {

// refresh_command, co_spawned onto the refresher's blocking thread; `run` and `spec` are copies,
// `env` belongs to the refresher's owner and outlives the thread (the destructor joins it).
// (Awaiting asio::post(blocking, use_awaitable) instead would not move the coroutine: its
// completion is dispatched back to the coroutine's own executor, the control loop.)
net::Task<Result<secrets::ProcessOutput>> RunOnBlockingThread(FederatedRefresher::Runner run,
                                                              secrets::ProcessSpec spec,
                                                              const Environment& env) {
  co_return run(spec, env);
}

secrets::ProcessSpec RefreshSpec(const config::FederatedConfig& cfg) {
  secrets::ProcessSpec spec;
  spec.command = cfg.refresh_command.front();
  spec.args.assign(cfg.refresh_command.begin() + 1, cfg.refresh_command.end());
  spec.pass_env = cfg.pass_env;
  spec.trusted_dirs = cfg.trusted_dirs;
  spec.timeout = cfg.refresh_timeout;
  spec.max_output = 64 * 1024;
  return spec;
}

}  // namespace

struct FederatedRefresher::State {
  explicit State(asio::any_io_executor ex) : wake(ex), done(ex) {}
  std::string provider;
  config::FederatedConfig cfg;
  std::shared_ptr<FederatedToken> token;
  asio::steady_timer wake;  // cancelled to make the loop re-evaluate (config change, stop)
  asio::steady_timer done;  // cancelled when a run finishes (wakes RefreshNow waiters)
  bool running = false;
  bool stopped = false;
  std::int64_t backoff_ms = 0;
  std::int64_t retry_at_ms = 0;  // after a failure
};

FederatedRefresher::FederatedRefresher(asio::any_io_executor control, const Environment& env,
                                       observe::Metrics& metrics, const Clock& clock, Runner run)
    : control_(std::move(control)),
      env_(env),
      metrics_(metrics),
      clock_(clock),
      run_(std::move(run)) {
  if (!run_) run_ = secrets::RunProcess;
}

FederatedRefresher::~FederatedRefresher() {
  Stop();
  blocking_.join();
}

void FederatedRefresher::Stop() {
  for (auto& [id, st] : states_) {
    st->stopped = true;
    st->wake.cancel();
    st->done.cancel();
  }
  states_.clear();
}

void FederatedRefresher::Configure(
    const std::map<std::string,
                   std::pair<config::FederatedConfig, std::shared_ptr<FederatedToken>>>&
        providers) {
  for (auto it = states_.begin(); it != states_.end();) {
    if (!providers.contains(it->first) || providers.at(it->first).first.refresh_command.empty()) {
      it->second->stopped = true;
      it->second->wake.cancel();
      it = states_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [id, entry] : providers) {
    if (entry.first.refresh_command.empty()) continue;
    auto& st = states_[id];
    if (!st) {
      st = std::make_shared<State>(control_);
      st->provider = id;
      st->cfg = entry.first;
      st->token = entry.second;
      asio::co_spawn(control_, Loop(st), [id](std::exception_ptr e) {
        if (e) spdlog::error("federated refresher for {} stopped by an exception", id);
      });
    } else {
      st->cfg = entry.first;
      st->token = entry.second;
      st->wake.cancel();
    }
  }
}

net::Task<void> FederatedRefresher::Loop(std::shared_ptr<State> st) {
  while (!st->stopped) {
    const std::int64_t now = clock_.NowMs();
    auto cur = st->token->Current();
    std::int64_t due = cur ? cur->exp_ms - st->cfg.refresh_before.count() : now;
    if (st->retry_at_ms > due) due = st->retry_at_ms;
    if (due > now) {
      st->wake.expires_after(std::chrono::milliseconds(due - now));
      co_await st->wake.async_wait(net::kUseTuple);
      continue;  // woken early (config change/stop) or due: re-evaluate
    }
    co_await RunRefresh(st);
  }
}

net::Task<void> FederatedRefresher::RunRefresh(std::shared_ptr<State> st) {
  if (st->running) {
    // Someone else is refreshing: wait for that run instead of starting another.
    co_await st->done.async_wait(net::kUseTuple);
    co_return;
  }
  st->running = true;
  st->done.expires_at(std::chrono::steady_clock::time_point::max());  // waiters park on it
  // The child runs on the blocking thread so the control loop (signals, reloads) stays
  // responsive; this coroutine resumes on the control loop with its output.
  auto work = RunOnBlockingThread(run_, RefreshSpec(st->cfg), env_);
  const Result<secrets::ProcessOutput> out =
      co_await asio::co_spawn(blocking_, std::move(work), asio::use_awaitable);

  std::string error;
  std::optional<FederatedTokenValue> fresh;
  if (!out) {
    error = out.error().message;
  } else if (out->exit_code != 0) {
    error = "refresh_command exited with status " + std::to_string(out->exit_code);
  } else {
    std::string token(TrimWhitespace(out->stdout_data));
    auto claims = crypto::DecodeJwtClaims(token);
    if (!claims) {
      error = "refresh_command did not print a JWT with exp (" + claims.error().message + ")";
    } else if (claims->exp * 1000 <= clock_.NowMs()) {
      error = "refresh_command printed an expired token";
    } else if (auto ok = secrets::CheckHeaderValue(token, "refresh_command output"); !ok) {
      error = ok.error().message;
    } else {
      fresh = FederatedTokenValue{Secret(std::move(token)), claims->exp * 1000, "refresh_command"};
    }
  }
  if (fresh && !st->cfg.token_file.empty()) {
    auto slash = st->cfg.token_file.rfind('/');
    if (slash != std::string::npos && slash > 0)
      (void)EnsurePrivateDir(st->cfg.token_file.substr(0, slash));
    std::string content(fresh->token.Reveal());
    content += "\n";
    if (auto w = WriteFileAtomically(st->cfg.token_file, content, 0600); !w) {
      // The token is still good in memory; the file is only a fallback for restarts.
      spdlog::warn("federated token for {}: cannot write token_file: {}", st->provider,
                   w.error().ToString());
    }
  }
  const std::int64_t now = clock_.NowMs();
  if (fresh) {
    std::int64_t exp_ms = fresh->exp_ms;
    st->token->Publish(std::make_shared<const FederatedTokenValue>(std::move(*fresh)));
    st->token->SetLastError("");
    st->backoff_ms = 0;
    st->retry_at_ms = 0;
    metrics_.CountRefresh(st->provider, true);
    spdlog::info("refreshed the federated token of {} ({}), expires in {}s", st->provider,
                 st->token->Current()->token.Fingerprint(), (exp_ms - now) / 1000);
  } else {
    st->backoff_ms =
        st->backoff_ms == 0 ? kFirstBackoffMs : std::min(st->backoff_ms * 2, kMaxBackoffMs);
    st->retry_at_ms = now + st->backoff_ms;
    st->token->SetLastError(error);
    metrics_.CountRefresh(st->provider, false);
    auto cur = st->token->Current();
    if (cur && cur->exp_ms > now) {
      spdlog::warn(
          "federated token refresh for {} failed: {}; keeping the present token (expires in {}s); "
          "retry in {}s",
          st->provider, error, (cur->exp_ms - now) / 1000, st->backoff_ms / 1000);
    } else {
      spdlog::error("federated token refresh for {} failed: {}; no usable token; retry in {}s",
                    st->provider, error, st->backoff_ms / 1000);
    }
  }
  st->running = false;
  st->done.cancel();
}

net::Task<void> FederatedRefresher::RefreshNow(std::string provider, std::string seen_fingerprint) {
  auto it = states_.find(provider);
  if (it == states_.end()) co_return;
  auto st = it->second;
  auto cur = st->token->Current();
  if (cur && cur->token.Fingerprint() != seen_fingerprint) co_return;  // already replaced
  // Within the failure backoff the last failure stands: a flood of upstream 401s must not run
  // refresh_command once per request (the backoff itself is bounded at 5 min).
  if (st->retry_at_ms > clock_.NowMs()) co_return;
  co_await RunRefresh(st);
  st->wake.cancel();  // let the loop re-plan around the new token
}

}  // namespace warden::creds
