// Test only: fixed private keys (generated once for these tests, never used elsewhere) that
// sign JWTs and describe their public halves as JWKs, for the jwt verification tests of the
// crypto and access layers.
// Ownership: a TestSigner owns its key. Thread safety: use from one test thread.
#pragma once

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "crypto/crypto.hpp"

namespace warden::crypto::testing {

inline constexpr std::string_view kRsaPem = R"(-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDA9QVsKS1lWFX/
R5q3aORJlpMGTHsjr/jtQql79Vx0rE0dBZf6EFiHTjRJbwKR2QQWjc8a8bIGsJin
DkZTTbACT659BGFZzbzZweC7elxsrTOW0mvaImVd4V0D/l7Xyk5O1fLTB2OB2cpv
YSnMlHo2hPD3CbvlBHQFChSVV/zWKQaWNRF3ZG0L2Zshcaz0QAJ+o9k4gcjnFrVm
nh86cvFIGIKEJSrZbM7ThN9t3enM0g4953wmv21IWdi8BDEhAr/2A6RZiSq2hzoD
UzxO4Jb1FGY7hMzatJqbbJWg/gCnAgxtv+09hsoJGCUrHCUVDSIRa6GQmlPLVNOA
w6lQuvtvAgMBAAECgf8+x4uoSGUbTeZW5HZQM/3A+lodU178mBu5VZx2uEmFUcuz
AnmEX2lsC3TBQBtNb05EWdqtvoIE30vx9Yx/QP3e6SbaEom1MZ7Ml4mWvBAvplNv
qnE679ZBkz60vqPP/opnf6qD7qZRyw3XRdfHO4D0mzf0Bl1AAdPCODGTKGXdtCfh
emR01AwqI4/PUCfMWA6VkpT5GIPSeuH8VqLcUn9T1GAcAsXATNJZZO/XrA+Qd1zk
hCUp9JgDyVRMf0o0qCg/7y5KnAl326EveIH77HLMoKN8iU2k/vwBqljMAyEzUFhI
fr5zcVjJN5qdeBwwFVGCs6m2a9IB4mSOjzuKlMECgYEA5Ybvdw72MyWPqXs7wyRb
5fbIC1CuQOEZhWAG2dTKnnMy3yOyEZnNz0CgSPOP4W5u69o5M5oQeOetezw6NZyY
Fkq/apSATaBLbkfZETl9R7168GR45P1TmObtmdr2XJX9YZEfw2JYyodsYmIYIjYA
CqaeWTR5KreG27cbqBjGlkkCgYEA1zZQIgHx9EONsf9KzOIoOnrobkg7bc+GOiB8
Hmg0vcSbJ6Tkh3wGf8EQ/tIw2I9bqSWaVsBvBPOvvb2FSj9io4KDOotrBd1URhPd
oJLrcgpn1eJXKNv4JsUaZvyTdA8OfyrFiJgTh3PqUUfymuG4fv1KKl0fRxgH0J/j
gt30I/cCgYEAnvebtqvoHHhxTYKKW5c9BsKqvht89HZyxItDc28Lfj5vB1ijpckO
X/J0kNIP3qQrsrILWA/mRLbA0k9eSW9Rbm8Kr/h1/E1+sLyWPHXCrQMwuHn9uSsy
0P1vplWet3UybnaityHQOUUd7e3epSMdWEMZ/NJ48Pr3Lgld4Eh4kfECgYBzEY48
8K9OvEPp1SdIbu+1fPwD40krSJdrQu06UNtKT/Hpe4fZTR4odrFAnmARmm0W/o0M
L23sxuLDX68B6OwzotfJmLvLcfDaW0rXzVZoLlogiRmzNhHzoNWiFRA+MMK+ib7+
btmaRgcWGJMF7wR3mbRq/El5+MZM7QB3e3dLNwKBgQCWam1dHL9Pjtyx2KAovcQI
R1WpeFHTZIFf+KTnH9oBNFzgMXdLniP3sBxmcmG12jZtwQb8w1u7jgI/WvPjY1Gh
8xHME2UzjAiSHYT6Y17ifNfaSlXh2URlQXfBFNZV1U/3S8kus0198VH53qa218eN
CvYahCOljnXEkZbE6KVliQ==
-----END PRIVATE KEY-----
)";
inline constexpr std::string_view kRsa2Pem = R"(-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCu+R104qxFl+Ar
uzi8xdAeD5OKdyEzW+f0yNJdiCD/evj/PDOJdSj7ysRyCvrNSpPAPXavriOI27Hv
MW8avdEBxp3kuRNk6QL4H5LBMPhxp5kRPimPjyEGo2MP6gHFDVUeqm4AwYErGYnE
z1yPX74EWn8rUDD7Yz3ywqyoot1kZto64PuYkhhN7jo/ZibHi/Anz8RAC/Qgi0CE
e1fs/fOHzasSnQB/pcX+Z1E5XYTy3cttLdqVH6JWV3lqSbDkrVvGvMFFXG5n3kob
F+4JcnEJgG61EhBFYW+fb6r7TA2GhXAS80H8KXN/3FRyYaf83HsOSqm/tnW5l29M
cTGECukhAgMBAAECggEAAnR1UNgDUcClQQfR7ngaCOnwCH/OY/GUqg8NQImx6NO5
XZ9jG7kcl5fLNMxpo2q58vcJzMI1NmzarL/1Tps+LPez7GsaVg6c341V2kcNHU8c
Ky1DmQOJk5XERItkdfbPbGw4ueL9JHUpxSyhoFNYD6iTYzCvVz+XtWm80Wrjj06K
LDh7Y7i+rl8H+fW+0v3v+d2WrvuhJt7zGKuHsqSAxi2HYo8Q+uJsTC77iXyf/A3+
XiugrvfhVGgi2cppn/BMUGshRguZcVWxBa4+zjZJ1Gn4MWSwag+kQ2eyZfof5+Yg
diKuSRIj+0Gy3SZF7HsBuyT2/qLl2YLSOz+kvSmZKQKBgQDd72j0YdjEUuAVv1Pl
hX/HlRmdq3TLEmKtVCCF9e0WV6cbD7M81C/9fAhorz2Lh+wyTn+uvrvoX6i9PopS
aXhu6KV24HbDiBR+A43cJcGZrggG9xujVk875kMm6G6HDf8P5Zq0QqkaXph65IwG
I4FPOyFGI3ADrmsnNSnMX+GCzQKBgQDJ1GeSOVTZKylUh2MxmdBPDH+1G4iBlxvq
k7Z0XtuSPq7T62afEn/lBE+saTonKqL3358J2C53e36jIljv2pWaZbF6O3L3CcqI
eTAB5H/34Azoi732HxTlVllBfBlG/HuyGLQsWXhCd80Sz1zH68AtCR5+CAz1D9vA
w19XjZYHpQKBgQCgGkwOsF+eEWNSjPnLBCmQI0GdeskAjjzdaWkk+qqUiZslbIgT
A8ezB71RN8ogVGfSSsrVlwcbtZaXHvzOQwP8jpx/S6KhoBOYbJv0CtDFOsTTsYQg
quzx+0TKVrcVesVcBHk8PTKcsU0yqplQ/GAWdkOkw3/VSAhI+pMyuqCGqQKBgBoU
1bGCsSFDP5sJx9rACrg8YEByJ2i/sz7UCc7t9yfl68e88sz5ogdhUD5ydq5bByZL
Ao1OH2sXTV0dcirEr3J9U7r89bVQ0ZhjOL313keU73YZoNmuWI/uYahhtg6DUCTK
pnXYtf645opYu5+mKnZnaEZXGf2NKBO365kv1cR1AoGAR1TMr+8sKHKKINlUNLbE
nd70mNqeIRGiaxZZUnJ265e0MGNLbwlAaKZSgfaEY8EzLmgiGQYGQkolGMShidtb
GptFLoeQogU/vuYrWGAozZNpOjZYuQeLtFgSA0UujbaaycP6hbakqHrDZgpgCwMJ
UvkInwfkC/dW9qwgG60Az9I=
-----END PRIVATE KEY-----
)";
inline constexpr std::string_view kEcPem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgVEWPkZuu9+HUJKCR
eSyMXKg97UMujy8rjWdLJ2ZxZfuhRANCAASwAUVxCrJ1f+QSHSA0fvXUoojeKOh+
ov19/1CPzcbu7JJqoL2FjbbdTdta2ZARM0n10V/7NCEFNNa5kU73QM8c
-----END PRIVATE KEY-----
)";
inline constexpr std::string_view kEdPem = R"(-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIMzCjXDILXr8GNrwbpCN2UkOBUwRECyQs+kX9q6E/WMb
-----END PRIVATE KEY-----
)";

class TestSigner {
 public:
  static TestSigner Rsa() { return TestSigner(kRsaPem, "RS256"); }
  static TestSigner OtherRsa() { return TestSigner(kRsa2Pem, "RS256"); }
  static TestSigner Ec() { return TestSigner(kEcPem, "ES256"); }
  static TestSigner Ed() { return TestSigner(kEdPem, "EdDSA"); }

  const std::string& alg() const { return alg_; }

  // The public key as a JWK object's members (no braces), e.g. "\"kty\":\"RSA\",\"n\":...".
  std::string JwkMembers() const {
    if (alg_ == "RS256") {
      return "\"kty\":\"RSA\",\"n\":\"" + BnParam(OSSL_PKEY_PARAM_RSA_N) + "\",\"e\":\"" +
             BnParam(OSSL_PKEY_PARAM_RSA_E) + "\"";
    }
    if (alg_ == "ES256") {
      unsigned char point[65];
      std::size_t len = 0;
      EVP_PKEY_get_octet_string_param(key_.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point,
                                      &len);
      const std::string_view p(reinterpret_cast<const char*>(point), len);
      return "\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" + Base64UrlEncode(p.substr(1, 32)) +
             "\",\"y\":\"" + Base64UrlEncode(p.substr(33, 32)) + "\"";
    }
    unsigned char raw[32];
    std::size_t len = sizeof raw;
    EVP_PKEY_get_raw_public_key(key_.get(), raw, &len);
    return "\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" +
           Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(raw), len)) + "\"";
  }
  std::string Jwk(std::string_view kid) const {
    return "{\"kid\":\"" + std::string(kid) + "\"," + JwkMembers() + "}";
  }

  // header.payload.signature with the given JSON texts; the signature in JOSE form.
  std::string Sign(std::string_view header_json, std::string_view payload_json) const {
    const std::string input = Base64UrlEncode(header_json) + "." + Base64UrlEncode(payload_json);
    return input + "." + Base64UrlEncode(RawSignature(input));
  }
  // A token with {"alg":<alg>,"kid":<kid>} over `payload_json`.
  std::string Token(std::string_view kid, std::string_view payload_json) const {
    return Sign("{\"alg\":\"" + alg_ + "\",\"typ\":\"JWT\",\"kid\":\"" + std::string(kid) + "\"}",
                payload_json);
  }

 private:
  struct Free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  };

  TestSigner(std::string_view pem, std::string alg) : alg_(std::move(alg)) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    key_.reset(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
    BIO_free(bio);
    if (!key_) throw std::runtime_error("test key does not load");
  }

  std::string BnParam(const char* name) const {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(key_.get(), name, &bn);
    std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
    BN_free(bn);
    return Base64UrlEncode(bytes);
  }

  std::string RawSignature(std::string_view input) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    const EVP_MD* md = alg_ == "EdDSA" ? nullptr : EVP_sha256();
    EVP_DigestSignInit(ctx, nullptr, md, nullptr, key_.get());
    std::size_t len = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(input.data());
    EVP_DigestSign(ctx, nullptr, &len, data, input.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, data, input.size());
    sig.resize(len);
    EVP_MD_CTX_free(ctx);
    if (alg_ != "ES256") return sig;
    // DER ECDSA-Sig-Value → JOSE r||s, 32 bytes each.
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    std::string out(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(out.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(out.data()) + 32, 32);
    ECDSA_SIG_free(es);
    return out;
  }

  std::string alg_;
  std::unique_ptr<EVP_PKEY, Free> key_;
};

}  // namespace warden::crypto::testing
