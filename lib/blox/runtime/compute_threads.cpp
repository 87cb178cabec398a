// OpenBLAS is looked up with dlsym rather than linked: libtorch brings whichever BLAS it was
// built with (OpenBLAS on Debian, MKL in PyPI's wheels), and blox must run on either.
#include "blox/runtime/compute_threads.h"

#include <dlfcn.h>

#include <ATen/Parallel.h>

namespace bx {
namespace {

template <typename Function>
Function* openblas_function(const char* name) {
  return reinterpret_cast<Function*>(::dlsym(RTLD_DEFAULT, name));
}

}  // namespace

void set_compute_threads(int threads) {
  at::set_num_threads(threads);
  if (auto* set = openblas_function<void(int)>("openblas_set_num_threads")) set(threads);
}

std::optional<int> openblas_threads() {
  if (auto* get = openblas_function<int()>("openblas_get_num_threads")) return get();
  return std::nullopt;
}

}  // namespace bx
