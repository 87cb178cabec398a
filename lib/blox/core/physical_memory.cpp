#include "blox/core/physical_memory.h"

#include <unistd.h>

namespace bx {

double physical_memory_bytes() {
  // Asked once: glibc answers _SC_PHYS_PAGES with a system call, and attention asks every forward.
  static const double bytes =
      static_cast<double>(::sysconf(_SC_PHYS_PAGES)) * static_cast<double>(::sysconf(_SC_PAGE_SIZE));
  return bytes;
}

}  // namespace bx
