/* LD_PRELOAD counter of heap allocations for bench/cpu.sh: counts calls to malloc, calloc,
 * realloc, posix_memalign, aligned_alloc, memalign and operator new (all its forms: tcmalloc,
 * warden's allocator, implements it without calling malloc) and writes the count to
 * $ALLOC_COUNT_FILE when the process exits normally. Each call is served by the __libc_* entry
 * points, which tcmalloc also defines, so the process keeps one heap. A failed operator new
 * aborts instead of throwing. Bench-only: never linked into warden. Thread safe (one relaxed
 * atomic add per call). */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

extern void* __libc_malloc(size_t);
extern void* __libc_calloc(size_t, size_t);
extern void* __libc_realloc(void*, size_t);
extern void* __libc_memalign(size_t, size_t);

static atomic_ulong count;

void* malloc(size_t n) {
  atomic_fetch_add_explicit(&count, 1, memory_order_relaxed);
  return __libc_malloc(n);
}
void* calloc(size_t a, size_t b) {
  atomic_fetch_add_explicit(&count, 1, memory_order_relaxed);
  return __libc_calloc(a, b);
}
void* realloc(void* p, size_t n) {
  atomic_fetch_add_explicit(&count, 1, memory_order_relaxed);
  return __libc_realloc(p, n);
}
void* memalign(size_t a, size_t n) {
  atomic_fetch_add_explicit(&count, 1, memory_order_relaxed);
  return __libc_memalign(a, n);
}
void* aligned_alloc(size_t a, size_t n) { return memalign(a, n); }
int posix_memalign(void** out, size_t a, size_t n) {
  void* p = memalign(a, n);
  if (p == NULL) return 12; /* ENOMEM */
  *out = p;
  return 0;
}

/* operator new (size), new[] (size), their nothrow forms, and the aligned ones (size, align). */
static void* counted_new(size_t n, size_t align, int nothrow) {
  atomic_fetch_add_explicit(&count, 1, memory_order_relaxed);
  void* p = align > 16 ? __libc_memalign(align, n ? n : 1) : __libc_malloc(n ? n : 1);
  if (p == NULL && !nothrow) abort();
  return p;
}
void* _Znwm(size_t n) { return counted_new(n, 0, 0); }
void* _Znam(size_t n) { return counted_new(n, 0, 0); }
void* _ZnwmRKSt9nothrow_t(size_t n, const void* tag) { return counted_new(n, 0, 1); }
void* _ZnamRKSt9nothrow_t(size_t n, const void* tag) { return counted_new(n, 0, 1); }
void* _ZnwmSt11align_val_t(size_t n, size_t a) { return counted_new(n, a, 0); }
void* _ZnamSt11align_val_t(size_t n, size_t a) { return counted_new(n, a, 0); }
void* _ZnwmSt11align_val_tRKSt9nothrow_t(size_t n, size_t a, const void* tag) {
  return counted_new(n, a, 1);
}
void* _ZnamSt11align_val_tRKSt9nothrow_t(size_t n, size_t a, const void* tag) {
  return counted_new(n, a, 1);
}

__attribute__((destructor)) static void write_count(void) {
  const char* path = getenv("ALLOC_COUNT_FILE");
  if (path == NULL) return;
  FILE* f = fopen(path, "w");
  if (f == NULL) return;
  fprintf(f, "%lu\n", atomic_load(&count));
  fclose(f);
}
