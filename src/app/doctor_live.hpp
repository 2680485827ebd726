// `warden doctor`'s view of a gateway running on this machine: does its /readyz agree with the
// config on disk, is it ready, and does it accept the token this CLI resolves.
//
// CompareLiveGateway is the pure decision over a /readyz document and the config:
//   GATEWAY_STALE_CONFIG  it runs another config file; its last reload failed (it still serves
//                         the config before); or its auth mode or provider set differ from the
//                         file's (the file changed and was not reloaded: `[reload] watch = false`
//                         or a change that needs a restart);
//   GATEWAY_NOT_READY     /readyz says "unavailable" (no provider has a usable credential).
// CheckLiveGateway asks the gateway (app/live_gateway.hpp: loopback only, bounded) and adds
// those, plus GATEWAY_TOKEN_MISMATCH when in token mode /v1/models refuses the resolved token
// with 401 (the server resolved another token: see TOKEN_SHADOWED). Nothing answering is a note,
// not a finding; so is a gateway it cannot ask (port 0, HTTPS, a network address).
// Ownership: plain values; CheckLiveGateway borrows its arguments for the call.
// Thread safety: CompareLiveGateway is pure; CheckLiveGateway blocks for up to a few seconds.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/doctor_report.hpp"
#include "config/config.hpp"
#include "observe/secret.hpp"
#include "proxy/readyz_document.hpp"

namespace warden::app {

struct LiveFinding {
  std::string_view code;
  std::string message;
};

// `config_origin` and `live.config` as the caller wants them compared (CheckLiveGateway makes
// both absolute with RealPath first). `where` names the gateway ("127.0.0.1:8787").
std::vector<LiveFinding> CompareLiveGateway(const proxy::ReadyzDocument& live,
                                            const config::Config& cfg,
                                            const std::string& config_origin,
                                            const std::string& where);

// `token`: the gateway token this CLI resolves (token mode), with its source; null otherwise.
void CheckLiveGateway(const config::Config& cfg, const Secret* token,
                      const std::string& token_source, DoctorReport& report);

}  // namespace warden::app
