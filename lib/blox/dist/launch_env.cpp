#include "blox/dist/launch_env.h"

#include <cstdlib>

#include <fmt/format.h>

#include "blox/core/errors.h"

namespace bx {
namespace {

int64_t integer(const EnvLookup& lookup, const std::string& name, int64_t fallback) {
  const auto text = lookup(name);
  if (!text) return fallback;
  try {
    size_t used = 0;
    const long long value = std::stoll(*text, &used);
    if (used == text->size() && value >= 0) return value;
  } catch (const std::exception&) {
  }
  throw ConfigError(fmt::format("environment: {}='{}' is not an integer >= 0", name, *text));
}

}  // namespace

LaunchEnv read_launch_env(const EnvLookup& lookup) {
  LaunchEnv env;
  struct Names {
    const char* launcher;
    const char* rank;
    const char* world;
    const char* local;
  };
  for (const Names& n : {Names{"torchrun", "RANK", "WORLD_SIZE", "LOCAL_RANK"},
                         Names{"openmpi", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK"},
                         Names{"slurm", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID"}}) {
    if (!lookup(n.rank) && !lookup(n.world)) continue;
    if (!lookup(n.world)) throw ConfigError(fmt::format("environment: {} is set but {} is not", n.rank, n.world));
    env.launcher = n.launcher;
    env.rank = integer(lookup, n.rank, 0);
    env.world_size = integer(lookup, n.world, 1);
    env.local_rank = integer(lookup, n.local, env.rank);
    if (env.world_size < 1 || env.rank >= env.world_size) {
      throw ConfigError(fmt::format("environment: {}={} is outside [0, {}={})", n.rank, env.rank, n.world, env.world_size));
    }
    break;
  }
  // blox train --nproc starts its workers with torchrun's variables, and says so.
  if (env.distributed() && lookup("BLOX_LAUNCHER").value_or("") == "nproc") env.launcher = "--nproc";
  env.restart_count = integer(lookup, "TORCHELASTIC_RESTART_COUNT", 0);
  env.requeue_count = integer(lookup, "SLURM_RESTART_COUNT", 0);
  env.agent_store = lookup("TORCHELASTIC_USE_AGENT_STORE").value_or("") == "True";
  if (env.distributed()) {
    const auto addr = lookup("MASTER_ADDR");
    if (!addr || addr->empty()) {
      throw ConfigError(fmt::format("environment: {} processes ({} launch) need MASTER_ADDR and MASTER_PORT: where "
                                    "rank 0's store listens",
                                    env.world_size, env.launcher));
    }
    env.master_addr = *addr;
    env.master_port = integer(lookup, "MASTER_PORT", 0);
    if (env.master_port <= 0 || env.master_port > 65535) {
      throw ConfigError("environment: MASTER_PORT must be a port number in [1, 65535]");
    }
  }
  return env;
}

std::string LaunchEnv::restarted_by() const {
  if (restart_count > 0) return fmt::format("torchrun's restart {} (TORCHELASTIC_RESTART_COUNT)", restart_count);
  if (requeue_count > 0) return fmt::format("SLURM's requeue {} (SLURM_RESTART_COUNT)", requeue_count);
  return "";
}

LaunchEnv launch_env() {
  return read_launch_env([](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  });
}

}  // namespace bx
