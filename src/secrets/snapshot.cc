#include "secrets/snapshot.hpp"

namespace warden::secrets {

const ProviderRuntime* Snapshot::FindProvider(std::string_view id) const {
  for (const auto& p : providers) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

}  // namespace warden::secrets
