// How many threads compute: libtorch's intra-op pool and the BLAS library under it. Debian's
// libtorch calls OpenBLAS, which keeps a pool of its own (one thread per core by default): left
// alone, both pools run on the same cores and oversubscribe them.
#pragma once

#include <optional>

namespace bx {

/// Caps libtorch's intra-op threads and OpenBLAS's threads at `threads` (> 0). OpenBLAS is found
/// in the process at run time (openblas_set_num_threads); another BLAS is left as it is.
void set_compute_threads(int threads);

/// OpenBLAS's thread count as it reports it, or nothing when no OpenBLAS is loaded.
std::optional<int> openblas_threads();

}  // namespace bx
