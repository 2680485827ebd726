// TLS contexts: the client context used for every https:// upstream (verify the peer against the
// system CA store — OpenSSL honours SSL_CERT_FILE/SSL_CERT_DIR — TLS 1.2+), and the server
// context for [gateway.tls]: TLS 1.2+ (TLS 1.2 with ECDHE + AEAD suites only, no
// renegotiation); the key file must pass the private-file check (base/private_file.hpp), and a
// failure is TLS_CONFIG_INVALID naming the file and the fix ("chmod 600").
// Ownership: contexts are shared_ptrs, shared by every stream made from them.
// Thread safety: an ssl::context is configured once when made and then only used to create
// streams, which OpenSSL allows from any thread. ServerTlsSlot is thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "base/result.hpp"
#include "http/net.hpp"

namespace warden::http {

std::shared_ptr<net::ssl::context> MakeClientTlsContext();
Result<std::shared_ptr<net::ssl::context>> MakeServerTlsContext(const std::string& cert_file,
                                                                const std::string& key_file);

// The server context that new handshakes use. The control plane Store()s a new one when the
// certificate or key changes (reload); a connection Load()s it once, before its handshake, and
// keeps that shared_ptr for its whole life, so connections already open keep the context they
// began with and none is dropped. Load and Store take a lock inside std::atomic<shared_ptr> on
// g++ 12: once per connection, never per request.
class ServerTlsSlot {
 public:
  explicit ServerTlsSlot(std::shared_ptr<net::ssl::context> ctx) : ctx_(std::move(ctx)) {}
  std::shared_ptr<net::ssl::context> Load() const { return ctx_.load(); }
  void Store(std::shared_ptr<net::ssl::context> ctx) { ctx_.store(std::move(ctx)); }

 private:
  std::atomic<std::shared_ptr<net::ssl::context>> ctx_;
};

}  // namespace warden::http
