#include "snapshot/snapshot.hpp"

namespace warden::snapshot {

std::string ProviderRuntime::HowToEnable() const {
  std::string out;
  for (const auto& n : how_to_enable) out += (out.empty() ? "" : ", ") + n;
  return out;
}

const ModelRoutes::Alias* ModelRoutes::FindAlias(std::string_view name) const {
  for (const Alias& a : aliases) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

const ProviderRuntime* Snapshot::FindProvider(std::string_view id) const {
  for (const auto& p : providers) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

SnapshotConstSharedPtr SnapshotStore::Load() const {
  struct Cache {
    const SnapshotStore* owner = nullptr;
    std::uint64_t generation = 0;
    SnapshotConstSharedPtr local;  // thread-private control block
  };
  thread_local Cache cache;
  const std::uint64_t g = generation_.load(std::memory_order_acquire);
  if (cache.owner != this || cache.generation != g || !cache.local) {
    auto holder = std::make_shared<const SnapshotConstSharedPtr>(current_.Load());
    cache.local = SnapshotConstSharedPtr(holder, holder->get());
    cache.owner = this;
    cache.generation = g;
  }
  return cache.local;
}

void SnapshotStore::Store(SnapshotConstSharedPtr s) {
  current_.Store(std::move(s));
  generation_.fetch_add(1, std::memory_order_acq_rel);  // after the pointer: readers see it
}

}  // namespace warden::snapshot
