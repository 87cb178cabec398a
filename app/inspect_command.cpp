// blox inspect CONFIG|CHECKPOINT: the param tree (and for a config the per-layer summary with
// FLOPs) as a table, or as JSON.
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "blox/config/model_builder.h"
#include "blox/core/errors.h"
#include "blox/io/checkpoint.h"
#include "blox/io/param_table.h"
#include "blox/inspect/model_summary.h"
#include "commands.h"

namespace blox_app {

void add_inspect_command(CLI::App& app, std::function<int()>& run) {
  struct Flags {
    std::string target;
    std::vector<std::string> overrides;
    bool json = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("inspect", "show the layers (output shape, params, FLOPs) and the param tree of a config (after its dummy pass), or a checkpoint's params");
  cmd->add_option("target", flags->target, "a YAML config or a .safetensors checkpoint")->required();
  cmd->add_option("--set", flags->overrides, "override a value: key.path=value (repeatable)");
  cmd->add_flag("--json", flags->json, "print JSON instead of a table");
  cmd->callback([flags, &run] {
    run = [flags] {
      const std::string ext = std::filesystem::path(flags->target).extension().string();
      if (ext == ".safetensors") {
        const bx::Checkpoint checkpoint = bx::load_checkpoint(flags->target);
        if (flags->json) {
          nlohmann::json out = bx::param_table_json(checkpoint.params);
          out["optimizer"] = bx::param_table_json(checkpoint.optimizer);
          out["step"] = checkpoint.step;
          out["epoch"] = checkpoint.epoch;
          std::cout << out.dump(2) << "\n";
        } else {
          fmt::print("{}: step {}, epoch {}\n", flags->target, checkpoint.step, checkpoint.epoch);
          std::cout << bx::param_table(checkpoint.params);
          fmt::print("optimizer state: {} tensors, {} values\n", checkpoint.optimizer.size(),
                     checkpoint.optimizer.num_elements());
        }
        return 0;
      }
      const bx::PreparedRun prepared = bx::prepare_run(flags->target, flags->overrides);
      const bx::ModelSummary summary = bx::summarize_model(prepared.model);
      if (flags->json) {
        nlohmann::json out = bx::param_table_json(prepared.model.params);
        out.update(bx::model_summary_json(summary));
        std::cout << out.dump(2) << "\n";
      } else {
        std::cout << bx::model_summary_table(summary) << "\n" << bx::param_table(prepared.model.params);
      }
      return 0;
    };
  });
}

}  // namespace blox_app
