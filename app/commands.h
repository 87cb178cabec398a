// The blox subcommands: each adds its flags to the CLI and runs through the library.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace blox_app {

/// Registers a subcommand; `run` is set to its action, returning the exit code.
void add_validate_command(CLI::App& app, std::function<int()>& run);
void add_inspect_command(CLI::App& app, std::function<int()>& run);
void add_train_command(CLI::App& app, std::function<int()>& run);
void add_eval_command(CLI::App& app, std::function<int()>& run);
void add_predict_command(CLI::App& app, std::function<int()>& run);
void add_plot_command(CLI::App& app, std::function<int()>& run);
void add_bench_command(CLI::App& app, std::function<int()>& run);

}  // namespace blox_app
