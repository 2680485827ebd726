// Small crypto primitives over OpenSSL: SHA-256, hex, base64url, CSPRNG, constant-time compare.
// Ownership: plain values in and out.
// Thread safety: all functions are stateless and thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace warden::crypto {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest Sha256(std::string_view data);
std::string Hex(const std::uint8_t* data, std::size_t size);
inline std::string Hex(const Sha256Digest& d) { return Hex(d.data(), d.size()); }

std::string Base64UrlEncode(std::string_view data);  // no padding
// Accepts base64url with or without padding; nullopt on any invalid character.
std::optional<std::string> Base64UrlDecode(std::string_view data);

// `n` bytes from OpenSSL's CSPRNG. Aborts if the CSPRNG fails (nothing safe to fall back to).
std::string RandomBytes(std::size_t n);
// A new gateway token: 32 random bytes as base64url (43 characters), prefixed "wdn_".
std::string NewToken();

// Equal in constant time with respect to content; compares SHA-256 digests so the time does
// not depend on where the inputs differ or on the secret's length.
bool ConstantTimeEquals(std::string_view a, std::string_view b);
// Equal in constant time: two digests (e.g. a presented token's against a stored one's).
bool DigestEquals(const Sha256Digest& a, const Sha256Digest& b);

}  // namespace warden::crypto
