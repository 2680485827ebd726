// Path helpers: lexical ones (no filesystem access) and the resolving ones that judge a path
// where the kernel would find it.
// Ownership: borrows its arguments for the call only.
// Thread safety: pure functions; the resolving ones read the filesystem (realpath(3)) and so
// answer for the moment they run.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace warden {

// The directory part of `path`, lexically: "/a/b" → "/a", "/b" → "/", "b" → ".".
std::string DirectoryOf(const std::string& path);

// True when `path` lies strictly below `dir`, comparing whole components after lexical
// normalisation: "/usr/bin/x" is inside "/usr/bin" and "/usr/bin/", "/usr/binx" and "/usr/bin"
// itself are not, and "/usr/bin/../lib/x" is judged as "/usr/lib/x". Symlinks are not resolved:
// see IsInsideResolved for that.
bool IsInside(std::string_view path, std::string_view dir);

// realpath(3): `path` made absolute with every symlink, "." and ".." resolved. nullopt (errno
// set) when a component is missing or cannot be searched.
std::optional<std::string> RealPath(const std::string& path);

// Where the kernel finds `path`: its directory through RealPath, its last component kept as
// written, so that lstat still sees a symlinked file as a symlink. With /t/link → /elsewhere,
// "/t/link/x" is "/elsewhere/x" and "/t/link/../x" is "/x" (".." applies to the target, as in
// the kernel, not lexically). nullopt (errno set) when the directory does not resolve, or when
// the last component is empty, "." or ".." (EINVAL).
std::optional<std::string> ResolveDirectory(const std::string& path);

// True when `path` lies inside one of `dirs` as the kernel resolves them: `path` through
// ResolveDirectory and each dir through RealPath, then IsInside. So a symlinked directory inside
// a trusted one does not extend it to where it points, and ".." cannot climb out of one. A path
// or dir that does not resolve (missing, unsearchable) is compared as written, after lexical
// normalisation: a config naming a helper that is not installed yet is still judged (running it
// fails anyway). A relative dir never contains an absolute path.
bool IsInsideResolved(const std::string& path, const std::vector<std::string>& dirs);

}  // namespace warden
