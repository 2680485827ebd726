// Writing warden's own responses to the caller: complete responses with the standard headers
// (X-Content-Type-Options always, Strict-Transport-Security when serving TLS) and errors in the
// caller's wire format (OpenAI or Anthropic, chosen by the request path).
// Thread safety: run on the connection's event loop, one write at a time per connection.
// Ownership: the coroutines take their messages by value; the contexts they refer to outlive
// the awaited call (see request_context.hpp).
#pragma once

#include <string>
#include <string_view>

#include "http/net.hpp"
#include "proxy/reply.hpp"
#include "proxy/request_context.hpp"

namespace warden::proxy {

struct Response {
  int status = 200;
  std::string_view content_type;  // a literal
  std::string body;
  ExtraHeaders extra;
};

// X-Content-Type-Options, Referrer-Policy, and HSTS when configured; also on relayed provider
// responses (AppendStandardHeaders writes them into a serialized head, where a provider's own
// copies, StandardHeader(), are left out).
void AddStandardHeaders(const ClientContext& c, net::http::fields& fields);
void AppendStandardHeaders(const ClientContext& c, std::string& head);
bool StandardHeader(std::string_view name);

// Writes a complete response. Returns false if the write failed.
net::Task<bool> WriteResponse(ClientContext& c, Response response, bool keep_alive);

// Writes `reply` as an error body in the wire format of `target`'s route.
net::Task<bool> WriteError(ClientContext& c, std::string_view target, Reply reply, bool keep_alive);

// The same for a request being handled: records the status in its log line first.
net::Task<bool> Send(RequestContext& r, Response response);
net::Task<bool> Answer(RequestContext& r, Reply reply);

}  // namespace warden::proxy
