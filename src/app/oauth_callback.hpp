// The loopback side of `warden auth login`: waits for whichever comes first of the browser's
// redirect to redirect_uri (a one-shot HTTP listener on its loopback host:port), a line pasted
// on stdin (the redirect URL, `code#state` or a bare code), the timeout, or Ctrl-C/SIGTERM.
// A callback with a wrong or missing state is answered with an error page and the wait goes on
// (a stale tab or a forged redirect must not end the login); the provider's error or a callback
// without a code ends it with an error. A pasted line that does not check out is reported and
// another may be pasted. Every page and message is free of codes and tokens.
// Ownership: owns its io_context, listener and stdin reader for the call.
// Thread safety: blocks the calling thread (the CLI's main thread) until an outcome.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "base/result.hpp"
#include "creds/oauth_pkce.hpp"

namespace warden::app {

struct CallbackWait {
  std::string redirect_uri;  // http://127.0.0.1:PORT/path (validated by the caller: loopback)
  std::string state;         // the login's state
  std::chrono::milliseconds timeout{5 * 60 * 1000};
  bool read_stdin = true;
  // Called once the listener is up (or known to be impossible) and before waiting: where the
  // verb prints the authorize URL, so a redirect can never arrive before anyone listens.
  std::function<void()> ready;
};

// The accepted reply (code checked against the state), or OAUTH_TIMEOUT, OAUTH_CALLBACK_INVALID
// (provider error, no code), BIND_FAILED (nothing can listen and stdin cannot be read),
// or IO_ERROR "interrupted" on SIGINT/SIGTERM.
[[nodiscard]] Result<creds::AuthorizationReply> WaitForAuthorization(const CallbackWait& wait);

// Checks that `redirect_uri` is http:// on a loopback address with a port; returns host, port
// and path. CONFIG_INVALID otherwise (login refuses to listen anywhere else).
struct LoopbackRedirect {
  std::string host;
  unsigned short port = 0;
  std::string path;
};
[[nodiscard]] Result<LoopbackRedirect> ParseLoopbackRedirect(const std::string& redirect_uri);

}  // namespace warden::app
