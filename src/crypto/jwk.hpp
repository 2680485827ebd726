// JSON Web Keys (RFC 7517) as OpenSSL public keys: the key set a JWT issuer publishes (its JWKS
// document), parsed once when fetched or loaded, then used by crypto/jwt_verify.hpp.
//
// Supported: RSA (n, e; at least 2048 bits) for RS256, EC P-256 (crv, x, y) for ES256, OKP
// Ed25519 (crv, x) for EdDSA. A key of another type or curve, a key whose `use` is not "sig" or
// whose `alg` names another algorithm, or a malformed key is skipped (counted in `skipped`), so
// an issuer that also publishes encryption keys still works; a document with no usable key is
// an error.
// Ownership: a JwkSet owns its keys (shared, immutable OpenSSL objects).
// Thread safety: a JwkSet is immutable once parsed; EVP_PKEY verification from many threads at
// once is safe (OpenSSL 3).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace warden::crypto {

// The JWS algorithms warden verifies. Everything else (none, HS*, RS384, PS256, ...) is refused.
enum class JwsAlg { kRs256, kEs256, kEdDsa };

// "RS256", "ES256", "EdDSA".
std::string_view JwsAlgName(JwsAlg alg);

struct Jwk {
  std::string kid;              // may be empty
  JwsAlg alg = JwsAlg::kRs256;  // the one algorithm this key verifies (from kty/crv)
  std::shared_ptr<evp_pkey_st> key;
};

struct JwkSet {
  std::vector<Jwk> keys;
  std::size_t skipped = 0;  // keys present in the document but not usable
};

// The largest JWKS (or OIDC discovery) document warden reads.
inline constexpr std::size_t kMaxJwksBytes = 256 * 1024;

// Errors: JWKS_INVALID (not JSON, no "keys" array, larger than kMaxJwksBytes, no usable key).
// Messages describe the document's shape, never key material.
Result<JwkSet> ParseJwks(std::string_view json);

// Verifies `signature` over `data` with `key` for `alg` (ES256: the JOSE r||s form, 64 bytes).
// False for any mismatch, including a key that is not of `alg`'s type.
bool VerifySignature(const Jwk& key, JwsAlg alg, std::string_view data, std::string_view signature);

}  // namespace warden::crypto
