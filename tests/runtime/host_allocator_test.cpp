// keep_freed_memory_in_process: large buffers come from the heap and stay there when freed.
#include <malloc.h>

#include <cstdlib>

#include <doctest/doctest.h>

#include "blox/runtime/host_allocator.h"
#include "support/skip.h"

TEST_CASE("keep_freed_memory_in_process: a 24 MiB buffer is heap memory, not an mmap returned on free") {
#ifdef BLOX_UNDER_ASAN
  return bx::test::skip_inapplicable("AddressSanitizer's malloc replaces glibc's, whose thresholds this test checks");
#endif
  bx::keep_freed_memory_in_process();
  constexpr size_t kSize = 24u << 20;  // above glibc's default and adaptive thresholds so far
  const size_t mapped_before = mallinfo2().hblkhd;
  void* block = std::malloc(kSize);
  REQUIRE(block != nullptr);
  static_cast<volatile char*>(block)[kSize - 1] = 1;
  CHECK(mallinfo2().hblkhd == mapped_before);  // not one of the mmapped blocks
  const size_t heap_with_block = mallinfo2().arena;
  CHECK(heap_with_block >= kSize);
  std::free(block);
  CHECK(mallinfo2().arena == heap_with_block);  // not trimmed back to the kernel
}
