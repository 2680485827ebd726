#include "config/config.hpp"

#include <cctype>

namespace warden::config {

std::string SecretRef::Describe() const { return source + ":" + provider + ":" + id; }

const ProviderConfig* Config::FindProvider(std::string_view id) const {
  for (const auto& p : providers) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

std::string EnvPrefixFor(std::string_view provider_id) {
  std::string out;
  out.reserve(provider_id.size());
  for (char c : provider_id) {
    out += (c == '-' || c == '.') ? '_' : char(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace warden::config
