// blox inspect CONFIG|CHECKPOINT: the param tree as a table, or as JSON.
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "blox/config/model_builder.h"
#include "blox/core/errors.h"
#include "blox/io/param_table.h"
#include "commands.h"

namespace blox_app {

void add_inspect_command(CLI::App& app, std::function<int()>& run) {
  struct Flags {
    std::string target;
    std::vector<std::string> overrides;
    bool json = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("inspect", "show the param tree of a config (after its dummy pass)");
  cmd->add_option("target", flags->target, "a YAML config")->required();
  cmd->add_option("--set", flags->overrides, "override a value: key.path=value (repeatable)");
  cmd->add_flag("--json", flags->json, "print JSON instead of a table");
  cmd->callback([flags, &run] {
    run = [flags] {
      const std::string ext = std::filesystem::path(flags->target).extension().string();
      if (ext == ".safetensors") {
        throw bx::ConfigError(fmt::format("{}: checkpoints cannot be inspected yet (the checkpoint format arrives with "
                                          "`blox train`); inspect the config instead",
                                          flags->target));
      }
      const bx::PreparedRun prepared = bx::prepare_run(flags->target, flags->overrides);
      if (flags->json) {
        std::cout << bx::param_table_json(prepared.model.params).dump(2) << "\n";
      } else {
        std::cout << bx::param_table(prepared.model.params);
      }
      return 0;
    };
  });
}

}  // namespace blox_app
