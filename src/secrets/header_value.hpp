// Header-safety check for resolved secret values: every resolved value used in an HTTP header
// is rejected if it contains control characters (README, "SecretRefs").
//
// A value with CR/LF could split or inject headers; NUL and other C0 controls (TAB included,
// because a key never legitimately contains one and trailing whitespace is silently trimmed by
// some servers) and DEL are refused. Bytes >= 0x80 pass: obs-text is legal in field values.
// The error is SECRET_VALUE_INVALID naming `what` (a ref description or key path), never the
// value.
// Ownership: borrows its arguments for the call only.
// Thread safety: stateless.
#pragma once

#include <string_view>

#include "base/result.hpp"

namespace warden::secrets {

[[nodiscard]] Result<void> CheckHeaderValue(std::string_view value, std::string_view what);

}  // namespace warden::secrets
