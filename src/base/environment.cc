#include "base/environment.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace warden {

std::optional<std::string> ProcessEnvironment::Get(std::string_view name) const {
  std::string key(name);
  const char* v = std::getenv(key.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::vector<std::string> ProcessEnvironment::Names() const {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq != nullptr) out.emplace_back(*e, std::size_t(eq - *e));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::string> MapEnvironment::Get(std::string_view name) const {
  auto it = vars_.find(name);
  if (it == vars_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> MapEnvironment::Names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : vars_) out.push_back(k);
  return out;
}

}  // namespace warden
