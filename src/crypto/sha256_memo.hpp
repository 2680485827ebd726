// Sha256Memo: the SHA-256 of the input given last, kept so that the same input again is not
// hashed again. A keep-alive connection presents the same caller token on every request; hashing
// it (OpenSSL 3 allocates and frees a digest context each time) was about a tenth of a small
// proxied request's user-space instructions.
//
// The input is kept only to compare the next one with (in constant time over the bytes both
// have: the time depends on whether it is the same input and on the shorter length, never on
// the contents); nothing reads it back, it is wiped when replaced and at destruction, and an input
// over kMaxBytes is hashed every time instead of kept. Ownership: owns a copy of the last input.
// Thread safety: none (one per caller connection).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "crypto/crypto.hpp"

namespace warden::crypto {

class Sha256Memo {
 public:
  static constexpr std::size_t kMaxBytes = 4096;

  Sha256Memo() = default;
  Sha256Memo(const Sha256Memo&) = delete;
  Sha256Memo& operator=(const Sha256Memo&) = delete;
  ~Sha256Memo();

  // Sha256(input).
  Sha256Digest Of(std::string_view input);

 private:
  void Wipe();

  std::string input_;
  Sha256Digest digest_{};
  bool held_ = false;
};

}  // namespace warden::crypto
