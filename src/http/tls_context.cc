#include "http/tls_context.hpp"

#include <openssl/ssl.h>

namespace warden::http {

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
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_compression |
                   net::ssl::context::single_dh_use);
  net::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec)
    return Error::Make(ErrorCode::kTlsConfigInvalid,
                       "cannot load gateway.tls.cert: " + ec.message(), cert_file);
  ctx->use_private_key_file(key_file, net::ssl::context::pem, ec);
  if (ec)
    return Error::Make(ErrorCode::kTlsConfigInvalid, "cannot load gateway.tls.key: " + ec.message(),
                       key_file);
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    return Error::Make(ErrorCode::kTlsConfigInvalid,
                       "gateway.tls.key does not match gateway.tls.cert", key_file);
  return ctx;
}

}  // namespace warden::http
