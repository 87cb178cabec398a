// The blox subcommands: each adds its flags to the CLI and runs through the library.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace blox_app {

/// Registers a subcommand; `run` is set to its action, returning the exit code.
void add_version_command(CLI::App& app, std::function<int()>& run);
void add_validate_command(CLI::App& app, std::function<int()>& run);
void add_inspect_command(CLI::App& app, std::function<int()>& run);
void add_train_command(CLI::App& app, std::function<int()>& run);
void add_eval_command(CLI::App& app, std::function<int()>& run);
void add_predict_command(CLI::App& app, std::function<int()>& run);
void add_generate_command(CLI::App& app, std::function<int()>& run);
void add_export_command(CLI::App& app, std::function<int()>& run);
void add_plot_command(CLI::App& app, std::function<int()>& run);
void add_bench_command(CLI::App& app, std::function<int()>& run);
void add_schema_command(CLI::App& app, std::function<int()>& run);
void add_sweep_command(CLI::App& app, std::function<int()>& run);
/// `completion bash` and `manual`, written from `app` as it stands when they run (add them last).
void add_completion_command(CLI::App& app, std::function<int()>& run);

/// This process's command-line arguments, argv[0] first (for the --nproc launcher).
const std::vector<std::string>& program_arguments();
void set_program_arguments(int argc, char** argv);

/// The width of the terminal on stdout, or 0 when it is not one.
int terminal_columns();

/// The --device option (cpu, cuda or auto), shared by the commands that compute.
void add_device_option(CLI::App& command, std::string& device);
/// `overrides` plus "device=DEVICE" when one was given.
std::vector<std::string> with_device(std::vector<std::string> overrides, const std::string& device);
/// The --threads option of the commands that compute, and `overrides` plus "threads=N" when given.
void add_threads_option(CLI::App& command, int& threads);
std::vector<std::string> with_threads(std::vector<std::string> overrides, int threads);
/// The trained model of eval, predict, generate and export: CONFIG (or a checkpoint alone) and --checkpoint.
void add_model_options(CLI::App& command, std::string& target, std::string& checkpoint);
/// A check for output file options: an empty path is an error (not the default it would fall back to).
CLI::Validator non_empty_path();
/// The --no-ema flag of the commands that run a trained model.
void add_no_ema_flag(CLI::App& command, bool& no_ema);

}  // namespace blox_app
