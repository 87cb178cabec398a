// blox plot RUN_DIR: the run's loss, metric and learning-rate curves as an SVG file.
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "blox/core/errors.h"

#include "blox/io/atomic_file.h"
#include "blox/io/run_directory.h"
#include "blox/inspect/metrics_plot.h"
#include "commands.h"

namespace blox_app {

void add_plot_command(CLI::App& app, std::function<int()>& run) {
  struct Flags {
    std::vector<std::string> run_dirs;
    std::string output;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand(
      "plot", "draw a run's loss and metric curves (metrics.jsonl) to an SVG file; several runs overlaid");
  cmd->add_option("run_dir", flags->run_dirs, "run directories (checkpoint.dir) or their metrics.jsonl files")
      ->required();
  cmd->add_option("-o,--output", flags->output,
                  "the SVG to write (default for one run: RUN_DIR/metrics.svg; several runs need it)")
      ->check(non_empty_path());
  cmd->callback([flags, &run] {
    run = [flags] {
      namespace fs = std::filesystem;
      const bool several = flags->run_dirs.size() > 1;
      if (several && flags->output.empty()) {
        throw bx::ConfigError("blox plot of several runs: -o FILE.svg is required (no run's directory is theirs)");
      }
      std::vector<bx::RunCurves> runs;
      std::vector<std::string> files;
      for (const auto& given : flags->run_dirs) {
        const fs::path metrics = fs::is_directory(given) ? fs::path(bx::run_files::metrics_log(given)) : fs::path(given);
        // Each run goes by the name it was given as (a directory, without a trailing slash).
        const std::string name = several ? fs::path(given).lexically_normal().string() : "";
        runs.push_back({name.size() > 1 && name.back() == '/' ? name.substr(0, name.size() - 1) : name,
                        bx::read_metrics_log(metrics.string())});
        files.push_back(metrics.string());
      }
      const std::string output =
          flags->output.empty() ? (fs::path(files.front()).parent_path() / "metrics.svg").string() : flags->output;
      bx::write_file_atomically(output, bx::plot_metrics_svg(runs, fmt::format("{}", fmt::join(files, ", "))));
      fmt::print("{}\n", output);
      return 0;
    };
  });
}

}  // namespace blox_app
