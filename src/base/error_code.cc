#include "base/error_code.hpp"

#include <array>
#include <utility>

namespace warden {
namespace {

constexpr std::array kWireNames = {
#define WARDEN_ERROR_CODE_ENTRY(id, wire) std::pair{ErrorCode::id, std::string_view(wire)},
    WARDEN_ERROR_CODES(WARDEN_ERROR_CODE_ENTRY)
#undef WARDEN_ERROR_CODE_ENTRY
};

// Entry i is the enumerator i + 1 (after kNone), which holds because both come from one list.
constexpr bool IndexedByEnum() {
  for (std::size_t i = 0; i < kWireNames.size(); ++i) {
    if (static_cast<std::size_t>(kWireNames[i].first) != i + 1) return false;
  }
  return true;
}
static_assert(IndexedByEnum());

}  // namespace

std::string_view WireName(ErrorCode code) {
  if (code == ErrorCode::kNone) return {};
  return kWireNames[static_cast<std::size_t>(code) - 1].second;
}

std::optional<ErrorCode> ParseErrorCode(std::string_view name) {
  for (const auto& [code, wire] : kWireNames) {
    if (wire == name) return code;
  }
  return std::nullopt;
}

}  // namespace warden
