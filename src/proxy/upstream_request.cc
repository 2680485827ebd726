#include "proxy/upstream_request.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <string>

#include "http/framing.hpp"
#include "http/wire_head.hpp"
#include "proxy/routes.hpp"

namespace warden::proxy {

namespace beast = net::beast;
namespace bhttp = net::http;

namespace {

// Which direction a header is dropped in.
enum Drop : unsigned {
  kFromCaller = 1u,    // not sent upstream
  kFromProvider = 2u,  // not relayed to the caller
  kBoth = kFromCaller | kFromProvider,
  kFromCallerUnlessOptedIn = 4u,  // not sent upstream unless the provider's config allows it
};

struct HeaderRule {
  std::string_view name;  // lower case
  unsigned drop;
};

// The header policy. Everything not listed here (nor matched by the prefix below) is forwarded.
constexpr std::array kHeaderPolicy = {
    // Hop-by-hop: describe one connection, not the message (RFC 9110 §7.6.1).
    HeaderRule{"connection", kBoth},
    HeaderRule{"keep-alive", kBoth},
    HeaderRule{"proxy-connection", kBoth},
    HeaderRule{"te", kBoth},
    HeaderRule{"trailer", kBoth},
    HeaderRule{"transfer-encoding", kBoth},
    HeaderRule{"upgrade", kBoth},
    HeaderRule{"proxy-authorization", kBoth},
    HeaderRule{"proxy-authenticate", kBoth},
    // The WebSocket handshake of one connection: each hop does its own (a subprotocol,
    // Sec-WebSocket-Protocol, goes end to end).
    HeaderRule{"sec-websocket-key", kBoth},
    HeaderRule{"sec-websocket-version", kBoth},
    HeaderRule{"sec-websocket-accept", kBoth},
    HeaderRule{"sec-websocket-extensions", kBoth},
    // Framing: warden sets its own length, or chunks, on each side.
    HeaderRule{"content-length", kBoth},
    // Owned by warden towards the provider.
    HeaderRule{"host", kFromCaller},
    HeaderRule{"authorization", kFromCaller},  // the caller's gateway credential
    HeaderRule{"x-api-key", kFromCaller},      // likewise (Anthropic SDKs)
    HeaderRule{"cookie", kFromCaller},
    HeaderRule{"accept-encoding", kFromCaller},
    HeaderRule{"expect", kFromCaller},  // answered by warden itself (100-continue)
    HeaderRule{"forwarded", kFromCaller},
    HeaderRule{"x-real-ip", kFromCaller},
    // Account scope chosen by the caller: a mismatch makes the provider refuse the shared key
    // (401/403), so only providers that opt in (forward_caller_headers) receive them.
    HeaderRule{"openai-organization", kFromCallerUnlessOptedIn | kFromProvider},
    HeaderRule{"openai-project", kFromCallerUnlessOptedIn | kFromProvider},
    // Belongs to warden's own upstream session and account, not to the caller.
    HeaderRule{"set-cookie", kFromProvider},
    HeaderRule{"set-cookie2", kFromProvider},
    HeaderRule{"anthropic-organization-id", kFromProvider},
};
// Client-address claims a caller could forge: never forwarded.
constexpr std::string_view kCallerPrefix = "x-forwarded-";

// kHeaderPolicy by Beast's field enum (a parsed field carries it, so most headers are looked up
// without comparing a name), and the rules for names Beast has no enum for.
struct PolicyIndex {
  std::array<unsigned char, 512> drops_by_field{};
  std::vector<HeaderRule> unnamed;
};

const PolicyIndex& Index() {
  static const PolicyIndex index = [] {
    PolicyIndex p;
    for (const HeaderRule& rule : kHeaderPolicy) {
      const auto id = static_cast<std::size_t>(bhttp::string_to_field(rule.name));
      if (id != static_cast<std::size_t>(bhttp::field::unknown) && id < p.drops_by_field.size())
        p.drops_by_field[id] = static_cast<unsigned char>(rule.drop);
      else
        p.unnamed.push_back(rule);
    }
    return p;
  }();
  return index;
}

// The directions `name` is dropped in (0: forwarded both ways). Runs for every header of every
// request and response: `id` must be Beast's enum for `name` (string_to_field), as a parser sets
// it; names of another length are passed over without a call.
unsigned DropsOf(bhttp::field id, std::string_view name) {
  const PolicyIndex& index = Index();
  const auto i = static_cast<std::size_t>(id);
  if (id != bhttp::field::unknown && i < index.drops_by_field.size())
    return index.drops_by_field[i];
  for (const HeaderRule& rule : index.unnamed) {
    if (rule.name.size() == name.size() && beast::iequals(name, rule.name)) return rule.drop;
  }
  return 0;
}

bool ClaimsClientAddress(std::string_view name) {
  return name.size() >= kCallerPrefix.size() && (name.front() == 'x' || name.front() == 'X') &&
         beast::iequals(name.substr(0, kCallerPrefix.size()), kCallerPrefix);
}

bool OverriddenByProvider(const snapshot::ProviderRuntime& prov, std::string_view name) {
  for (const auto& [h, v] : prov.headers) {
    if (beast::iequals(h, name)) return true;
  }
  return false;
}

}  // namespace

bool ForwardRequestHeader(bhttp::field id, std::string_view name,
                          std::string_view connection_tokens,
                          const std::vector<std::string>& opted_in) {
  const unsigned drops = DropsOf(id, name);
  if ((drops & kFromCaller) != 0) return false;
  if ((drops & kFromCallerUnlessOptedIn) != 0 &&
      std::none_of(opted_in.begin(), opted_in.end(),
                   [name](const std::string& o) { return beast::iequals(o, name); })) {
    return false;
  }
  if (ClaimsClientAddress(name)) return false;
  return !http::HeaderListHas(connection_tokens, name);
}

bool ForwardRequestHeader(std::string_view name, std::string_view connection_tokens,
                          const std::vector<std::string>& opted_in) {
  return ForwardRequestHeader(bhttp::string_to_field(name), name, connection_tokens, opted_in);
}

bool ForwardResponseHeader(bhttp::field id, std::string_view name,
                           std::string_view connection_tokens) {
  return (DropsOf(id, name) & kFromProvider) == 0 && !http::HeaderListHas(connection_tokens, name);
}

bool ForwardResponseHeader(std::string_view name, std::string_view connection_tokens) {
  return ForwardResponseHeader(bhttp::string_to_field(name), name, connection_tokens);
}

std::string ConnectionTokens(const bhttp::fields& fields) {
  std::string joined;
  const auto [first, last] = fields.equal_range(bhttp::field::connection);
  for (auto it = first; it != last; ++it) {
    if (!joined.empty()) joined.append(", ");
    joined.append(it->value());
  }
  return joined;
}

std::vector<std::string> WithheldCallerHeaders(const access::AccessPolicy& access) {
  if (access.mode != config::AuthMode::kTrustedProxy) return {};
  std::vector<std::string> out = access.trusted_proxy.required_headers;
  out.push_back(access.trusted_proxy.user_header);
  return out;
}

namespace {

bool IsAnthropicVersion(std::string_view name) {
  constexpr std::string_view kName = "anthropic-version";
  return name.size() == kName.size() && beast::iequals(name, kName);
}

// Calls `sink(field, name, value)` for every field of the upstream request but the credential,
// in the order they are sent: the forwarded caller headers, Host, the provider's extra headers,
// anthropic-version (Anthropic, when the caller sent none), Content-Length. `field` is Beast's
// enum for the name when known without a lookup (field::unknown otherwise).
template <typename Sink>
void ForEachUpstreamField(const http::Request& req, const snapshot::ProviderRuntime& prov,
                          std::size_t body_size, const std::vector<std::string>& withheld,
                          Sink&& sink) {
  bool has_version = false;
  std::string joined;  // only when the caller sent more than one Connection field
  const std::string_view connection_tokens =
      req.fields().ListValue(bhttp::field::connection, joined);
  for (const http::HeadFields::Field f : req.fields()) {
    const std::string_view name = f.name;
    if (ForwardRequestHeader(f.id, name, connection_tokens, prov.forward_caller_headers) &&
        !OverriddenByProvider(prov, name) &&
        std::none_of(withheld.begin(), withheld.end(),
                     [name](const std::string& w) { return beast::iequals(w, name); })) {
      has_version = has_version || IsAnthropicVersion(name);
      sink(f.id, name, f.value);  // the parsed field's enum: no name lookup
    }
  }
  sink(bhttp::field::host, "Host", prov.origin.host_header);
  const bool anthropic = prov.api == config::Api::kAnthropic;
  for (const auto& [h, v] : prov.headers) {
    // The credential replaces a configured header of its name (or, for Anthropic, clears the
    // other credential header): see CredentialFieldFor.
    if (beast::iequals(h, "authorization") || (anthropic && beast::iequals(h, "x-api-key")))
      continue;
    has_version = has_version || IsAnthropicVersion(h);
    sink(bhttp::field::unknown, h, v.Reveal());
  }
  if (anthropic && !has_version) sink(bhttp::field::unknown, "anthropic-version", "2023-06-01");
  std::array<char, 24> length{};
  const auto [end, ec] = std::to_chars(length.data(), length.data() + length.size(), body_size);
  sink(bhttp::field::content_length, "Content-Length",
       std::string_view(length.data(), static_cast<std::size_t>(end - length.data())));
}

}  // namespace

UpstreamRequest BuildUpstreamRequest(const http::Request& req,
                                     const snapshot::ProviderRuntime& prov,
                                     std::string_view upstream_suffix, std::size_t body_size,
                                     const std::vector<std::string>& withheld) {
  const std::string_view query = QueryOf(req.target());
  std::string target;  // one allocation, not one per piece
  target.reserve(prov.base_path.size() + upstream_suffix.size() + query.size());
  target.append(prov.base_path).append(upstream_suffix).append(query);
  UpstreamRequest up;
  up.method_string(req.method_string());  // also a method Beast has no enum for
  up.target(target);
  up.version(11);
  ForEachUpstreamField(req, prov, body_size, withheld,
                       [&up](bhttp::field f, std::string_view name, std::string_view value) {
                         if (f != bhttp::field::unknown)
                           up.insert(f, name, value);
                         else
                           up.insert(name, value);
                       });
  return up;
}

void SerializeUpstreamHead(const http::Request& req, const snapshot::ProviderRuntime& prov,
                           std::string_view upstream_suffix, std::size_t body_size,
                           const std::vector<std::string>& withheld, std::string& out) {
  out.clear();
  out.append(req.method_string()).push_back(' ');
  out.append(prov.base_path).append(upstream_suffix).append(QueryOf(req.target()));
  out.append(" HTTP/1.1\r\n");
  ForEachUpstreamField(req, prov, body_size, withheld,
                       [&out](bhttp::field, std::string_view name, std::string_view value) {
                         http::AppendField(name, value, out);
                       });
}

CredentialField CredentialFieldFor(config::Api api, const Credential& cred) {
  // Anthropic takes API keys in x-api-key and tokens (setup tokens, OAuth access tokens, a
  // federated token) as a bearer.
  const bool api_key =
      cred.kind() == CredentialKind::kStaticKey &&
      (cred.profile == nullptr || cred.profile->type == creds::ProfileType::kApiKey);
  if (api == config::Api::kAnthropic && api_key) return {"x-api-key", ""};
  return {"Authorization", "Bearer "};
}

void SetCredential(UpstreamRequest& up, config::Api api, const Credential& cred) {
  // Attempts may switch between the two headers: clear both, then set the one this credential
  // goes in.
  up.erase(bhttp::field::authorization);
  if (api == config::Api::kAnthropic) up.erase("x-api-key");
  const CredentialField field = CredentialFieldFor(api, cred);
  std::string value(field.scheme);
  value.append(cred.Value());
  up.set(field.name, value);
}

}  // namespace warden::proxy
