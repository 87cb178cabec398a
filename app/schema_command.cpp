// blox schema [--update FILE]: the settings tables of every section and type, as markdown.
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "blox/config/schema_markdown.h"
#include "blox/core/errors.h"
#include "blox/io/atomic_file.h"
#include "commands.h"

namespace blox_app {

void add_schema_command(CLI::App& app, std::function<int()>& run) {
  auto update = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("schema", "print every config key with its type, default, rule and meaning");
  cmd->add_option("--update", *update, "rewrite the generated part of this markdown file (configs/README.md)");
  cmd->callback([update, &run] {
    run = [update] {
      if (update->empty()) {
        std::cout << bx::schema_markdown();
        return 0;
      }
      std::ifstream in(*update);
      if (!in) throw bx::ConfigError("cannot read '" + *update + "'");
      std::stringstream text;
      text << in.rdbuf();
      bx::write_file_atomically(*update, bx::with_generated_schema(text.str()));
      std::cout << "updated " << *update << "\n";
      return 0;
    };
  });
}

}  // namespace blox_app
