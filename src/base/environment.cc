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

std::string ExpandHome(std::string_view path, const Environment& env) {
  if (path.empty() || path.front() != '~' || (path.size() > 1 && path[1] != '/')) {
    return std::string(path);
  }
  std::optional<std::string> home = env.Get("HOME");
  if (!home || home->empty()) return std::string(path);
  std::string out = *home;
  std::string_view rest = path.substr(1);  // "" or "/..."
  if (!rest.empty() && out.back() == '/') rest.remove_prefix(1);
  out += rest;
  return out;
}

}  // namespace warden
