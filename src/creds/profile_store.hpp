// ProfileStore: the file `$WARDEN_HOME/auth-profiles.json` (README, "Profiles"), shared by every
// `warden` process (servers and CLI verbs) of one home. The schema is creds/profile_document.hpp.
//
// Reading (Load) takes no lock: writers replace the file with one rename, so a reader sees the
// old or the new file, never a mix. The file must pass the private-file check
// (base/private_file.hpp: a regular file, not a symlink, owned by the user, mode without group
// or world bits — else SECRET_FILE_INSECURE naming `chmod 600`), then parse (else
// PROFILE_STORE_CORRUPT). A missing file is an empty store.
// Writing (Update) is always a read-modify-write under an exclusive advisory lock (flock on the
// sibling `auth-profiles.json.lock`, base/file_lock.hpp, waiting at most `lock_timeout`, then
// LOCK_TIMEOUT): re-read, apply the change, write a temp file created 0600 with O_EXCL in the
// same directory, fsync, rename, fsync the directory (base/atomic_file.hpp). A store that fails
// to load is never overwritten: Update returns the load error and writes nothing. A change that
// would not read back (an invalid id, a value failing the header check) is PROFILE_INVALID and
// not written either. Two processes updating at once both land (no lost update). Temp files a
// writer that died left behind are removed by the next Update (under the lock, so they are
// known to be stale).
// Ownership: holds only the path and options; every descriptor is closed before returning.
// Thread safety: instances are immutable; concurrent Updates (threads or processes) serialise
// on the lock.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "base/result.hpp"
#include "creds/profile_document.hpp"

namespace warden::creds {

inline constexpr const char* kProfileStoreFileName = "auth-profiles.json";

struct ProfileStoreOptions {
  std::chrono::milliseconds lock_timeout{10'000};  // how long Update waits for the lock
  std::size_t max_bytes = 16u << 20;               // a larger store is refused
};

class ProfileStore {
 public:
  explicit ProfileStore(std::string path, ProfileStoreOptions options = {});
  // The store of a warden home: HOME/auth-profiles.json.
  static ProfileStore InHome(const std::string& home, ProfileStoreOptions options = {});

  const std::string& path() const { return path_; }
  std::string lock_path() const { return path_ + ".lock"; }

  // Whether the store file exists (lstat; a broken symlink counts, and Load then refuses it).
  bool Exists() const;
  // The document on disk, without the lock; an empty document when the file does not exist.
  [[nodiscard]] Result<ProfileDocument> Load() const;

  // Changes the document under the lock. `mutate` returns whether it changed anything (only
  // then is the file written) or an error (nothing written; the error is returned). Creates the
  // store's directory (0700) when missing. Returns the document as it is afterwards.
  using Mutation = std::function<Result<bool>(ProfileDocument&)>;
  [[nodiscard]] Result<ProfileDocument> Update(const Mutation& mutate) const;

 private:
  std::string path_;
  ProfileStoreOptions options_;
};

}  // namespace warden::creds
