// The `blox` command line: parses flags and dispatches; the library does the work. Only here
// are errors caught and mapped to exit codes.
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>
#include <c10/util/Exception.h>
#include <nlohmann/json.hpp>

#include "blox/core/errors.h"
#include "blox/runtime/host_allocator.h"
#include "blox/core/suggest.h"
#include "commands.h"

namespace {

// Exit codes of the DESIGN contract: 0 ok, 1 runtime failure, 2 bad usage/config.
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

std::vector<std::string> g_arguments;

// Prints the error; under torchrun also writes it where the agent reads a worker's failure
// (TORCHELASTIC_ERROR_FILE, torchelastic's JSON), so its summary names this worker's error.
int fail(const std::string& message, const char* kind, int code, bool prefix = true) {
  std::cerr << (prefix ? "error: " : "") << message << "\n";
  if (const char* path = std::getenv("TORCHELASTIC_ERROR_FILE")) {
    const nlohmann::json record{
        {"message",
         {{"message", std::string(kind) + ": " + message},
          {"extraInfo", {{"py_callstack", "(blox, C++)"}, {"timestamp", std::to_string(std::time(nullptr))}}}}}};
    std::ofstream(path) << record.dump();
  }
  return code;
}

// What a user sees of an error blox did not anticipate (libtorch's, the standard library's): its
// first line, without C++ frames, unless BLOX_DEBUG=1 asks for everything.
std::string unanticipated(const std::string& full, const std::string& short_form) {
  const char* debug = std::getenv("BLOX_DEBUG");
  if (debug != nullptr && std::string(debug) == "1") return full;
  return short_form.substr(0, short_form.find('\n')) + " (BLOX_DEBUG=1 shows the details)";
}

// `blox WORD` where WORD names no command: say so, with the command it most likely meant.
std::optional<int> unknown_command(const CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return std::nullopt;
  std::vector<std::string> commands;
  for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (command->get_name() == argv[1]) return std::nullopt;
    commands.push_back(command->get_name());
  }
  std::cerr << "error: unknown command '" << argv[1] << "' (blox --help lists them)" << bx::did_you_mean(argv[1], commands)
            << "\n";
  return kExitUsage;
}

}  // namespace

namespace blox_app {
const std::vector<std::string>& program_arguments() { return g_arguments; }
void set_program_arguments(int argc, char** argv) { g_arguments.assign(argv, argv + argc); }
}  // namespace blox_app

int main(int argc, char** argv) {
  bx::keep_freed_memory_in_process();
  blox_app::set_program_arguments(argc, argv);
  CLI::App app{"blox: train neural networks from YAML config files"};
  app.require_subcommand(1);
  std::function<int()> run;
  blox_app::add_version_command(app, run);
  blox_app::add_validate_command(app, run);
  blox_app::add_inspect_command(app, run);
  blox_app::add_train_command(app, run);
  blox_app::add_eval_command(app, run);
  blox_app::add_predict_command(app, run);
  blox_app::add_generate_command(app, run);
  blox_app::add_export_command(app, run);
  blox_app::add_plot_command(app, run);
  blox_app::add_bench_command(app, run);
  blox_app::add_schema_command(app, run);
  blox_app::add_sweep_command(app, run);
  blox_app::add_completion_command(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (const auto code = unknown_command(app, argc, argv)) return *code;
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  try {
    return run();
  } catch (const bx::ConfigError& e) {
    return fail(e.what(), "ConfigError", kExitUsage, /*prefix=*/false);
  } catch (const bx::CheckpointError& e) {
    return fail(e.what(), "CheckpointError", kExitRuntime);
  } catch (const bx::DataError& e) {
    return fail(e.what(), "DataError", kExitUsage);
  } catch (const bx::DistError& e) {
    return fail(e.what(), "DistError", kExitRuntime);
  } catch (const bx::Error& e) {
    return fail(e.what(), "Error", kExitRuntime);
  } catch (const c10::Error& e) {
    return fail(unanticipated(e.what(), e.what_without_backtrace()), "Error", kExitRuntime);
  } catch (const std::exception& e) {
    return fail(unanticipated(e.what(), e.what()), "Error", kExitRuntime);
  } catch (...) {
    return fail("an unknown error (not a C++ exception)", "Error", kExitRuntime);
  }
}
