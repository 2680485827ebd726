// When this binary was built, for the clock check of `warden doctor` (base/clock_sanity.hpp).
// CMake passes WARDEN_BUILD_EPOCH (seconds; the configure time, or SOURCE_DATE_EPOCH when set)
// to build_info.cc alone, so only that file recompiles when it changes. It is a lower bound of
// the real build time, which is all the check needs.
// Thread safety: pure.
#pragma once

#include <cstdint>

namespace warden::app {

// Milliseconds since the epoch; 0 when the build did not say.
std::int64_t BuildEpochMs();

}  // namespace warden::app
