// What this build of blox can compute with, as compiled and as found at run time: CUDA and its
// GPUs, cuDNN, NCCL (for `blox version`, and for the GPU check to assert on).
#pragma once

#include <cstdint>
#include <string>

namespace bx {

struct Backends {
  std::string libtorch;         ///< the libtorch version compiled against
  bool cuda_compiled = false;   ///< this build of blox has CUDA (the PyPI flavour)
  std::string cuda_version;     ///< the CUDA runtime compiled against ("": none)
  int64_t gpus = 0;             ///< GPUs visible now (0: none, or no driver)
  std::string first_gpu;        ///< the first one's name ("": none)
  bool cudnn_available = false;  ///< libtorch found cuDNN at run time
  int64_t cudnn_version = 0;     ///< its version (e.g. 91400 for 9.14.0), 0: none
  bool nccl_compiled = false;    ///< c10d's NCCL process group is compiled in (multi-GPU runs)
};

/// The backends of this process, asked of libtorch (which loads CUDA lazily: this may take a
/// second on a GPU machine).
Backends find_backends();

/// Lines for `blox version`:
///   CUDA: compiled 13.0; 1 GPU visible (NVIDIA H100 80GB HBM3)
///   cuDNN: 9.14.0 found
///   NCCL: compiled in
std::string format_backends(const Backends& backends);

}  // namespace bx
