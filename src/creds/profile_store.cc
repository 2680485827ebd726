#include "creds/profile_store.hpp"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "base/atomic_file.hpp"
#include "base/file_lock.hpp"
#include "base/paths.hpp"
#include "base/private_file.hpp"

namespace warden::creds {
namespace {

// A writer that died between creating its temp file and the rename left the temp behind (0600,
// holding credential values). Only store writers create these names, and every one of them holds
// the lock the caller holds now, so any that exist are stale.
void RemoveStaleTemps(const std::string& path) {
  const std::string dir = DirectoryOf(path);
  const std::string prefix = path.substr(path.rfind('/') + 1) + ".tmp-";
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) == 0) ::unlink(it->path().c_str());
  }
}

}  // namespace

ProfileStore::ProfileStore(std::string path, ProfileStoreOptions options)
    : path_(std::move(path)), options_(options) {}

ProfileStore ProfileStore::InHome(const std::string& home, ProfileStoreOptions options) {
  std::string dir = home;
  if (!dir.empty() && dir.back() == '/') dir.pop_back();
  return ProfileStore(dir + "/" + kProfileStoreFileName, options);
}

bool ProfileStore::Exists() const {
  struct stat st {};
  return ::lstat(path_.c_str(), &st) == 0;
}

Result<ProfileDocument> ProfileStore::Load() const {
  // A writer's rename between the private-file check's lstat and its open makes ReadSecureFile
  // refuse a file "replaced while being checked". When the path now names another inode than
  // the one seen before the read, that is a writer at work, not an attack: read again (bounded).
  for (int attempt = 0;; ++attempt) {
    struct stat st {};
    if (::lstat(path_.c_str(), &st) != 0) {
      if (errno == ENOENT) return ProfileDocument{};
      return Error::Posix("stat profile store", path_, errno);
    }
    auto text = ReadSecureFile(path_, options_.max_bytes);
    if (!text) {
      struct stat now {};
      const bool replaced = text.error().code == ErrorCode::kSecretFileInsecure &&
                            ::lstat(path_.c_str(), &now) == 0 &&
                            (now.st_ino != st.st_ino || now.st_dev != st.st_dev);
      if (replaced && attempt < 20) continue;
      return text.error().Wrap("profile store");
    }
    auto doc = ParseProfileDocument(*text, path_);
    explicit_bzero(text->data(), text->size());
    return doc;
  }
}

Result<ProfileDocument> ProfileStore::Update(const Mutation& mutate) const {
  if (auto ok = EnsurePrivateDir(DirectoryOf(path_)); !ok) return ok.error();
  auto lock = LockFile(lock_path(), options_.lock_timeout);
  if (!lock) return lock.error();
  RemoveStaleTemps(path_);
  // Re-read under the lock: whatever a peer wrote before we got it is what we change.
  auto doc = Load();
  if (!doc) return doc.error();
  auto changed = mutate(*doc);
  if (!changed) return changed.error();
  if (!*changed) return doc;
  // What is written must read back: a change that would make the store unusable (a value
  // that fails the header check, an invalid id) is refused here rather than found by the next
  // reader.
  for (const auto& [id, profile] : doc->profiles) {
    if (auto check = ParseProfile(id, ProfileToJson(profile)); !check) return check.error();
  }
  for (const auto& [provider, ids] : doc->order) {
    for (const auto& id : ids) {
      if (auto check = CheckProfileId(id); !check) return check.error();
    }
  }
  std::string text = SerializeProfileDocument(*doc);
  auto written = WriteFileAtomically(path_, text, 0600);
  explicit_bzero(text.data(), text.size());
  if (!written) return written.error();
  return doc;
}

}  // namespace warden::creds
