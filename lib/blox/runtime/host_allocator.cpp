#include "blox/runtime/host_allocator.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace bx {

void keep_freed_memory_in_process() {
#if defined(__GLIBC__)
  constexpr int kMaxMmapThreshold = 32 << 20;  // glibc's upper limit on 64-bit
  constexpr int kTrimThreshold = 1 << 30;
  mallopt(M_MMAP_THRESHOLD, kMaxMmapThreshold);
  mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
#endif
}

}  // namespace bx
