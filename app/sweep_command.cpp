// blox sweep CONFIG --grid KEY=[v1,v2,...]...: every trial checked (exit 2 before training any),
// then trained, each in its own run directory; a ranked summary.
#include <unistd.h>

#include <memory>

#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/runtime/stop_signals.h"
#include "blox/sweep/sweep.h"
#include "commands.h"

namespace blox_app {
void add_sweep_command(CLI::App& app, std::function<int()>& run) {
  struct Flags {
    std::string config;
    std::vector<std::string> sets;
    std::vector<std::string> grid;
    int64_t random = 0;
    uint64_t seed = 0;
    std::string metric;
    std::string dir;
    int jobs = 1;
    int threads = 0;
    std::string device;
    bool dry_run = false;
    bool quiet = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("sweep", "train a grid (or random draws) of --set overrides, one run per trial, "
                                              "and rank them");
  cmd->add_option("config", flags->config, "the YAML config every trial starts from")->required();
  // One value per flag (repeat the flag), so a value never swallows the CONFIG after it.
  cmd->add_option("--grid", flags->grid, "an axis: KEY=[v1,v2,...], values as YAML (repeatable; trials are every "
                                         "combination)")
      ->allow_extra_args(false)
      ->required();
  cmd->add_option("--set", flags->sets, "override a value in every trial: key.path=value (repeatable)")
      ->allow_extra_args(false);
  CLI::Option* random = cmd->add_option("--random", flags->random, "train N distinct combinations drawn from the grid")
                            ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", flags->seed, "the seed of --random's draws (default 0)")
      ->check(CLI::NonNegativeNumber)
      ->needs(random);
  cmd->add_option("--metric", flags->metric, "rank by this metric's best evaluation (default: checkpoint.keep_best, "
                                             "else the first of metrics:)");
  cmd->add_option("--dir", flags->dir, "the sweep's directory (default: checkpoint.dir + \"-sweep\")");
  cmd->add_option("--jobs", flags->jobs, "trials trained at once, each a `blox train` process (default 1: in this "
                                         "process)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--threads", flags->threads, "libtorch intra-op threads per trial (default: the config's with one "
                                               "job, else the cores shared out)")
      ->check(CLI::NonNegativeNumber);
  add_device_option(*cmd, flags->device);
  cmd->add_flag("--dry-run", flags->dry_run, "check every trial and print the summary as it stands; train and write "
                                             "nothing");
  cmd->add_flag("--quiet", flags->quiet, "no training progress lines (the sweep's own lines stay)");
  cmd->callback([flags, &run] {
    run = [flags] {
      bx::install_stop_handlers();  // first: a signal during the checks must not kill a trial unsaved
      bx::SweepDefinition definition;
      definition.config = flags->config;
      definition.sets = flags->sets;
      definition.grid = bx::SweepGrid::parse(flags->grid);
      definition.random = flags->random;
      definition.seed = flags->seed;
      bx::SweepOptions options;
      options.dir = flags->dir;
      options.metric = flags->metric;
      options.run_settings = with_device({}, flags->device);
      options.jobs = flags->jobs;
      options.threads = flags->threads;
      options.dry_run = flags->dry_run;
      options.quiet = flags->quiet;
      options.terminal = ::isatty(STDOUT_FILENO) == 1;
      options.columns = terminal_columns();
      return bx::exit_code(bx::run_sweep(definition, options));
    };
  });
}

}  // namespace blox_app
