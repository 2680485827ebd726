// PostForm: one blocking HTTP(S) POST of an application/x-www-form-urlencoded body, for the
// control plane and CLI verbs that talk to an OAuth token endpoint. It runs its own io_context
// on the calling thread and connects through an UpstreamPool (http/upstream_pool.hpp), so https
// gets the same TLS rules as providers (system CA store, hostname verification, TLS 1.2+).
// Bounded: the whole exchange (connect, send, read) within `timeout`, the response body at most
// `max_response_bytes`, the connection closed afterwards.
// Errors: UPSTREAM_CONNECT / UPSTREAM_TLS / UPSTREAM_TIMEOUT / UPSTREAM_PROTOCOL (a response
// larger than the cap or not HTTP); messages name the origin, never the body.
// Ownership: plain values in and out; the body (it may carry tokens) is returned as a Secret.
// Thread safety: blocks the calling thread; never call it from an event loop.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "observe/secret.hpp"

namespace warden::http {

struct FormPostOptions {
  std::chrono::milliseconds timeout{15'000};
  std::size_t max_response_bytes = 1u << 20;
};

struct FormReply {
  int status = 0;
  Secret body;
};

// `url` is an absolute http(s) URL (its path and query are used as the request target).
[[nodiscard]] Result<FormReply> PostForm(std::string_view url, const Secret& form_body,
                                         const FormPostOptions& options = {});

}  // namespace warden::http
