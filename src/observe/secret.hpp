// Secret: a credential value that cannot be printed by accident.
//
// There is no implicit conversion to a string, no operator<<, and the fmt/spdlog formatter
// prints "***". The only way to read the value is Reveal(), which is greppable and used solely
// where a credential is injected into an outgoing request or compared. Fingerprint() gives a
// stable, non-reversible id for logs and metrics ("sha256:" + first 12 hex of SHA-256).
// Ownership: a Secret owns its bytes; copies are independent.
// Thread safety: immutable after construction; safe to share across threads.
#pragma once

#include <array>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace warden {

class Secret {
 public:
  Secret();
  explicit Secret(std::string value);
  Secret(const Secret&) = default;
  Secret(Secret&&) noexcept = default;
  Secret& operator=(const Secret&) = default;
  Secret& operator=(Secret&&) noexcept = default;
  ~Secret();  // wipes the buffer

  [[nodiscard]] std::string_view Reveal() const { return value_; }
  [[nodiscard]] bool empty() const { return value_.empty(); }
  [[nodiscard]] std::size_t size() const { return value_.size(); }
  // Stable id safe to log: "sha256:1a2b3c4d5e6f". Empty secret → "none".
  [[nodiscard]] std::string Fingerprint() const;
  // Constant-time equality (no early exit, length-independent via SHA-256 digests).
  [[nodiscard]] bool ConstantTimeEquals(std::string_view candidate) const;
  // The same, for a candidate already hashed (SHA-256): one hash per request, not two.
  [[nodiscard]] bool MatchesDigest(const std::array<std::uint8_t, 32>& candidate_digest) const;

  // No accidental equality that could be timing-dependent.
  bool operator==(const Secret&) const = delete;

 private:
  std::string value_;
  std::array<std::uint8_t, 32> digest_;  // SHA-256 of value_, for the comparisons
};

// Streaming a Secret prints the redaction marker, never the value.
inline std::ostream& operator<<(std::ostream& os, const Secret&) { return os << "***"; }

}  // namespace warden

template <>
struct fmt::formatter<warden::Secret> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(const warden::Secret&, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format("***", ctx);
  }
};
