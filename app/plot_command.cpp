// blox plot RUN_DIR: the run's loss, metric and learning-rate curves as an SVG file.
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "blox/io/atomic_file.h"
#include "blox/train/metrics_plot.h"
#include "commands.h"

namespace blox_app {

void add_plot_command(CLI::App& app, std::function<int()>& run) {
  struct Flags {
    std::string run_dir;
    std::string output;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("plot", "draw a run's loss and metric curves (metrics.jsonl) to an SVG file");
  cmd->add_option("run_dir", flags->run_dir, "a run directory (checkpoint.dir) or its metrics.jsonl")->required();
  cmd->add_option("-o,--output", flags->output, "the SVG to write (default: RUN_DIR/metrics.svg)");
  cmd->callback([flags, &run] {
    run = [flags] {
      namespace fs = std::filesystem;
      const fs::path given(flags->run_dir);
      const fs::path metrics = fs::is_directory(given) ? given / "metrics.jsonl" : given;
      const std::string output = flags->output.empty() ? (metrics.parent_path() / "metrics.svg").string() : flags->output;
      const std::string svg = bx::plot_metrics_svg(bx::read_metrics_log(metrics.string()), metrics.string());
      bx::write_file_atomically(output, svg);
      fmt::print("{}\n", output);
      return 0;
    };
  });
}

}  // namespace blox_app
