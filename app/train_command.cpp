// blox train CONFIG: prepare (all config errors at once, exit 2), then train.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "blox/config/document.h"
#include "blox/config/model_builder.h"
#include "blox/config/resume_changes.h"
#include "blox/core/errors.h"
#include "blox/core/physical_memory.h"
#include "blox/dist/launch_env.h"
#include "blox/dist/local_launcher.h"
#include "blox/io/param_table.h"
#include "blox/inspect/model_summary.h"
#include "blox/runtime/stop_signals.h"
#include "blox/train/trainer.h"
#include "commands.h"

namespace blox_app {
namespace {

// DESIGN's exit codes: a run stopped by SIGINT / SIGTERM (after its checkpoint) exits as a
// shell expects of a process ended by that signal.
int exit_code(bx::StopReason reason) {
  if (reason == bx::StopReason::interrupted) return 130;
  if (reason == bx::StopReason::terminated) return 143;
  return 0;
}

// The run to train: CONFIG with `overrides`; with --resume, the run it continues. Then CONFIG
// is optional (the run's config.yaml stands in), the run goes on in the resumed directory
// whatever checkpoint.dir says, and a config differing from the stored one is refused unless
// every difference is one a resume may change (resume_changes.h). `announce`: this process
// prints the notes (rank 0).
bx::PreparedRun prepare_training(const std::string& config, std::vector<std::string> overrides,
                                 const std::string& resume, bool announce) {
  if (resume.empty()) {
    if (config.empty()) {
      throw bx::ConfigError("blox train: a CONFIG is required (blox train CONFIG), unless --resume DIR names the run "
                            "to continue");
    }
    return bx::prepare_run(config, overrides);
  }
  const std::string run_dir = bx::resume_run_directory(resume);
  const std::string stored_path = (std::filesystem::path(run_dir) / "config.yaml").string();
  std::ifstream stored_file(stored_path);
  if (!stored_file) {
    throw bx::ConfigError(fmt::format("--resume {}: {} is missing, so there is no stored config to continue the run "
                                      "with or to check CONFIG against",
                                      resume, stored_path));
  }
  const std::string stored((std::istreambuf_iterator<char>(stored_file)), std::istreambuf_iterator<char>());
  const std::string path = config.empty() ? stored_path : config;
  bx::PreparedRun prepared = bx::prepare_run(path, overrides);
  std::error_code ec;
  if (!std::filesystem::equivalent(run_dir, prepared.run.checkpoint.dir, ec)) {
    // Never into another run: its checkpoints and metrics would be overwritten.
    if (announce && !config.empty()) {
      fmt::print(stderr, "note: --resume {}: writing into {}, not {}'s checkpoint.dir '{}'\n", resume, run_dir, config,
                 prepared.run.checkpoint.dir);
    }
    overrides.push_back("checkpoint.dir=" + bx::yaml_quoted(run_dir));
    prepared = bx::prepare_run(path, overrides);
  }
  const std::vector<bx::ConfigChange> changes = bx::config_changes(stored, prepared.document.dump());
  const std::vector<bx::ConfigChange> refused = bx::unresumable_changes(changes, prepared.document.dump());
  if (!refused.empty()) {
    throw bx::ConfigError(fmt::format(
        "--resume {}: the config differs from the run's ({}) where a resume may not change it (stored -> new):\n{}"
        "hint: keep those values, or start a new run elsewhere with --set checkpoint.dir=OTHER; a resume may change "
        "only the keys listed in configs/README.md, \"What a resume may change\"",
        resume, stored_path, bx::format_changes(refused)));
  }
  if (announce && !changes.empty()) {
    fmt::print(stderr, "--resume {}: config changes (stored -> new):\n{}", resume, bx::format_changes(changes));
  }
  return prepared;
}

}  // namespace

void add_train_command(CLI::App& app, std::function<int()>& run) {
  struct Flags {
    std::string config;
    std::vector<std::string> overrides;
    std::string resume;
    std::string device;
    int threads = 0;
    bool print_config = false;
    bool dry_run = false;
    bool quiet = false;
    int nproc = 1;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("train", "train a model from a config");
  cmd->add_option("config", flags->config, "the YAML config (optional with --resume: the run's config.yaml)");
  cmd->add_option("--set", flags->overrides, "override a value: key.path=value (repeatable)");
  cmd->add_option("--resume", flags->resume, "continue from a run directory (its last checkpoint) or a checkpoint file");
  add_device_option(*cmd, flags->device);
  cmd->add_option("--threads", flags->threads, "libtorch intra-op and OpenBLAS threads (overrides the config)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--print-config", flags->print_config, "print the resolved config and exit");
  cmd->add_flag("--dry-run", flags->dry_run, "print trainable/frozen counts and the layers (output shape, params, FLOPs), and exit without training");
  cmd->add_flag("--quiet", flags->quiet, "no progress lines");
  cmd->add_option("--nproc", flags->nproc, "data-parallel: N worker processes on this machine (data.batch_size stays "
                                           "the global batch)")
      ->check(CLI::PositiveNumber);
  cmd->callback([flags, &run] {
    run = [flags] {
      bx::install_stop_handlers();  // first: a signal during the slow start must not kill the run unsaved
      const bx::LaunchEnv env = bx::launch_env();
      if (flags->nproc > 1) {
        if (env.distributed()) {
          throw bx::ConfigError(fmt::format("--nproc {}: this process is already rank {} of {} ({} launch); drop --nproc",
                                            flags->nproc, env.rank, env.world_size, env.launcher));
        }
        // Check the config once here, so a broken one fails once, not in every worker.
        prepare_training(flags->config, with_device(flags->overrides, flags->device), flags->resume, false);
        return bx::launch_local(bx::without_nproc(program_arguments()), flags->nproc);
      }
      std::vector<std::string> overrides = with_device(flags->overrides, flags->device);
      if (flags->threads > 0) overrides.push_back(fmt::format("threads={}", flags->threads));
      const bx::PreparedRun prepared = prepare_training(flags->config, overrides, flags->resume, env.rank == 0);
      const std::string& name = flags->config.empty() ? flags->resume : flags->config;
      if (flags->print_config) {
        std::cout << prepared.document.dump();
        return 0;
      }
      const bx::Params& params = prepared.model.params;
      if (flags->dry_run) {
        fmt::print("{}: params per module (elements)\n{}", name, bx::module_table(params));
        std::cout << "\n" << bx::model_summary_table(bx::summarize_model(prepared.model));
        return 0;
      }
      if (!flags->quiet && env.rank == 0) {
        fmt::print("{}: {} trainable, {} frozen or state params{}\n", name, params.num_elements(true),
                   params.num_elements(false),
                   env.distributed() ? fmt::format(", {} processes ({} launch)", env.world_size, env.launcher) : "");
      }
      if (env.rank == 0) {
        const std::string warning = bx::training_memory_warning(params, bx::physical_memory_bytes());
        if (!warning.empty()) std::cerr << warning << "\n";
      }
      const bx::TrainOutcome outcome = bx::train(prepared, {flags->resume, flags->quiet, ::isatty(STDOUT_FILENO) == 1, terminal_columns()});
      return exit_code(outcome.reason);
    };
  });
}

}  // namespace blox_app
