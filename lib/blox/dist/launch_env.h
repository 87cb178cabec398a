// Where this process stands in a data-parallel run, as its launcher says: torchrun, Open MPI,
// SLURM or blox's own --nproc (which sets torchrun's variables). None: one process.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace bx {

struct LaunchEnv {
  int64_t rank = 0;
  int64_t world_size = 1;
  int64_t local_rank = 0;
  std::string master_addr;  ///< where rank 0's store listens (torchrun; else the launcher's choice)
  int64_t master_port = 0;
  int64_t restart_count = 0;      ///< torchrun's TORCHELASTIC_RESTART_COUNT
  int64_t requeue_count = 0;      ///< SLURM's SLURM_RESTART_COUNT (a requeued job)
  bool agent_store = false;       ///< torchrun's agent hosts the store: connect as a client
  std::string launcher = "none";  ///< "torchrun", "openmpi", "slurm", "--nproc" (blox train --nproc) or "none"

  bool distributed() const { return world_size > 1; }
  /// "" for a first start; else which launcher restarted this process and how often, e.g.
  /// "torchrun's restart 2 (TORCHELASTIC_RESTART_COUNT)": the run then resumes (--resume auto).
  std::string restarted_by() const;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

/// Reads the launcher's variables through `lookup` (torchrun's, then Open MPI's, then SLURM's).
/// Throws ConfigError naming the variable when one is malformed or the set is inconsistent
/// (a rank outside [0, world size), a rank without a world size, no MASTER_ADDR/PORT).
LaunchEnv read_launch_env(const EnvLookup& lookup);

/// read_launch_env over this process's environment.
LaunchEnv launch_env();

}  // namespace bx
