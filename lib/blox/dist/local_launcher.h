// The local launcher of `blox train --nproc N`: N workers of this program on this machine, joined
// through a store on a free loopback port (torchrun's variables), supervised like torchrun's agent.
#pragma once

#include <string>
#include <vector>

namespace bx {

/// Starts `argv` (this program's arguments without --nproc) `nproc` times with RANK,
/// WORLD_SIZE, LOCAL_RANK, MASTER_ADDR=127.0.0.1 and a free MASTER_PORT; forwards SIGINT,
/// SIGTERM and SIGUSR1 to every worker (workers are in their own process group, so a
/// terminal's Ctrl-C reaches them once, through here). When a worker fails, the others get
/// `grace_seconds` to fail on their own (their collectives notice the dead peer), then are
/// killed; the launcher prints which rank failed and how. Returns the exit code: 0 when all
/// succeed, else the first failure's code (128 + signal for a worker killed by a signal).
int launch_local(const std::vector<std::string>& argv, int nproc, int grace_seconds = 10);

/// `args` without `--nproc N` / `--nproc=N`.
std::vector<std::string> without_nproc(const std::vector<std::string>& args);

}  // namespace bx
