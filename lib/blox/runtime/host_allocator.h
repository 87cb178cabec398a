// Process-wide tuning of the C allocator for training loops.
#pragma once

namespace bx {

/// Keeps freed tensor buffers inside the process. Every step allocates and frees the same
/// activation-sized buffers; with glibc's defaults, those above the (adaptive) mmap threshold
/// go back to the kernel on free and are page-faulted in again, zeroed, on the next step (a
/// quarter of a CNN step's time on the 2-core reference machine). Raises the mmap threshold
/// to its maximum (32 MiB) and the heap trim threshold to 1 GiB. Call once, early, from a
/// program's main; peak memory is unchanged, only not returned to the system until exit.
/// A no-op outside glibc.
void keep_freed_memory_in_process();

}  // namespace bx
