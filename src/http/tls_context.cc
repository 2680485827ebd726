#include "http/tls_context.hpp"

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "base/private_file.hpp"

namespace warden::http {

namespace {

// Mozilla's "intermediate" TLS 1.2 list without the DHE suites: ECDHE key exchange with
// AES-GCM or ChaCha20-Poly1305. No CBC, no RSA key exchange, no SHA-1 MACs.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

constexpr std::size_t kMaxKeyFileBytes = 1 << 20;

}  // namespace

std::shared_ptr<net::ssl::context> MakeClientTlsContext() {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_compression);
  ctx->set_default_verify_paths();
  ctx->set_verify_mode(net::ssl::verify_peer);
  return ctx;
}

Result<std::shared_ptr<net::ssl::context>> MakeServerTlsContext(const std::string& cert_file,
                                                                const std::string& key_file) {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_compression |
                   net::ssl::context::single_dh_use);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
  // TLS 1.2: forward-secret AEAD suites only (TLS 1.3 has nothing else).
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return Error::Make(ErrorCode::kTlsConfigInvalid, "OpenSSL refused the TLS 1.2 cipher list");
  }
  net::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec)
    return Error::Make(ErrorCode::kTlsConfigInvalid,
                       "cannot load gateway.tls.cert: " + ec.message(), cert_file);
  // The key is a secret: the shared private-file check (owner-only, not a symlink), then the
  // very bytes that passed it.
  auto pem = ReadSecureFile(key_file, kMaxKeyFileBytes);
  if (!pem) {
    return Error::Make(ErrorCode::kTlsConfigInvalid, "gateway.tls.key: " + pem.error().message,
                       key_file);
  }
  ctx->use_private_key(net::asio::buffer(*pem), net::ssl::context::pem, ec);
  OPENSSL_cleanse(pem->data(), pem->size());
  if (ec)
    return Error::Make(ErrorCode::kTlsConfigInvalid, "cannot load gateway.tls.key: " + ec.message(),
                       key_file);
  if (SSL_CTX_check_private_key(native) != 1)
    return Error::Make(ErrorCode::kTlsConfigInvalid,
                       "gateway.tls.key does not match gateway.tls.cert", key_file);
  return ctx;
}

}  // namespace warden::http
