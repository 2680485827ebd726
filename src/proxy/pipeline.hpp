// The request pipeline: access → route → credential pick → upstream exchange → streamed relay.
//
// A session calls CheckBeforeBody() once a request header has arrived (authentication and
// cheap rejections happen before a possibly large body is read), then Handle() with the whole
// request. Both write the response to the client themselves (Handle streams it).
// Every request works on the one Snapshot loaded at its start.
//
// Thread safety: functions run on one event loop; ClientContext refers to objects owned by the
// session coroutine (stream, buffer) and the event loop (pool), which outlive the call.
#pragma once

#include <string>

#include "http/any_stream.hpp"
#include "http/net.hpp"
#include "http/request_handler.hpp"
#include "http/upstream_pool.hpp"
#include "proxy/gateway_state.hpp"
#include "snapshot/snapshot.hpp"

namespace warden::proxy {

using Request = http::Request;
using RequestHeader = http::RequestHeader;

// Extra response headers. A vector, not an initializer_list: g++ 12 miscompiles
// initializer_list temporaries inside co_await expressions ("array used as initializer").
using ExtraHeaders = std::vector<std::pair<std::string, std::string>>;
ExtraHeaders Header(std::string name, std::string value);

struct ClientContext {
  http::AnyStream& stream;
  net::beast::flat_buffer& buffer;  // bytes the session read past the current request
  http::UpstreamPool& pool;
  GatewayState& gw;
  std::string peer_address;
  bool peer_loopback = false;
  const std::atomic<bool>& draining;  // the server is shutting down: do not keep alive
};

struct Verdict {
  bool proceed = true;  // false: a response was written (or failed); close the connection
};

// Authentication and limits that need only the header. Writes the rejection when !proceed.
net::Task<Verdict> CheckBeforeBody(ClientContext& c, const snapshot::Snapshot& snap,
                                   const RequestHeader& header);

// Handles a complete request. Returns whether the connection may be kept alive.
net::Task<bool> Handle(ClientContext& c, snapshot::SnapshotConstSharedPtr snap, Request& req);

// Writes a complete response with the standard headers. Returns false if the write failed.
net::Task<bool> WriteResponse(ClientContext& c, int status, std::string_view content_type,
                              std::string body, bool keep_alive,
                              ExtraHeaders extra = {});

// An error in the caller's wire format (OpenAI or Anthropic, chosen by path).
net::Task<bool> WriteError(ClientContext& c, std::string_view path, int status,
                           std::string_view code, std::string_view message, bool keep_alive,
                           ExtraHeaders extra = {});

}  // namespace warden::proxy
