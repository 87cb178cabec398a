// set_compute_threads: libtorch's pool and OpenBLAS's are both capped.
#include <ATen/Parallel.h>
#include <doctest/doctest.h>

#include "blox/runtime/compute_threads.h"

using namespace bx;

TEST_CASE("set_compute_threads: caps libtorch's threads and OpenBLAS's, as each reports") {
  const int torch_before = at::get_num_threads();
  const std::optional<int> blas_before = openblas_threads();
  for (int threads : {1, 2}) {
    CAPTURE(threads);
    set_compute_threads(threads);
    CHECK(at::get_num_threads() == threads);
    if (blas_before) CHECK(openblas_threads() == threads);
  }
  if (!blas_before) MESSAGE("no OpenBLAS in this process (another BLAS): only libtorch's threads checked");
  if (blas_before) set_compute_threads(*blas_before);
  at::set_num_threads(torch_before);
}
