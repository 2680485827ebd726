#include "crypto/jwk.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <optional>

#include <boost/json.hpp>

#include "crypto/crypto.hpp"

namespace warden::crypto {

namespace json = boost::json;

namespace {

constexpr int kMinRsaBits = 2048;
constexpr std::size_t kP256CoordinateBytes = 32;
constexpr std::size_t kEd25519KeyBytes = 32;

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

std::string_view StringField(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) return {};
  return v->get_string();
}

// A base64url member decoded, or nullopt when absent or not base64url.
std::optional<std::string> BytesField(const json::object& o, std::string_view name) {
  std::string_view s = StringField(o, name);
  if (s.empty()) return std::nullopt;
  return Base64UrlDecode(s);
}

PkeyPtr FromParams(const char* type, OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* pkey = nullptr;
  if (params != nullptr && ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1) {
    if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) pkey = nullptr;
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return PkeyPtr(pkey);
}

PkeyPtr RsaKey(const json::object& o) {
  auto n = BytesField(o, "n");
  auto e = BytesField(o, "e");
  if (!n || !e || n->empty() || e->empty()) return nullptr;
  BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                           static_cast<int>(n->size()), nullptr);
  BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                           static_cast<int>(e->size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  PkeyPtr key;
  if (bn_n != nullptr && bn_e != nullptr && bld != nullptr && BN_num_bits(bn_n) >= kMinRsaBits &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1) {
    key = FromParams("RSA", bld);
  }
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn_n);
  BN_free(bn_e);
  return key;
}

PkeyPtr P256Key(const json::object& o) {
  auto x = BytesField(o, "x");
  auto y = BytesField(o, "y");
  if (!x || !y || x->size() != kP256CoordinateBytes || y->size() != kP256CoordinateBytes) {
    return nullptr;
  }
  // The uncompressed point 0x04 || x || y; EVP_PKEY_fromdata checks that it is on the curve.
  std::string point = "\x04" + *x + *y;
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  PkeyPtr key;
  if (bld != nullptr &&
      OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1 &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) ==
          1) {
    key = FromParams("EC", bld);
  }
  OSSL_PARAM_BLD_free(bld);
  return key;
}

PkeyPtr Ed25519Key(const json::object& o) {
  auto x = BytesField(o, "x");
  if (!x || x->size() != kEd25519KeyBytes) return nullptr;
  return PkeyPtr(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x->data()), x->size()));
}

// The key of one JWKS entry, or nullopt when warden cannot or may not use it for signatures.
std::optional<Jwk> ParseKey(const json::object& o) {
  const std::string_view kty = StringField(o, "kty");
  const std::string_view crv = StringField(o, "crv");
  Jwk jwk;
  PkeyPtr key;
  if (kty == "RSA") {
    jwk.alg = JwsAlg::kRs256;
    key = RsaKey(o);
  } else if (kty == "EC" && crv == "P-256") {
    jwk.alg = JwsAlg::kEs256;
    key = P256Key(o);
  } else if (kty == "OKP" && crv == "Ed25519") {
    jwk.alg = JwsAlg::kEdDsa;
    key = Ed25519Key(o);
  } else {
    return std::nullopt;
  }
  if (!key) return std::nullopt;
  // A key restricted to another use or algorithm is not one warden may verify with.
  if (const json::value* use = o.if_contains("use"); use && StringField(o, "use") != "sig") {
    return std::nullopt;
  }
  if (const json::value* alg = o.if_contains("alg");
      alg && StringField(o, "alg") != JwsAlgName(jwk.alg)) {
    return std::nullopt;
  }
  if (const json::value* kid = o.if_contains("kid"); kid != nullptr) {
    if (!kid->is_string()) return std::nullopt;
    jwk.kid = std::string(kid->get_string());
  }
  jwk.key = std::shared_ptr<evp_pkey_st>(key.release(), PkeyDeleter());
  return jwk;
}

// The JOSE ES256 signature r||s (32 + 32 bytes) as the DER ECDSA-Sig-Value OpenSSL verifies.
std::optional<std::string> Es256ToDer(std::string_view sig) {
  if (sig.size() != 2 * kP256CoordinateBytes) return std::nullopt;
  const auto* bytes = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* ecdsa = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(bytes, kP256CoordinateBytes, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + kP256CoordinateBytes, kP256CoordinateBytes, nullptr);
  std::optional<std::string> der;
  if (ecdsa != nullptr && r != nullptr && s != nullptr && ECDSA_SIG_set0(ecdsa, r, s) == 1) {
    r = s = nullptr;  // owned by ecdsa now
    unsigned char* out = nullptr;
    const int len = i2d_ECDSA_SIG(ecdsa, &out);
    if (len > 0)
      der = std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(len));
    OPENSSL_free(out);
  }
  BN_free(r);
  BN_free(s);
  ECDSA_SIG_free(ecdsa);
  return der;
}

int KeyTypeOf(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kRs256:
      return EVP_PKEY_RSA;
    case JwsAlg::kEs256:
      return EVP_PKEY_EC;
    case JwsAlg::kEdDsa:
      return EVP_PKEY_ED25519;
  }
  return EVP_PKEY_NONE;
}

}  // namespace

std::string_view JwsAlgName(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kRs256:
      return "RS256";
    case JwsAlg::kEs256:
      return "ES256";
    case JwsAlg::kEdDsa:
      return "EdDSA";
  }
  return "?";
}

Result<JwkSet> ParseJwks(std::string_view text) {
  if (text.size() > kMaxJwksBytes) {
    return Error::Make(ErrorCode::kJwksInvalid,
                       "JWKS document is larger than " + std::to_string(kMaxJwksBytes) + " bytes");
  }
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) {
    return Error::Make(ErrorCode::kJwksInvalid, "JWKS document is not a JSON object");
  }
  const json::value* keys = doc.get_object().if_contains("keys");
  if (keys == nullptr || !keys->is_array()) {
    return Error::Make(ErrorCode::kJwksInvalid, "JWKS document has no \"keys\" array");
  }
  JwkSet out;
  for (const json::value& entry : keys->get_array()) {
    std::optional<Jwk> key = entry.is_object() ? ParseKey(entry.get_object()) : std::nullopt;
    if (key) {
      out.keys.push_back(std::move(*key));
    } else {
      ++out.skipped;
    }
  }
  if (out.keys.empty()) {
    return Error::Make(ErrorCode::kJwksInvalid,
                       "JWKS document has no usable signing key (RSA >= 2048 bits, EC P-256 or "
                       "Ed25519; " +
                           std::to_string(out.skipped) + " skipped)");
  }
  return out;
}

bool VerifySignature(const Jwk& key, JwsAlg alg, std::string_view data,
                     std::string_view signature) {
  if (key.alg != alg || !key.key || EVP_PKEY_get_base_id(key.key.get()) != KeyTypeOf(alg)) {
    return false;
  }
  std::string der;
  if (alg == JwsAlg::kEs256) {
    auto converted = Es256ToDer(signature);
    if (!converted) return false;
    der = std::move(*converted);
    signature = der;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return false;
  const EVP_MD* md = alg == JwsAlg::kEdDsa ? nullptr : EVP_sha256();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key.key.get()) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                             signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                             data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace warden::crypto
