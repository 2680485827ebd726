#include "observe/secret.hpp"

#include <openssl/crypto.h>

#include "crypto/crypto.hpp"

namespace warden {

Secret::~Secret() {
  if (!value_.empty()) OPENSSL_cleanse(value_.data(), value_.size());
}

std::string Secret::Fingerprint() const {
  if (value_.empty()) return "none";
  return "sha256:" + crypto::Hex(crypto::Sha256(value_)).substr(0, 12);
}

bool Secret::ConstantTimeEquals(std::string_view candidate) const {
  return crypto::ConstantTimeEquals(value_, candidate);
}

}  // namespace warden
