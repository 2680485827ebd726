// Header-safety check for resolved secret values: every resolved value used in an HTTP header
// is rejected if it contains control characters or is longer than kMaxHeaderValueBytes (README,
// "SecretRefs"). Every credential passes here before it reaches a snapshot or a federated token:
// static keys (config refs and literals, the env chain), extra headers, federated tokens from
// env, token_file and refresh_command.
//
// A value with CR/LF could split or inject headers; NUL and other C0 controls (TAB included,
// because a key never legitimately contains one and trailing whitespace is silently trimmed by
// some servers) and DEL are refused. Bytes >= 0x80 pass: obs-text is legal in field values.
// Length: Beast keeps a field value's size in 16 bits (at most 65,533 bytes), and setting a
// longer one throws on the request path; the limit leaves room for the "Bearer " scheme warden
// puts in front of a key or token. Upstreams refuse far shorter headers anyway.
// The error is SECRET_VALUE_INVALID naming `what` (a ref description or key path), never the
// value.
// Ownership: borrows its arguments for the call only.
// Thread safety: stateless.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/result.hpp"

namespace warden::secrets {

// 63 KiB: 64 KiB less room for the scheme and the header's own framing.
inline constexpr std::size_t kMaxHeaderValueBytes = 63 * 1024;

[[nodiscard]] Result<void> CheckHeaderValue(std::string_view value, std::string_view what);

}  // namespace warden::secrets
