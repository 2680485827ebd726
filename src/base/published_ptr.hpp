// PublishedPtr<T>: a shared_ptr<const T> that a writer replaces while other threads read it —
// the one home for "publish a new immutable value to the event loops" (the snapshot, federated
// tokens).
//
// Why not std::atomic<std::shared_ptr<T>>: g++ 12's implementation guards the pointer with a
// spinlock in the reference count and load() releases that lock with memory_order_relaxed, so
// under the C++ memory model nothing orders a reader's read of the pointer before the next
// writer's write of it. ThreadSanitizer reports exactly that, and it cannot be told apart from a
// real race without suppressing the whole type. A mutex gives the same guarantee that TSan (and
// every reader) can see; it is held only to copy or swap one pointer, and the value a writer
// replaces is destroyed after the lock is released.
// Ownership: holds one reference to the current value; Load() hands out another.
// Thread safety: Load() and Store() are thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <utility>

namespace warden {

template <typename T>
class PublishedPtr {
 public:
  std::shared_ptr<const T> Load() const {
    std::lock_guard lock(mu_);
    return value_;
  }
  void Store(std::shared_ptr<const T> next) {
    {
      std::lock_guard lock(mu_);
      value_.swap(next);
    }
    // `next` now holds the previous value; dropping it here keeps destructors out of the lock.
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const T> value_;  // GUARDED_BY(mu_)
};

}  // namespace warden
