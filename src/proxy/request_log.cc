#include "proxy/request_log.hpp"

#include "observe/access_log.hpp"
#include "proxy/request_context.hpp"

namespace warden::proxy {

void LogRequest(const RequestContext& r) {
  const RequestLog& log = r.log;
  const ClientContext& c = r.client;
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - log.start).count();
  const std::string_view caller = r.caller.policy ? std::string_view(r.caller.policy->name) : "-";
  c.gw.metrics.CountRequest(log.route, log.provider, log.status, seconds, caller);
  if (c.gw.access_log) {
    // Path only (no query string: it may carry anything); credentials never reach this line.
    std::string ws;
    if (log.websocket) {
      ws = " websocket bytes_up=" + std::to_string(log.ws_to_upstream) +
           " bytes_down=" + std::to_string(log.ws_to_caller) + " end=" + log.ws_end;
    }
    // A profile id is "provider:name" with name [A-Za-z0-9._@+-]: nothing to escape.
    const std::string profile = log.profile.empty() ? std::string() : " profile=" + log.profile;
    observe::AccessLog::Write("{} {} {} provider={} key={} attempts={} {:.1f}ms peer={}{}{}{}",
                              std::string_view(r.req.method_string()), r.path, log.status,
                              log.provider, log.key, log.attempts, seconds * 1000, c.peer_address,
                              CallerFields(r.caller), profile, ws);
  }
}

void CountAdmissionRejection(const ClientContext& c, std::string_view route_name, int status) {
  c.gw.metrics.CountRequest(route_name, "-", status, 0);
}

void LogAuthRejection(const ClientContext& c, std::string_view method, std::string_view path,
                      int status, std::string_view auth_code, const CallerIdentity& caller) {
  if (!c.gw.access_log) return;
  observe::AccessLog::Write("{} {} {} auth={} peer={}{}", method, path, status, auth_code,
                            c.peer_address, CallerFields(caller));
}

std::string CallerFields(const CallerIdentity& caller) {
  std::string out;
  // A name from the config ([a-z0-9_-]), never a credential.
  if (caller.policy != nullptr) out += " caller=" + caller.policy->name;
  if (!caller.client_address.empty()) out += " client=" + caller.client_address;
  if (!caller.user.empty()) {
    out += " user=\"";
    for (char ch : caller.user) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out;
}

}  // namespace warden::proxy
