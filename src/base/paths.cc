#include "base/paths.hpp"

#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <memory>

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

std::optional<std::string> RealPath(const std::string& path) {
  // With a null buffer realpath allocates one of the right size (POSIX.1-2008).
  std::unique_ptr<char, decltype(&::free)> resolved(::realpath(path.c_str(), nullptr), &::free);
  if (!resolved) return std::nullopt;
  return std::string(resolved.get());
}

std::string DirectoryOf(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::optional<std::string> ResolveDirectory(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  const std::string dir = DirectoryOf(path);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.empty() || name == "." || name == "..") {
    errno = EINVAL;
    return std::nullopt;
  }
  std::optional<std::string> real_dir = RealPath(dir);
  if (!real_dir) return std::nullopt;
  if (real_dir->back() != '/') *real_dir += '/';
  return *real_dir + name;
}

bool IsInsideResolved(const std::string& path, const std::vector<std::string>& dirs) {
  // Only absolute paths are resolved: realpath would anchor a relative one at the working
  // directory, which is not what the config meant.
  auto absolute = [](const std::string& p) { return !p.empty() && p.front() == '/'; };
  const std::string where = absolute(path) ? ResolveDirectory(path).value_or(path) : path;
  return std::any_of(dirs.begin(), dirs.end(), [&](const std::string& dir) {
    return absolute(dir) && IsInside(where, RealPath(dir).value_or(dir));
  });
}

}  // namespace warden
