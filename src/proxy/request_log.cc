#include "proxy/request_log.hpp"

#include <charconv>
#include <cmath>

#include "observe/access_log.hpp"
#include "proxy/credential.hpp"
#include "proxy/request_context.hpp"

namespace warden::proxy {

using namespace std::string_view_literals;

namespace {

void AppendNumber(std::string& out, std::int64_t v) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
  out.append(digits, end);
}

// "12.3ms": milliseconds with one decimal, as "{:.1f}ms" would print them.
void AppendMillis(std::string& out, double seconds) {
  const std::int64_t tenths = std::llround(seconds * 10000);
  AppendNumber(out, tenths / 10);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + tenths % 10));
  out.append("ms"sv);
}

}  // namespace

void RequestLog::NoteCredential(const Credential& cred) {
  if (cred.key != nullptr) {
    key = cred.key->fingerprint;
  } else {
    key_storage = cred.Fingerprint();
    key = key_storage;
  }
}

void LogRequest(const RequestContext& r) {
  const RequestLog& log = r.log;
  const ClientContext& c = r.client;
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - log.start).count();
  const std::string_view caller = r.caller.policy ? std::string_view(r.caller.policy->name) : "-";
  c.gw.metrics.CountRequest(log.route, log.provider, log.status, seconds, caller);
  if (!c.gw.AccessLogOn()) return;
  // Built by appending (no format string to parse per request). Path only (no query string: it
  // may carry anything); credentials never reach this line.
  std::string& line = observe::AccessLog::Begin();
  line.append(std::string_view(r.req.method_string())).append(" "sv).append(r.path).append(" "sv);
  AppendNumber(line, log.status);
  line.append(" provider="sv).append(log.provider).append(" key="sv).append(log.key);
  line.append(" attempts="sv);
  AppendNumber(line, log.attempts);
  line.push_back(' ');
  AppendMillis(line, seconds);
  line.append(" peer="sv).append(c.peer_address);
  AppendCallerFields(line, r.caller);
  // A profile id is "provider:name" with name [A-Za-z0-9._@+-]: nothing to escape.
  if (!log.profile.empty()) line.append(" profile="sv).append(log.profile);
  if (log.websocket) {
    line.append(" websocket bytes_up="sv);
    AppendNumber(line, static_cast<std::int64_t>(log.ws_to_upstream));
    line.append(" bytes_down="sv);
    AppendNumber(line, static_cast<std::int64_t>(log.ws_to_caller));
    line.append(" end="sv).append(log.ws_end);
  }
  observe::AccessLog::End(line);
}

void CountAdmissionRejection(const ClientContext& c, std::string_view route_name, int status) {
  c.gw.metrics.CountRequest(route_name, "-", status, 0);
}

void LogAuthRejection(const ClientContext& c, std::string_view method, std::string_view path,
                      int status, std::string_view auth_code, const CallerIdentity& caller) {
  if (!c.gw.AccessLogOn()) return;
  observe::AccessLog::Write("{} {} {} auth={} peer={}{}", method, path, status, auth_code,
                            c.peer_address, CallerFields(caller));
}

std::string CallerFields(const CallerIdentity& caller) {
  std::string out;
  AppendCallerFields(out, caller);
  return out;
}

void AppendCallerFields(std::string& out, const CallerIdentity& caller) {
  // A name from the config ([a-z0-9_-]), never a credential.
  if (caller.policy != nullptr) out.append(" caller="sv).append(caller.policy->name);
  if (!caller.client_address.empty()) out.append(" client="sv).append(caller.client_address);
  if (!caller.user.empty()) {
    out += " user=\"";
    for (char ch : caller.user) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
}

}  // namespace warden::proxy
