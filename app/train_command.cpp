// blox train CONFIG: prepare (all config errors at once, exit 2), then train.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/dist/launch_env.h"
#include "blox/dist/local_launcher.h"
#include "blox/io/param_table.h"
#include "blox/inspect/model_summary.h"
#include "blox/runtime/stop_signals.h"
#include "blox/train/data_parallel.h"
#include "blox/train/memory_estimate.h"
#include "blox/train/run_start.h"
#include "blox/train/trainer.h"
#include "commands.h"

namespace blox_app {
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
  cmd->add_option("--resume", flags->resume,
                  "continue from a run directory (its last checkpoint) or a checkpoint file; auto: CONFIG's "
                  "checkpoint.dir when it holds a run, else a fresh start (what a torchrun restart or a SLURM "
                  "requeue does without it)");
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
      // A launcher that restarts the job runs the same command again: it resumes what it started.
      std::string resume = flags->resume;
      const std::string restarted = env.restarted_by();
      if (resume == "auto" || (resume.empty() && !restarted.empty())) {
        const std::string why = resume == "auto" ? "--resume auto" : restarted;
        const bool announce = env.rank == 0 && flags->nproc == 1 && !flags->print_config && !flags->dry_run;
        resume = bx::resolve_auto_resume(flags->config, with_device(flags->overrides, flags->device), why, announce);
      }
      if (flags->nproc > 1) {
        if (env.distributed()) {
          throw bx::ConfigError(fmt::format("--nproc {}: this process is already rank {} of {} ({} launch); drop --nproc",
                                            flags->nproc, env.rank, env.world_size, env.launcher));
        }
        // Check the config once here, so a broken one fails once, not in every worker.
        const bx::PreparedRun checked =
            bx::prepare_training({flags->config, with_device(flags->overrides, flags->device), resume}, false);
        bx::require_divisible_batch(checked.run.data.loader.batch_size, flags->nproc);
        return bx::launch_local(bx::without_nproc(program_arguments()), flags->nproc);
      }
      std::vector<std::string> overrides = with_device(flags->overrides, flags->device);
      if (flags->threads > 0) overrides.push_back(fmt::format("threads={}", flags->threads));
      // Rank 0 alone reads the resumed run (and sends its state): another rank that does not see it
      // (no file system shared with rank 0's) prepares from CONFIG, rank 0 checking it against the run.
      std::error_code ec;
      const bool unseen = env.rank > 0 && !resume.empty() && !std::filesystem::exists(resume, ec);
      if (unseen && flags->config.empty()) {
        throw bx::ConfigError(fmt::format("--resume {}: rank {} does not see it; give CONFIG too (blox train CONFIG "
                                          "--resume DIR), or keep the run on a file system every rank sees",
                                          resume, env.rank));
      }
      const bx::PreparedRun prepared =
          bx::prepare_training({flags->config, overrides, unseen ? std::string() : resume}, env.rank == 0);
      const std::string& name = flags->config.empty() ? flags->resume : flags->config;
      const std::string memory_warning = bx::check_training_memory(prepared);  // every rank refuses alike
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
      if (env.rank == 0 && !memory_warning.empty()) std::cerr << memory_warning << "\n";
      const bx::TrainOutcome outcome = bx::train(prepared, {resume, flags->quiet, ::isatty(STDOUT_FILENO) == 1, terminal_columns()});
      return bx::exit_code(outcome.reason);
    };
  });
}

}  // namespace blox_app
