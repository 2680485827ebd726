#include "proxy/websocket_plan.hpp"

#include <string>
#include <string_view>
#include <vector>

#include "http/framing.hpp"
#include "http/net.hpp"

namespace warden::proxy {

namespace beast = net::beast;
namespace bhttp = net::http;

namespace {

std::string JoinIds(const std::vector<const snapshot::ProviderRuntime*>& providers) {
  std::string out;
  for (const auto* p : providers) out += (out.empty() ? "" : ", ") + p->id;
  return out;
}

}  // namespace

bool IsWebSocketUpgrade(const http::Request& header) {
  return header.method() == bhttp::verb::get &&
         header.fields().ListHas(bhttp::field::upgrade, "websocket");
}

bool IsValidWebSocketHandshake(const http::Request& header) {
  return header.version() >= 11 && header.fields().ListHas(bhttp::field::connection, "upgrade") &&
         !header[bhttp::field::sec_websocket_key].empty() &&
         header[bhttp::field::sec_websocket_version] == "13";
}

Reply UpgradeRefusal(std::string why) {
  return Reply{426, "websocket_unavailable", std::move(why) + "; use HTTP: POST /v1/responses", {}};
}

WebSocketPlan PlanWebSocket(const snapshot::Snapshot& snap, const access::CallerPolicy* caller) {
  WebSocketPlan plan;
  if (!snap.config->gateway.websockets.enabled) {
    plan.reply = UpgradeRefusal("WebSockets are disabled (gateway.websockets.enabled = false)");
    return plan;
  }
  if (caller != nullptr && !caller->unrestricted && caller->models) {
    plan.reply =
        UpgradeRefusal("caller '" + caller->name + "' has model rules (callers." + caller->name +
                       ".models), which WebSocket frames cannot be checked against");
    return plan;
  }
  std::vector<const snapshot::ProviderRuntime*> candidates;
  for (const auto& p : snap.providers) {
    if (!p.enabled || !p.websockets || p.api != config::Api::kOpenAi) continue;
    if (caller != nullptr && !caller->AllowsProvider(p.id)) continue;
    candidates.push_back(&p);
  }
  if (candidates.size() == 1) {
    plan.provider = candidates.front();
  } else if (candidates.empty()) {
    plan.reply = UpgradeRefusal(
        "no enabled provider relays WebSockets (set websockets = true on one OpenAI-wire "
        "provider)");
  } else {
    plan.reply = UpgradeRefusal("more than one provider relays WebSockets (" + JoinIds(candidates) +
                                "); an upgrade names no model, so set websockets = true on one");
  }
  return plan;
}

}  // namespace warden::proxy
