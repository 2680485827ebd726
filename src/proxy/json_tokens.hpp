// Validating single JSON tokens in place, by the rules Boost.JSON's parser applies, for the
// request-body pass that walks simdjson's structural index instead of decoding every value
// (proxy/model_field.cc).
// Ownership: none. Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string_view>

namespace warden::proxy {

// The escapes of a whole document, as the body pass checks them (proxy/model_field.cc): the offset
// of the first invalid escape's backslash (or of the end, for a backslash left last), npos when
// every backslash begins a valid escape: \" \\ \/ \b \f \n \r \t and \uXXXX, a leading surrogate
// only with a trailing one right after it, a trailing one never alone. Outside strings, a backslash
// is invalid JSON whatever follows it, which the structural walk refuses; inside them, this is the
// check string by string (the structural index has already refused control characters in strings
// and invalid UTF-8). Checked 64 bytes at a time, with AVX-512BW where the CPU has it (chosen once,
// at the first call).
std::size_t InvalidEscapeOffset(std::string_view text);

// The two ways of reading 64 bytes, for tests and fuzzers that hold one against the other.
// kPortable (SSE2, else byte by byte) is always available.
enum class EscapeScan { kPortable, kAvx512 };
bool EscapeScanAvailable(EscapeScan scan);
// InvalidEscapeOffset by `scan` (kPortable when `scan` is not available here), and whether a
// string literal's content (between its quotes) has only valid escapes, by `scan`.
std::size_t InvalidEscapeOffsetWith(EscapeScan scan, std::string_view text);
bool ValidStringEscapesWith(EscapeScan scan, std::string_view content);

// Whether `token` (JSON whitespace may follow it) is a JSON number Boost.JSON accepts: RFC 8259's
// grammar, and an exponent Boost.JSON can hold.
bool ValidNumberToken(std::string_view token);

}  // namespace warden::proxy
