// blox validate CONFIG: parse, build, dummy pass, read the data, check the run directory, print
// the summary; no training, no files.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "blox/config/model_builder.h"
#include "blox/io/param_table.h"
#include "blox/io/run_lock.h"
#include "blox/train/memory_estimate.h"
#include "blox/train/run_data.h"
#include "commands.h"

namespace blox_app {

void add_validate_command(CLI::App& app, std::function<int()>& run) {
  struct Flags {
    std::string config;
    std::vector<std::string> overrides;
    bool print_config = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("validate", "parse and check a config, build the model, run a dummy batch");
  cmd->add_option("config", flags->config, "the YAML config")->required();
  cmd->add_option("--set", flags->overrides, "override a value: key.path=value (repeatable)");
  cmd->add_flag("--print-config", flags->print_config, "print the resolved config, defaults filled in");
  cmd->callback([flags, &run] {
    run = [flags] {
      const auto start = std::chrono::steady_clock::now();
      const bx::PreparedRun prepared = bx::prepare_run(flags->config, flags->overrides);
      const std::string memory_warning = bx::check_training_memory(prepared);
      // What train needs besides the config: after "OK" here, train starts.
      const std::string& init_from = prepared.run.finetune.init_from;
      std::error_code ec;
      if (!init_from.empty() && !std::filesystem::is_regular_file(init_from, ec)) {
        throw bx::ConfigError(fmt::format("{}: finetune.init_from: no checkpoint file at '{}'; hint: train the run it "
                                          "starts from first", flags->config, init_from));
      }
      bx::require_usable_run_directory(prepared.run.checkpoint.dir);
      // Every data file read as train reads it: headers, sizes, label ranges.
      const bx::RunData data = bx::load_run_data(prepared.run.data, prepared.run.seed);
      for (const std::string& note : bx::require_batches(data, prepared.run.data)) fmt::print(stderr, "{}\n", note);
      if (flags->print_config) {
        std::cout << prepared.document.dump();
        return 0;
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const bx::Params& params = prepared.model.params;
      fmt::print("{}: OK ({:.2f} s)\n", flags->config, seconds);
      fmt::print("data: {} training examples{}{}\n", data.train.size(),
                 data.evaluation ? fmt::format(", {} for evaluation", data.evaluation->size()) : "",
                 data.test ? fmt::format(", {} test", data.test->size()) : "");
      fmt::print("model: dummy input {}, {} params in {} tensors\n", bx::format_shape(prepared.model.example_input.sizes()),
                 params.num_elements(), params.size());
      std::cout << bx::param_table(params);
      if (!memory_warning.empty()) std::cout << memory_warning << "\n";
      return 0;
    };
  });
}

}  // namespace blox_app
