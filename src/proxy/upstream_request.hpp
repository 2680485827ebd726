// The upstream request policy: which headers cross warden in each direction, and the request
// warden sends to a provider.
//
// One table (upstream_request.cc) lists every header warden never forwards as is: hop-by-hop
// headers (RFC 9110 §7.6.1) in both directions, the message framing (warden frames each side
// itself), and towards providers the headers warden owns — the caller's credentials, Host,
// cookies, client-address claims (Forwarded, X-Real-IP, every X-Forwarded-*), Accept-Encoding
// (the relay passes bytes through, so warden asks for what it can pass) and Expect. Headers the
// caller names in its Connection header are hop-by-hop too, and a provider's configured extra
// headers replace the caller's of the same name.
// Thread safety: pure functions. Ownership: the built request owns its header values (the
// provider's extra header values are copied in); its body is attached per attempt.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "access/access_policy.hpp"
#include "config/config.hpp"
#include "http/net.hpp"
#include "http/request_handler.hpp"
#include "proxy/credential.hpp"
#include "snapshot/snapshot.hpp"

namespace warden::proxy {

// The head only: the exchange writes it with the body it holds in one gather write.
using UpstreamRequest = net::http::request<net::http::empty_body>;

// Whether a caller's request header goes upstream. `connection_tokens`: the caller's
// Connection header value.
// `opted_in`: the provider's forward_caller_headers (lower case).
// The overloads taking `id` are for parsed fields: `id` is Beast's enum for `name` (as its parser
// sets it), which looks the policy up without comparing names.
bool ForwardRequestHeader(net::http::field id, std::string_view name,
                          std::string_view connection_tokens,
                          const std::vector<std::string>& opted_in = {});
bool ForwardRequestHeader(std::string_view name, std::string_view connection_tokens,
                          const std::vector<std::string>& opted_in = {});

// Whether a provider's response header goes to the caller. `connection_tokens`: the provider's
// Connection header value (the headers it names are hop-by-hop).
bool ForwardResponseHeader(net::http::field id, std::string_view name,
                           std::string_view connection_tokens = {});
bool ForwardResponseHeader(std::string_view name, std::string_view connection_tokens = {});
// Every Connection field of a Beast message joined into one list (a repeated list field is one
// list, RFC 9110 §5.3), for ForwardResponseHeader on the provider's WebSocket 101, the one
// response still read as a Beast message.
std::string ConnectionTokens(const net::http::fields& fields);

// The request for `prov`: method, the provider's base path + `upstream_suffix` + the caller's
// query, the forwarded caller headers, Host, the provider's extra headers, anthropic-version
// for Anthropic providers when the caller sent none, Content-Length and keep-alive (HTTP/1.1's
// default). Only the credential changes between attempts (SetCredential). The WebSocket
// upgrade's request.
// `withheld`: further caller headers never forwarded (lower case) — in trusted-proxy mode the
// user header and the required headers, which describe the caller to warden, not to a provider.
UpstreamRequest BuildUpstreamRequest(const http::Request& req,
                                     const snapshot::ProviderRuntime& prov,
                                     std::string_view upstream_suffix, std::size_t body_size,
                                     const std::vector<std::string>& withheld = {});

// The same request as bytes, for the exchange, without building it: the request line and the
// fields of BuildUpstreamRequest, written into `out` (cleared, its capacity reused), without the
// credential and the blank line that ends the head. Each attempt sends its credential's field
// (CredentialFieldFor) and the blank line after these bytes.
void SerializeUpstreamHead(const http::Request& req, const snapshot::ProviderRuntime& prov,
                           std::string_view upstream_suffix, std::size_t body_size,
                           const std::vector<std::string>& withheld, std::string& out);

// The caller headers the upstream request withholds for this access policy.
std::vector<std::string> WithheldCallerHeaders(const access::AccessPolicy& access);

// The header a credential goes in: a static key (or an api_key profile) in x-api-key for
// Anthropic providers; otherwise (token and oauth profiles, federated tokens) a Bearer token in
// Authorization. The field's value is `scheme` followed by the credential. `cred` must not be
// kNone. A provider's configured header of that name is replaced (for Anthropic both
// credential headers are).
struct CredentialField {
  std::string_view name;
  std::string_view scheme;  // "Bearer " or empty
};
CredentialField CredentialFieldFor(config::Api api, const Credential& cred);

// Puts `cred` in its header of `up` (CredentialFieldFor), replacing the previous attempt's.
void SetCredential(UpstreamRequest& up, config::Api api, const Credential& cred);

}  // namespace warden::proxy
