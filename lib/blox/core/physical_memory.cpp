#include "blox/core/physical_memory.h"

#include <unistd.h>

namespace bx {

double physical_memory_bytes() {
  return static_cast<double>(::sysconf(_SC_PHYS_PAGES)) * static_cast<double>(::sysconf(_SC_PAGE_SIZE));
}

}  // namespace bx
