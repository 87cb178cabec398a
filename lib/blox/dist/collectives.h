// Collectives: the data-parallel operations blox needs, on torch.distributed's own engine (c10d:
// Gloo; NCCL for GPU tensors where libtorch has it), so a blox run sits in the same process
// groups torchrun and PyTorch's DDP use.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include "blox/dist/launch_env.h"

namespace bx {

class Collectives {
 public:
  /// Joins the process group `env` describes: rank 0 hosts the store at MASTER_ADDR:MASTER_PORT
  /// (a client of torchrun's agent store instead when it hosts one). Gloo's transport device:
  /// GLOO_SOCKET_IFNAME if set; the loopback address when the store is on loopback; else the
  /// hostname's. Every collective fails after `timeout` (a dead or hung peer). On a GPU
  /// `device`, the tensors of average and broadcast go through NCCL (a CUDA libtorch only),
  /// the small host values (sums, flags, text) through Gloo.
  Collectives(const LaunchEnv& env, std::chrono::milliseconds timeout, c10::Device device = c10::kCPU);
  ~Collectives();
  Collectives(const Collectives&) = delete;
  Collectives& operator=(const Collectives&) = delete;

  int64_t rank() const { return rank_; }
  int64_t world_size() const { return world_size_; }

  /// Each tensor replaced by the mean over ranks, in place. Tensors travel in flat buckets of
  /// about `bucket_bytes` (DDP's 25 MB), launched in the given order on every rank. Gloo has
  /// no average: each bucket is scaled by 1 / world size and summed.
  void average(const std::vector<at::Tensor>& tensors, int64_t bucket_bytes = 25 << 20);
  /// Each tensor replaced by rank 0's, in place (bucketed as average).
  void broadcast(const std::vector<at::Tensor>& tensors, int64_t bucket_bytes = 25 << 20);
  /// Element-wise sums over ranks (float64: evaluation sums stay exact for counts < 2^53).
  std::vector<double> sum(const std::vector<double>& values);
  /// The largest `value` of any rank (a stop request raised on one rank reaches all).
  int64_t max(int64_t value);
  /// Returns when every rank has called it.
  void barrier();
  /// Rank 0's `text` on every rank.
  std::string broadcast_text(const std::string& text);

 private:
  struct Group;
  /// Runs `what`'s work to completion (for NCCL: the current stream waits for it); a failure
  /// becomes DistError naming `what` and this rank.
  template <class Launch>
  void run(const std::string& what, Launch launch);
  /// The group a collective of `tensors` goes through: NCCL for GPU tensors where there is one.
  template <class Launch>
  void run_on(const std::vector<at::Tensor>& tensors, const std::string& what, Launch launch);
  void for_buckets(const std::string& what, const std::vector<at::Tensor>& tensors, int64_t bucket_bytes,
                   bool average);

  int64_t rank_;
  int64_t world_size_;
  std::unique_ptr<Group> group_;
};

}  // namespace bx
