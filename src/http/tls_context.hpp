// TLS contexts: the client context used for every https:// upstream (verify the peer against the
// system CA store — OpenSSL honours SSL_CERT_FILE/SSL_CERT_DIR — TLS 1.2+), and the server
// context for [gateway.tls].
// Ownership: contexts are shared_ptrs, shared by every stream made from them.
// Thread safety: an ssl::context is configured once at start and then only used to create
// streams, which OpenSSL allows from any thread.
#pragma once

#include <memory>
#include <string>

#include "base/result.hpp"
#include "http/net.hpp"

namespace warden::http {

std::shared_ptr<net::ssl::context> MakeClientTlsContext();
Result<std::shared_ptr<net::ssl::context>> MakeServerTlsContext(const std::string& cert_file,
                                                                const std::string& key_file);

}  // namespace warden::http
