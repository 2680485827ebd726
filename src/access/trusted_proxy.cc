#include "access/trusted_proxy.hpp"

#include <algorithm>
#include <optional>

#include "base/glob.hpp"

namespace warden::access {

namespace {

constexpr std::string_view kForwardedFor = "x-forwarded-for";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Optional whitespace of RFC 9110 §5.6.3: spaces and tabs only.
std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) == 0x7f;
  });
}

// One X-Forwarded-For entry: "203.0.113.7", "2001:db8::1", and the forms some proxies write
// with a port: "203.0.113.7:4711", "[2001:db8::1]:4711".
std::optional<IpAddress> ParseForwardedEntry(std::string_view entry) {
  entry = TrimOws(entry);
  if (!entry.empty() && entry.front() == '[') {
    const std::size_t close = entry.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    return ParseIpAddress(entry.substr(1, close - 1));
  }
  if (std::count(entry.begin(), entry.end(), ':') == 1) entry = entry.substr(0, entry.find(':'));
  return ParseIpAddress(entry);
}

// Whether the peer presented something that only makes sense as an attempt to authenticate:
// an identity header or a gateway token.
bool PresentsCredential(const TrustedProxyPolicy& policy, const HeaderLookup& header) {
  return !header.Values(policy.user_header).empty() || !header.Values("authorization").empty() ||
         !header.Values("x-api-key").empty();
}

AuthDecision Refuse(AuthOutcome outcome, std::string_view code, std::string message) {
  return AuthDecision{outcome, code, std::move(message)};
}

AuthDecision CheckIdentity(const TrustedProxyPolicy& policy, const HeaderLookup& header,
                           std::string& user) {
  for (const std::string& name : policy.required_headers) {
    const std::vector<std::string_view> values = header.Values(name);
    if (std::none_of(values.begin(), values.end(),
                     [](std::string_view v) { return !TrimOws(v).empty(); })) {
      return Refuse(AuthOutcome::kMissing, "trusted_proxy_missing_header",
                    "the trusted proxy did not send the required header `" + name +
                        "` (gateway.auth.trusted_proxy.required_headers)");
    }
  }
  const std::vector<std::string_view> users = header.Values(policy.user_header);
  if (users.size() > 1) {
    return Refuse(AuthOutcome::kRefused, "trusted_proxy_user_duplicate",
                  "the user header `" + policy.user_header + "` arrived " +
                      std::to_string(users.size()) +
                      " times; the proxy must set it once, replacing any the client sent");
  }
  const std::string_view value = users.empty() ? std::string_view() : TrimOws(users.front());
  if (value.empty()) {
    return Refuse(AuthOutcome::kMissing, "trusted_proxy_user_missing",
                  "the trusted proxy sent no user in the header `" + policy.user_header + "`");
  }
  if (HasControl(value) || value.size() > kMaxUserBytes) {
    return Refuse(AuthOutcome::kRefused, "trusted_proxy_user_invalid",
                  "the user in the header `" + policy.user_header +
                      "` has a control character or is longer than " +
                      std::to_string(kMaxUserBytes) + " bytes");
  }
  if (!policy.allow_users.empty() &&
      std::none_of(policy.allow_users.begin(), policy.allow_users.end(),
                   [&](const std::string& p) { return GlobMatches(p, value); })) {
    // The name is the caller's own, asserted by the proxy: safe to leave out, so it is.
    return Refuse(AuthOutcome::kRefused, "trusted_proxy_user_not_allowed",
                  "the user asserted by the trusted proxy is not in "
                  "gateway.auth.trusted_proxy.allow_users");
  }
  user = std::string(value);
  return {};
}

}  // namespace

Result<TrustedProxyPolicy> BuildTrustedProxyPolicy(const config::TrustedProxyConfig& cfg) {
  TrustedProxyPolicy policy;
  for (std::size_t i = 0; i < cfg.proxies.size(); ++i) {
    IpNetworkParse parsed = ParseIpNetwork(cfg.proxies[i]);
    if (!parsed.network) {
      return Error::InvalidConfig("gateway.auth.trusted_proxy.proxies[" + std::to_string(i) + "]",
                                  parsed.error);
    }
    policy.proxies.push_back(*parsed.network);
  }
  if (policy.proxies.empty()) {
    return Error::InvalidConfig("gateway.auth.trusted_proxy.proxies",
                                "required with gateway.auth.mode = \"trusted-proxy\"");
  }
  policy.user_header = Lower(cfg.user_header);
  for (const std::string& h : cfg.required_headers) policy.required_headers.push_back(Lower(h));
  policy.allow_users = cfg.allow_users;
  return policy;
}

IpAddress ClientFromForwardedFor(const std::vector<IpNetwork>& proxies, const IpAddress& peer,
                                 const std::vector<std::string_view>& xff) {
  IpAddress client = peer;
  // Right to left: the last field's last entry was written by the nearest proxy.
  for (auto field = xff.rbegin(); field != xff.rend(); ++field) {
    std::string_view rest = *field;
    while (true) {
      const std::size_t comma = rest.rfind(',');
      const std::string_view entry =
          comma == std::string_view::npos ? rest : rest.substr(comma + 1);
      if (!TrimOws(entry).empty()) {
        std::optional<IpAddress> hop = ParseForwardedEntry(entry);
        if (!hop) return client;  // garbage: nothing left of it can be believed
        client = *hop;
        if (!InAnyNetwork(proxies, *hop)) return client;
      }
      if (comma == std::string_view::npos) break;
      rest = rest.substr(0, comma);
    }
  }
  return client;
}

ProxyAuthResult AuthenticateViaProxy(const TrustedProxyPolicy& policy,
                                     std::string_view peer_address, const HeaderLookup& header) {
  ProxyAuthResult result;
  const std::optional<IpAddress> peer = ParseIpAddress(peer_address);
  if (!peer || !InAnyNetwork(policy.proxies, *peer)) {
    result.client_address = peer ? peer->ToString() : std::string(peer_address);
    result.decision = Refuse(
        PresentsCredential(policy, header) ? AuthOutcome::kWrong : AuthOutcome::kMissing,
        "trusted_proxy_untrusted_source",
        "this gateway accepts requests only through its trusted proxy "
        "(gateway.auth.trusted_proxy.proxies); identity headers and gateway tokens from other "
        "addresses are ignored");
    return result;
  }
  result.trusted_peer = true;
  result.client_address =
      ClientFromForwardedFor(policy.proxies, *peer, header.Values(kForwardedFor)).ToString();
  result.decision = CheckIdentity(policy, header, result.user);
  return result;
}

}  // namespace warden::access
