#include "observe/secret.hpp"

#include <openssl/crypto.h>

#include "crypto/crypto.hpp"

namespace warden {

Secret::Secret() : digest_(crypto::Sha256({})) {}

Secret::Secret(std::string value) : value_(std::move(value)), digest_(crypto::Sha256(value_)) {}

Secret::~Secret() {
  if (!value_.empty()) OPENSSL_cleanse(value_.data(), value_.size());
  OPENSSL_cleanse(digest_.data(), digest_.size());
}

std::string Secret::Fingerprint() const {
  if (value_.empty()) return "none";
  return "sha256:" + crypto::Hex(digest_.data(), 6);  // the digest's first 12 hex digits
}

bool Secret::ConstantTimeEquals(std::string_view candidate) const {
  return MatchesDigest(crypto::Sha256(candidate));
}

bool Secret::MatchesDigest(const std::array<std::uint8_t, 32>& candidate_digest) const {
  return crypto::DigestEquals(digest_, candidate_digest);
}

}  // namespace warden
