#include "blox/dist/launch_env.h"

#include <doctest/doctest.h>

#include <map>

#include "blox/core/errors.h"

using namespace bx;

namespace {
EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}
}  // namespace

TEST_CASE("launch env: none set is one process") {
  const LaunchEnv e = read_launch_env(env_of({}));
  CHECK_FALSE(e.distributed());
  CHECK(e.launcher == "none");
  CHECK(e.rank == 0);
}

TEST_CASE("launch env: torchrun, then Open MPI, then SLURM") {
  LaunchEnv e = read_launch_env(env_of({{"RANK", "1"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "10.1.2.3"},
                                        {"MASTER_PORT", "29500"}, {"TORCHELASTIC_RESTART_COUNT", "2"},
                                        {"TORCHELASTIC_USE_AGENT_STORE", "True"}}));
  CHECK(e.launcher == "torchrun");
  CHECK(e.rank == 1);
  CHECK(e.world_size == 4);
  CHECK(e.master_addr == "10.1.2.3");
  CHECK(e.master_port == 29500);
  CHECK(e.restart_count == 2);
  CHECK(e.agent_store);
  e = read_launch_env(env_of({{"OMPI_COMM_WORLD_RANK", "3"}, {"OMPI_COMM_WORLD_SIZE", "8"},
                              {"OMPI_COMM_WORLD_LOCAL_RANK", "1"}, {"MASTER_ADDR", "node0"}, {"MASTER_PORT", "1234"}}));
  CHECK(e.launcher == "openmpi");
  CHECK(e.rank == 3);
  CHECK(e.local_rank == 1);
  e = read_launch_env(env_of({{"SLURM_PROCID", "2"}, {"SLURM_NTASKS", "3"}, {"SLURM_LOCALID", "0"},
                              {"MASTER_ADDR", "node0"}, {"MASTER_PORT", "1234"}}));
  CHECK(e.launcher == "slurm");
  CHECK(e.world_size == 3);
  CHECK_FALSE(e.agent_store);
}

TEST_CASE("launch env: inconsistent or malformed variables are named") {
  CHECK_THROWS_WITH_AS(read_launch_env(env_of({{"RANK", "0"}})), "environment: RANK is set but WORLD_SIZE is not",
                       ConfigError);
  CHECK_THROWS_WITH_AS(read_launch_env(env_of({{"RANK", "2"}, {"WORLD_SIZE", "2"}})),
                       "environment: RANK=2 is outside [0, WORLD_SIZE=2)", ConfigError);
  CHECK_THROWS_WITH_AS(read_launch_env(env_of({{"RANK", "x"}, {"WORLD_SIZE", "2"}})),
                       "environment: RANK='x' is not an integer >= 0", ConfigError);
  CHECK_THROWS_WITH_AS(read_launch_env(env_of({{"RANK", "0"}, {"WORLD_SIZE", "2"}})),
                       doctest::Contains("need MASTER_ADDR and MASTER_PORT"), ConfigError);
  CHECK_THROWS_AS(read_launch_env(env_of({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "0"}})),
                  ConfigError);
}
