// RequestLog: the access-log line and the request metric of one request, filled in as the
// request path goes (route, provider, key fingerprint, status, attempts) and written once at the
// end. Requests refused at admission get their own shorter lines here as well, so every
// access-log format lives in this one file. Lines carry the path without the query string and
// never a credential: keys appear as fingerprints. In trusted-proxy mode they also carry the
// client address and the user the proxy asserted (a name, not a credential).
// Ownership: owns copies of the fields it logs; borrows nothing past the request.
// Thread safety: a RequestLog belongs to one request; the writers use the thread-safe metrics
// and the per-thread access-log buffer.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace warden::proxy {

struct CallerIdentity;
struct ClientContext;
struct Credential;
struct RequestContext;

struct RequestLog {
  RequestLog() = default;
  // Not copied or moved: `key` may view `key_storage`.
  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;

  // Records the credential being tried: a key's fingerprint is viewed where the snapshot keeps it
  // (the request's snapshot outlives its log), so no request copies it; a federated token's is
  // computed into key_storage.
  void NoteCredential(const Credential& cred);

  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::string_view route = "unknown";  // metric label, from the route table (static storage)
  std::string provider = "-";
  std::string_view key = "-";  // fingerprint of the last credential tried
  std::string key_storage;     // a fingerprint that is not the snapshot's
  int status = 0;              // what the caller got (499: it went away first)
  int attempts = 0;            // upstream attempts, key rotations and refresh retries included
  std::string profile = {};    // id of the last profile tried ("openai:work"); empty = none
  // A WebSocket session (status 101): payload bytes each way and who ended it.
  bool websocket = false;
  std::uint64_t ws_to_upstream = 0;
  std::uint64_t ws_to_caller = 0;
  std::string ws_end = "-";
};

// Counts the request and writes its access-log line.
void LogRequest(const RequestContext& r);

// A request refused before its body was read: counted with zero latency (the refusals by caller
// authentication and lockout also get LogAuthRejection's line).
void CountAdmissionRejection(const ClientContext& c, std::string_view route_name, int status);

// The access-log line of a request refused by caller authentication.
// `caller`: in trusted-proxy mode, the client address (and no user: it was refused).
void LogAuthRejection(const ClientContext& c, std::string_view method, std::string_view path,
                      int status, std::string_view auth_code, const CallerIdentity& caller);

// " caller=ci" for a named caller ([callers]); then " client=203.0.113.7
// user=\"nick@example.com\"" for a caller admitted through a trusted proxy; "" otherwise. The user
// is quoted with '"' and '\\' escaped (it has no control characters: admission refused those), so a
// name cannot forge other fields of the line.
std::string CallerFields(const CallerIdentity& caller);
void AppendCallerFields(std::string& out, const CallerIdentity& caller);

}  // namespace warden::proxy
