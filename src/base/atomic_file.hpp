// Atomic, private file writes for anything that holds a secret.
//
// WriteFileAtomically writes to a temp file in the same directory opened with O_EXCL and mode
// 0600 from the start (never chmod-ed late), fsyncs it, renames it over the target and fsyncs
// the directory; on any error the temp file is removed and the target is left untouched
// (leveldb SetCurrentFile). EnsurePrivateDir creates a directory (and parents) with mode 0700.
// Ownership: nothing is retained; every descriptor is closed before returning.
// Thread safety: functions are thread-safe; concurrent writers of one path: last rename wins.
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"

namespace warden {

Result<void> WriteFileAtomically(const std::string& path, std::string_view content,
                                 unsigned mode = 0600);
Result<void> EnsurePrivateDir(const std::string& path);
// The whole file; IO_ERROR (with errno) or FILE_TOO_LARGE past max_bytes.
Result<std::string> ReadWholeFile(const std::string& path, std::size_t max_bytes);
// The rest of the open descriptor `fd` (borrowed, not closed), with the same errors; `path` only
// names it in them.
Result<std::string> ReadWholeFd(int fd, const std::string& path, std::size_t max_bytes);

}  // namespace warden
