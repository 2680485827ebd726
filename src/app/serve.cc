#include <malloc.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "app/verbs.hpp"
#include "control/control_plane.hpp"
#include "control/effective_config.hpp"
#include "http/net.hpp"
#include "http/server.hpp"
#include "http/tls_context.hpp"
#include "observe/log.hpp"
#include "proxy/gateway_handler.hpp"

namespace warden::app {

namespace asio = net::asio;

namespace {

net::Task<void> HandleSignals(asio::signal_set& signals, http::Server& server,
                              control::ControlPlane& plane) {
  for (;;) {
    auto [ec, signo] = co_await signals.async_wait(net::kUseTuple);
    if (ec) co_return;
    if (signo == SIGHUP) {
      plane.Reload("SIGHUP");
      continue;
    }
    spdlog::info("received {}; draining in-flight requests",
                 signo == SIGINT ? "SIGINT" : "SIGTERM");
    server.Shutdown();
    plane.Stop();
    signals.cancel();
    co_return;
  }
}

// Raises the descriptor limit to the hard limit: every caller connection and its upstream
// connection take one each, and the default soft limit (often 1024) is below what a gateway
// needs. The connection caps are derived from the result.
void RaiseDescriptorLimit() {
  rlimit nofile{};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) != 0 || nofile.rlim_cur >= nofile.rlim_max) return;
  const rlim_t before = nofile.rlim_cur;
  nofile.rlim_cur = nofile.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &nofile) != 0) {
    spdlog::warn("cannot raise the descriptor limit from {}: {}", before, std::strerror(errno));
  }
}

// A core dump of this process would hold every provider key in clear text: none, and no
// ptrace by other processes of the user, unless WARDEN_ALLOW_CORE_DUMPS=1 (for debugging).
void DisableCoreDumps(const Environment& env) {
  if (env.Get("WARDEN_ALLOW_CORE_DUMPS").value_or("") == "1") return;
  rlimit none{0, 0};
  ::setrlimit(RLIMIT_CORE, &none);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

// How callers are admitted, said once at start (the token's source and fingerprint, never it).
void LogAuthMode(const snapshot::Snapshot& snap, const config::Config& cfg, bool token_generated) {
  if (snap.access.mode == config::AuthMode::kToken) {
    if (token_generated) {
      spdlog::info(
          "generated a gateway token in {} (mode 0600); clients and `warden` verbs read it from "
          "there",
          snap.access.token_source);
    } else {
      spdlog::info("gateway token from {} ({})", snap.access.token_source,
                   snap.access.token.Fingerprint());
    }
  } else if (snap.access.mode == config::AuthMode::kTrustedProxy) {
    spdlog::info(
        "gateway.auth.mode = \"trusted-proxy\": callers are the users asserted in `{}` by "
        "{}; gateway tokens are not accepted",
        snap.access.trusted_proxy.user_header,
        fmt::join(cfg.gateway.auth.trusted_proxy.proxies, ", "));
  } else {
    spdlog::warn("gateway.auth.mode = \"none\": every local process can use your provider keys");
  }
}

// The listener's options: bind, loops, limits and the TLS context; refuses mode "none" on a
// network address (the bind actually listened on, --bind included).
Result<http::Server::Options> ServerOptionsFor(const config::Config& cfg,
                                               const snapshot::Snapshot& snap,
                                               const std::string& listen_bind) {
  http::Server::Options opts;
  opts.bind = listen_bind;
  opts.threads = cfg.gateway.threads;
  opts.limits = cfg.gateway;
  if (cfg.gateway.tls) {
    auto tls = http::MakeServerTlsContext(cfg.gateway.tls->cert, cfg.gateway.tls->key);
    if (!tls) return tls.error();
    opts.server_tls = std::make_shared<http::ServerTlsSlot>(std::move(*tls));
  }
  if (snap.access.mode == config::AuthMode::kNone) {
    auto ep = http::ParseBind(opts.bind);
    if (ep && !http::IsLoopback(ep->address())) {
      return Error::InvalidConfig(
          "gateway.auth.mode",
          "gateway.auth.mode = \"none\" is only allowed on a loopback bind, not " + opts.bind);
    }
  }
  return opts;
}

// glibc's malloc gives the free top of a thread's heap back to the kernel once it exceeds 128 KiB
// (and moves its mmap threshold as it goes). A proxied 60 KB prompt frees about that much per
// request (its body and the read buffer it grew), so the next request faulted all of it in again:
// 23 page faults per request and, in that state, twice the CPU (bench/cpu.sh). Freed memory is
// now kept for reuse up to 8 MiB per heap, and blocks up to 1 MiB come from the heap, not mmap.
// This applies where warden runs on glibc's malloc (built with WARDEN_TCMALLOC=OFF, and the
// sanitizer builds); tcmalloc, the default, serves such blocks from its size classes and does not
// fault per request (0 minor faults over 2,000 sequential 60 KB requests); mallopt does not
// configure it.
void TuneAllocator() {
  ::mallopt(M_TRIM_THRESHOLD, 8 << 20);
  ::mallopt(M_MMAP_THRESHOLD, 1 << 20);
}

}  // namespace

int RunServe(const CommonOptions& common, const ServeOptions& options) {
  observe::InitLogging(common.log_level);
  std::signal(SIGPIPE, SIG_IGN);
  TuneAllocator();
  // Register the signal handlers before anything can take time: a SIGTERM that arrives during
  // start-up is queued and handled as a graceful stop instead of killing the process.
  asio::io_context control_loop{1};
  asio::signal_set signals(control_loop, SIGINT, SIGTERM, SIGHUP);
  ProcessEnvironment env;
  DisableCoreDumps(env);
  RaiseDescriptorLimit();
  if (auto loaded = control::LoadHomeDotenv(env); !loaded) {
    spdlog::error("{}", loaded.error().ToString());
    return 1;
  } else if (*loaded > 0) {
    spdlog::info("loaded {} variable(s) from $WARDEN_HOME/.env", *loaded);
  }
  auto effective = control::LoadEffectiveConfig(common.config_path, env);
  if (!effective) {
    spdlog::error("cannot start: {}", effective.error().ToString());
    return 1;
  }
  const config::Config& cfg = *effective->config;
  spdlog::info("config: {}", cfg.origin);

  proxy::GatewayState::Options gw_options;
  gw_options.access_log = cfg.gateway.access_log;
  if (cfg.gateway.tls) gw_options.hsts = cfg.gateway.tls->hsts;
  const SystemClock clock;
  proxy::GatewayState gw(cfg.gateway.auth.rate_limit, observe::Metrics::Global(), gw_options,
                         clock);
  const std::string listen_bind = options.bind.value_or(cfg.gateway.bind);
  control::ControlPlane plane(control_loop.get_executor(), *effective, env, gw, common.token,
                              listen_bind);
  auto built = plane.Initial();
  if (!built) {
    spdlog::error("cannot start: {}", built.error().ToString());
    return 1;
  }
  for (const auto& d : built->diagnostics) spdlog::warn("{}", d);
  const auto& snap = *built->snapshot;
  LogAuthMode(snap, cfg, built->token_generated);
  spdlog::info("providers enabled: {}", snap.enabled_names.empty() ? "none" : snap.enabled_names);

  auto opts = ServerOptionsFor(cfg, snap, listen_bind);
  if (!opts) {
    spdlog::error("cannot start: {}", opts.error().ToString());
    return 1;
  }
  if (opts->server_tls) plane.SetServerTls(opts->server_tls);
  proxy::GatewayHandler handler(gw);
  http::Server server(*opts, handler, gw.metrics);
  if (auto started = server.Start(); !started) {
    spdlog::error("cannot start: {}", started.error().ToString());
    return 1;
  }
  auto ep = server.LocalEndpoint();
  // fmt rather than string concatenation: g++ 12 raises a false -Wrestrict on the latter.
  std::string host = ep.address().is_v6() ? fmt::format("[{}]", ep.address().to_string())
                                          : ep.address().to_string();
  spdlog::info("warden {} listening on {}://{}:{}", WARDEN_VERSION,
               opts->server_tls ? "https" : "http", host, ep.port());

  plane.Start();
  asio::co_spawn(control_loop, HandleSignals(signals, server, plane), asio::detached);
  control_loop.run();
  server.Wait();
  gw.SetRefresher(nullptr);
  spdlog::info("stopped");
  return 0;
}

}  // namespace warden::app
