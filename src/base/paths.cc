#include "base/paths.hpp"

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace warden {
namespace {

// The components of `path` after lexical normalisation, without empty (trailing "/") and "."
// ones. The root stays a component, so an absolute path is never inside a relative directory.
std::vector<std::string> Components(std::string_view path) {
  std::vector<std::string> out;
  for (const auto& part : std::filesystem::path(path).lexically_normal()) {
    std::string s = part.string();
    if (s.empty() || s == ".") continue;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

bool IsInside(std::string_view path, std::string_view dir) {
  const std::vector<std::string> path_parts = Components(path);
  const std::vector<std::string> dir_parts = Components(dir);
  if (path_parts.size() <= dir_parts.size()) return false;
  return std::equal(dir_parts.begin(), dir_parts.end(), path_parts.begin());
}

}  // namespace warden
