#include "creds/profile_store.hpp"

#include <string.h>
#include <sys/stat.h>

#include <cerrno>

#include "base/atomic_file.hpp"
#include "base/file_lock.hpp"
#include "base/private_file.hpp"

namespace warden::creds {
namespace {

std::string DirName(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
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
  struct stat st {};
  if (::lstat(path_.c_str(), &st) != 0) {
    if (errno == ENOENT) return ProfileDocument{};
    return Error::Posix("stat profile store", path_, errno);
  }
  auto text = ReadSecureFile(path_, options_.max_bytes);
  if (!text) return text.error().Wrap("profile store");
  auto doc = ParseProfileDocument(*text, path_);
  explicit_bzero(text->data(), text->size());
  return doc;
}

Result<ProfileDocument> ProfileStore::Update(const Mutation& mutate) const {
  if (auto ok = EnsurePrivateDir(DirName(path_)); !ok) return ok.error();
  auto lock = LockFile(lock_path(), options_.lock_timeout);
  if (!lock) return lock.error();
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
