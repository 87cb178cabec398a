// Two nodes on one machine, for real: two network namespaces joined by a veth pair, one node's
// torchrun agent (or blox worker) in each, talking over the pair's own addresses (10.231.0.1 and
// 10.231.0.2): no loopback between them, a non-loopback MASTER_ADDR, GLOO_SOCKET_IFNAME, and a
// link that can be taken down. ctest label `netns`: needs root and iproute2, else skipped with the
// reason printed.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <optional>
#include <regex>

#include "blox/io/checkpoint.h"
#include "support/helpers.h"
#include "support/run_helpers.h"

using namespace bx;
using namespace bx::test;

namespace {

using Clock = std::chrono::steady_clock;

const char* const kAddress[2] = {"10.231.0.1", "10.231.0.2"};

// Two namespaces joined by a veth pair, removed (with whatever still runs in them) when the test
// ends. Node k's namespace holds kAddress[k] on its end of the pair and an /etc/hosts naming
// node0 and node1; a program started in it runs with the hostname nodeK (its own UTS namespace),
// as it would on its own machine.
class TwoNodes {
 public:
  TwoNodes() {
    if (::geteuid() != 0) {
      why_ = "network namespaces need root (ip netns)";
      return;
    }
    if (run_command("command -v ip && command -v unshare").exit_code != 0) {
      why_ = "iproute2's ip or util-linux's unshare is not installed";
      return;
    }
    const std::string id = std::to_string(::getpid());
    for (int k = 0; k < 2; ++k) {
      ns_[k] = "blox" + std::to_string(k) + "-" + id;
      link_[k] = "bxv" + std::to_string(k) + "-" + id;  // at most 15 characters
    }
    const Result made = run_command(
        "set -e; ip netns add " + ns_[0] + "; ip netns add " + ns_[1] + "; ip link add " + link_[0] + " netns " + ns_[0] +
        " type veth peer name " + link_[1] + " netns " + ns_[1] + "; ip -n " + ns_[0] +
        " addr add " + kAddress[0] + "/24 dev " + link_[0] + "; ip -n " + ns_[1] + " addr add " + kAddress[1] + "/24 dev " +
        link_[1] + "; ip -n " + ns_[0] + " link set lo up; ip -n " + ns_[1] + " link set lo up; ip -n " + ns_[0] +
        " link set " + link_[0] + " up; ip -n " + ns_[1] + " link set " + link_[1] + " up");
    created_ = true;
    if (made.exit_code != 0) {
      why_ = "network namespaces cannot be made here: " + made.output;
      return;
    }
    for (int k = 0; k < 2; ++k) {
      fs::create_directories("/etc/netns/" + ns_[k]);
      write("/etc/netns/" + ns_[k] + "/hosts",
            std::string("127.0.0.1 localhost\n") + kAddress[0] + " node0\n" + kAddress[1] + " node1\n");
    }
    // The pair carries traffic (ping is not installed everywhere: bash's /dev/tcp to a port
    // nothing listens on answers "connection refused" only when the other side is reachable).
    const Result reach = run_command("ip netns exec " + ns_[0] + " timeout 5 bash -c 'echo > /dev/tcp/" + kAddress[1] +
                                     "/9' 2>&1 || true");
    if (reach.output.find("refused") == std::string::npos) {
      why_ = "the veth pair between the namespaces carries no traffic: " + reach.output;
    }
  }
  ~TwoNodes() {
    if (!created_) return;
    for (int k = 0; k < 2; ++k) {
      run_command("ip netns pids " + ns_[k] + " | xargs -r kill -9; ip netns del " + ns_[k]);
      std::error_code ec;
      fs::remove_all("/etc/netns/" + ns_[k], ec);
    }
  }
  TwoNodes(const TwoNodes&) = delete;
  TwoNodes& operator=(const TwoNodes&) = delete;

  /// "" when the nodes are there; else why not.
  const std::string& why_not() const { return why_; }
  /// Node k's end of the pair (for GLOO_SOCKET_IFNAME).
  const std::string& link(int k) const { return link_[k]; }

  /// Starts `program ARGS...` on node k in `dir` (see spawn_program: output in dir/output.txt).
  pid_t start(int k, const fs::path& dir, const std::vector<std::string>& program) const {
    std::vector<std::string> args = {"-c", "exec ip netns exec " + ns_[k] + " unshare --uts sh -c 'hostname node" +
                                               std::to_string(k) + " && exec \"$@\"' sh \"$@\"",
                                     "sh"};
    args.insert(args.end(), program.begin(), program.end());
    return spawn_program(dir, "/bin/sh", args);
  }

  /// Takes node 0's end of the pair down (up again with `up`): both nodes lose each other.
  void set_link(bool up) const {
    REQUIRE(run_command("ip -n " + ns_[0] + " link set " + link_[0] + (up ? " up" : " down")).exit_code == 0);
  }

 private:
  std::string why_;
  bool created_ = false;
  std::string ns_[2], link_[2];
};

// The exit code of child `pid` (-1 when a signal killed it), or nullopt when it has not ended
// within `seconds` (it is then killed).
std::optional<int> exit_within(pid_t pid, double seconds) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  int status = 0;
  while (Clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return std::nullopt;
}


// The plain subset MLP (20 steps an epoch, a checkpoint every 50) in each of `dirs`.
std::string write_config(const std::vector<const RunDir*>& dirs, int epochs, int timeout_seconds) {
  const std::string config =
      plain_mlp_config(epochs, 50) + "dist: {timeout_seconds: " + std::to_string(timeout_seconds) + "}\n";
  for (const RunDir* dir : dirs) write(dir->path / "mlp.yaml", config);
  return config;
}

// blox as a worker of a 2-process run whose rank 0 listens on node 0: the variables torchrun
// would set, through env(1).
std::vector<std::string> worker(const TwoNodes& nodes, int rank, const std::vector<std::string>& flags = {}) {
  std::vector<std::string> program = {"env",
                                      "RANK=" + std::to_string(rank),
                                      "WORLD_SIZE=2",
                                      "LOCAL_RANK=0",
                                      std::string("MASTER_ADDR=") + kAddress[0],
                                      "MASTER_PORT=29533",
                                      "GLOO_SOCKET_IFNAME=" + nodes.link(rank),
                                      BLOX_BINARY,
                                      "train",
                                      "mlp.yaml",
                                      "--quiet"};
  program.insert(program.end(), flags.begin(), flags.end());
  return program;
}

// Both nodes' runs end with exit 0 within two minutes; node 0's run then equals `reference`'s.
void check_both_finish_as(const pid_t (&pid)[2], const RunDir (&node)[2],
                          const RunDir& reference, int64_t steps) {
  std::optional<int> code[2];
  for (int k = 0; k < 2; ++k) code[k] = exit_within(pid[k], 120);
  INFO("node 0: " << read(node[0].path / "output.txt"));
  INFO("node 1: " << read(node[1].path / "output.txt"));
  REQUIRE(code[0] == 0);
  REQUIRE(code[1] == 0);
  INFO("node 1's files: " << run_command("find '" + node[1].path.string() + "'").output);
  const Checkpoint a = last_checkpoint(reference.path / "run"), b = last_checkpoint(node[0].path / "run");
  CHECK(b.step == steps);
  CHECK(max_relative_difference(b.params, a.params) < 1e-5);
  CHECK(!fs::exists(node[1].path / "run"));  // rank 0 alone writes the run
}

// The torchrun of the libtorch blox was built against: PyPI's in the build's virtual environment
// (the CUDA flavour: torch 1.13's agent store does not speak 2.x's protocol), else Debian's.
std::string torchrun() {
  const fs::path venv = fs::path(blox_binary()).parent_path().parent_path() / "venv" / "bin" / "torchrun";
  if (fs::exists(venv)) return venv.string();
  return run_command("command -v torchrun").exit_code == 0 ? "torchrun" : "";
}

// Two torchrun agents, one per node with one worker each, meeting as `rendezvous(k)` (node k's
// flags) says: their run equals the 1-process run.
void check_torchrun_agents(const std::function<std::vector<std::string>(int)>& rendezvous) {
  const TwoNodes nodes;
  if (!nodes.why_not().empty()) return skip_inapplicable(nodes.why_not());
  const std::string program = torchrun();
  if (program.empty()) return skip_missing("torchrun (Debian's python3-torch) is not installed");
  RunDir one, node[2];
  write_config({&one, &node[0], &node[1]}, 3, 30);
  REQUIRE(blox(one.path, "train mlp.yaml --quiet").exit_code == 0);
  pid_t pid[2];
  for (int k = 0; k < 2; ++k) {
    std::vector<std::string> agent = {"env", "GLOO_SOCKET_IFNAME=" + nodes.link(k), program, "--nnodes=2",
                                      "--nproc_per_node=1"};
    const std::vector<std::string> flags = rendezvous(k);
    agent.insert(agent.end(), flags.begin(), flags.end());
    agent.insert(agent.end(), {"--redirects", "1", "--tee", "1", "--no_python", BLOX_BINARY, "train", "mlp.yaml", "--quiet"});
    pid[k] = nodes.start(k, node[k].path, agent);
  }
  check_both_finish_as(pid, node, one, 60);
}

}  // namespace

TEST_CASE("two nodes, torchrun's c10d rendezvous at node 0's address: the run equals the 1-process run (1e-5)") {
  // The agents meet at node 0's address; node 0 hosts the store. torchrun hands its workers the
  // host agent's name (node0) as MASTER_ADDR, which node 1 resolves to 10.231.0.1.
  check_torchrun_agents([](int k) {
    std::vector<std::string> flags = {"--rdzv_backend=c10d", std::string("--rdzv_endpoint=") + kAddress[0] + ":29531",
                                      "--rdzv_id=blox-two-nodes"};
    if (k == 0) flags.insert(flags.end(), {"--rdzv_conf", "is_host=1"});
    return flags;
  });
}

TEST_CASE("two nodes, torchrun's static form (--node_rank, --master_addr of node 0): the run equals the 1-process run") {
  check_torchrun_agents([](int k) {
    return std::vector<std::string>{"--node_rank=" + std::to_string(k), std::string("--master_addr=") + kAddress[0],
                                    "--master_port=29532"};
  });
}

TEST_CASE("two nodes, the link taken down mid-run: both exit 1 within dist.timeout_seconds + 10 s naming the collective; "
          "the last checkpoint loads and a restart of both finishes the run") {
  const TwoNodes nodes;
  if (!nodes.why_not().empty()) return skip_inapplicable(nodes.why_not());
  // The workers are started as torchrun starts them, without its agents: torch 1.13's agents wait
  // out their own exit barrier (minutes) once their workers fail, which is not blox's to test.
  const int timeout = 10;
  RunDir one, node[2];
  write_config({&one, &node[0], &node[1]}, 30, timeout);
  pid_t pid[2];
  for (int k = 0; k < 2; ++k) pid[k] = nodes.start(k, node[k].path, worker(nodes, k));
  REQUIRE(blox(one.path, "train mlp.yaml --quiet").exit_code == 0);  // meanwhile: the 600 steps in 1 process

  wait_for_file(node[0].path / "run" / "ckpt-000000100.safetensors");
  nodes.set_link(false);
  const auto down = Clock::now();
  for (int k = 0; k < 2; ++k) {
    const std::optional<int> code = exit_within(pid[k], timeout + 30);
    const double seconds = std::chrono::duration<double>(Clock::now() - down).count();
    const std::string output = read(node[k].path / "output.txt");
    INFO("node " << k << " ended " << seconds << " s after the link went down: " << output);
    REQUIRE(code.has_value());
    CHECK(*code == 1);
    CHECK(seconds <= timeout + 10);
    // The collective it was in: the step's all-reduce, an evaluation's, a save's barrier...
    const std::regex named("error: rank " + std::to_string(k) + " of 2: (all-reduce|broadcast|barrier)[^\n]* failed: ");
    CHECK(std::regex_search(output, named));
  }
  const Checkpoint saved = last_checkpoint(node[0].path / "run");
  CHECK(saved.step >= 100);
  CHECK(saved.step < 600);

  // The link back and both started again: node 0 as a launcher's retry would (--resume auto), node
  // 1 naming the run it does not see (its own folder holds none: rank 0 alone reads and writes
  // the run). Both follow rank 0, and the run finishes.
  nodes.set_link(true);
  pid[0] = nodes.start(0, node[0].path, worker(nodes, 0, {"--resume", "auto"}));
  pid[1] = nodes.start(1, node[1].path, worker(nodes, 1, {"--resume", "run"}));
  check_both_finish_as(pid, node, one, 600);
  CHECK(read(node[0].path / "output.txt").find("--resume auto: resuming the run in run") != std::string::npos);
}
