#include "crypto/sha256_memo.hpp"

#include <algorithm>

#include <openssl/crypto.h>

namespace warden::crypto {

Sha256Memo::~Sha256Memo() { Wipe(); }

// The whole buffer, not just the current input: a shorter input reuses it, and what a longer
// one left past the end would otherwise stay.
void Sha256Memo::Wipe() {
  input_.resize(input_.capacity());
  if (!input_.empty()) OPENSSL_cleanse(input_.data(), input_.size());
  input_.clear();
  OPENSSL_cleanse(digest_.data(), digest_.size());
  held_ = false;
}

Sha256Digest Sha256Memo::Of(std::string_view input) {
  // The bytes are compared whether or not the lengths match: the time taken tells whether this
  // is the input of last time, and by a few nanoseconds the shorter length (tokens' lengths are
  // public: a gateway token is 47 characters), never anything of either input's contents.
  const std::size_t common = std::min(input.size(), input_.size());
  const bool same_bytes = CRYPTO_memcmp(input.data(), input_.data(), common) == 0;
  if (held_ && same_bytes && input.size() == input_.size()) return digest_;
  const Sha256Digest digest = Sha256(input);
  if (input.size() > kMaxBytes) return digest;
  Wipe();
  input_.assign(input);
  digest_ = digest;
  held_ = true;
  return digest;
}

}  // namespace warden::crypto
