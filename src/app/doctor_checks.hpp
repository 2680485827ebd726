// `warden doctor`'s checks over a loaded config (the file checks are in doctor.cc):
//   SECRET_UNRESOLVABLE  a SecretRef `warden serve` would resolve does not resolve (same
//                        SecretResolver, same timeouts); names the key path, the ref and the
//                        resolver's reason, which never holds a value. Refs of `enabled = false`
//                        providers and env refs of federated tokens (absent is normal there) are
//                        skipped, as serve does; an insecure secret file is FILE_INSECURE instead.
//   TOKEN_WEAK           the gateway token (token mode; resolved by access::ResolveGatewayToken,
//                        as serve does) or a caller's token (a SecretRef of [callers.NAME].tokens)
//                        fails access::TokenWeakness. `sha256:` digests cannot be judged.
//   TOKEN_SHADOWED       WARDEN_GATEWAY_TOKEN and gateway.auth.token differ.
//   BIND_NOT_LOOPBACK    config::AssessBindExposure: what exposes it and what protects it.
//   CLOCK_SKEW           the clock reads earlier than this binary's build time.
// Then the running gateway (app/doctor_live.hpp), asked with the resolved token.
// Ownership: borrows the config, the environment and the report for the call.
// Thread safety: call from main's thread; exec SecretRefs run helpers (bounded by their timeout).
#pragma once

#include <optional>
#include <string>

#include "app/doctor_report.hpp"
#include "base/environment.hpp"
#include "config/config.hpp"

namespace warden::app {

// `flag_token`: the --token option, which outranks everything (as for serve).
void CheckConfig(const config::Config& cfg, const Environment& env,
                 const std::optional<std::string>& flag_token, DoctorReport& report);

// CLOCK_SKEW against the build time; needs no config.
void CheckClock(DoctorReport& report);

}  // namespace warden::app
