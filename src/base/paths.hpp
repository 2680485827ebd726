// Lexical path helpers (no filesystem access).
// Ownership: borrows its arguments for the call only.
// Thread safety: pure functions.
#pragma once

#include <string_view>

namespace warden {

// True when `path` lies strictly below `dir`, comparing whole components after lexical
// normalisation: "/usr/bin/x" is inside "/usr/bin" and "/usr/bin/", "/usr/binx" and "/usr/bin"
// itself are not, and "/usr/bin/../lib/x" is judged as "/usr/lib/x". Symlinks are not resolved:
// callers that run what they checked run the normalised path (see secrets/process_runner.hpp).
bool IsInside(std::string_view path, std::string_view dir);

}  // namespace warden
