#include "app/build_info.hpp"

namespace warden::app {

std::int64_t BuildEpochMs() {
#ifdef WARDEN_BUILD_EPOCH
  return static_cast<std::int64_t>(WARDEN_BUILD_EPOCH) * 1000;
#else
  return 0;
#endif
}

}  // namespace warden::app
