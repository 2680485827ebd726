#include "base/published_ptr.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace warden {
namespace {

struct Value {
  explicit Value(int v) : a(v), b(v) {}
  int a;
  int b;  // always equal to a: a reader that saw a torn or freed value would notice
};

TEST(PublishedPtr, EmptyUntilStored) {
  PublishedPtr<Value> p;
  EXPECT_EQ(p.Load(), nullptr);
  p.Store(std::make_shared<const Value>(7));
  ASSERT_NE(p.Load(), nullptr);
  EXPECT_EQ(p.Load()->a, 7);
}

TEST(PublishedPtr, ALoadedValueOutlivesItsReplacement) {
  PublishedPtr<Value> p;
  p.Store(std::make_shared<const Value>(1));
  auto held = p.Load();
  p.Store(std::make_shared<const Value>(2));
  EXPECT_EQ(held->a, 1);  // still owned by the reader
  EXPECT_EQ(held.use_count(), 1);
  EXPECT_EQ(p.Load()->a, 2);
}

// Readers on several threads while one writer publishes: every value read is whole and values
// only move forward. Run under the tsan preset this also proves the publication is race-free.
TEST(PublishedPtr, ReadersSeeWholeValuesWhileAWriterPublishes) {
  PublishedPtr<Value> p;
  p.Store(std::make_shared<const Value>(0));
  constexpr int kWrites = 2000;
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      int last = 0;
      while (!done.load(std::memory_order_acquire)) {
        auto v = p.Load();
        if (v->a != v->b || v->a < last) bad.fetch_add(1);
        last = v->a;
      }
    });
  }
  for (int i = 1; i <= kWrites; ++i) p.Store(std::make_shared<const Value>(i));
  done.store(true, std::memory_order_release);
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(p.Load()->a, kWrites);
}

}  // namespace
}  // namespace warden
