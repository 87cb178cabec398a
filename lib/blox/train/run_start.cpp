#include "blox/train/run_start.h"

#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "blox/config/resume_changes.h"
#include "blox/core/errors.h"
#include "blox/core/file_text.h"
#include "blox/io/run_directory.h"
#include "blox/train/trainer.h"

namespace bx {

PreparedRun prepare_training(const RunStart& start, bool announce) {
  if (start.resume.empty()) {
    if (start.config.empty()) {
      throw ConfigError("blox train: a CONFIG is required (blox train CONFIG), unless --resume DIR names the run "
                        "to continue");
    }
    return prepare_run(start.config, start.overrides);
  }
  const std::string run_dir = resume_run_directory(start.resume);
  const std::string stored_path = run_files::config(run_dir);
  const std::optional<std::string> stored = read_file_text(stored_path);
  if (!stored) {
    throw ConfigError(fmt::format("--resume {}: {} is missing, so there is no stored config to continue the run "
                                  "with or to check CONFIG against",
                                  start.resume, stored_path));
  }
  const std::string path = start.config.empty() ? stored_path : start.config;
  std::vector<std::string> overrides = start.overrides;
  PreparedRun prepared = prepare_run(path, overrides);
  std::error_code ec;
  if (!std::filesystem::equivalent(run_dir, prepared.run.checkpoint.dir, ec)) {
    // Never into another run: its checkpoints and metrics would be overwritten.
    if (announce && !start.config.empty()) {
      fmt::print(stderr, "note: --resume {}: writing into {}, not {}'s checkpoint.dir '{}'\n", start.resume, run_dir,
                 start.config, prepared.run.checkpoint.dir);
    }
    overrides.push_back("checkpoint.dir=" + yaml_quoted(run_dir));
    prepared = prepare_run(path, overrides);
  }
  const ResumeCheck check = check_resume(*stored, prepared.document.dump());
  if (!check.refused.empty()) {
    throw ConfigError(fmt::format(
        "--resume {}: the config differs from the run's ({}) where a resume may not change it (stored -> new):\n{}"
        "hint: keep those values, or start a new run elsewhere with --set checkpoint.dir=OTHER; a resume may change "
        "only the keys listed in configs/README.md, \"What a resume may change\"",
        start.resume, stored_path, format_changes(check.refused)));
  }
  if (announce && !check.changes.empty()) {
    fmt::print(stderr, "--resume {}: config changes (stored -> new):\n{}", start.resume,
               format_changes(check.changes));
  }
  return prepared;
}

std::string resolve_auto_resume(const std::string& config, const std::vector<std::string>& overrides,
                                const std::string& why, bool announce) {
  if (config.empty()) {
    throw ConfigError(fmt::format("{}: a CONFIG is required (blox train CONFIG --resume auto): the run resumed is the "
                                  "one in its checkpoint.dir",
                                  why));
  }
  const std::string dir = prepare_run(config, overrides).run.checkpoint.dir;
  std::error_code ec;
  const bool holds_run = std::filesystem::exists(run_files::config(dir), ec) || holds_checkpoint(dir) ||
                         std::filesystem::exists(run_files::metrics_log(dir), ec);
  if (announce) {
    fmt::print(stderr, "{}: {}\n", why,
               holds_run ? fmt::format("resuming the run in {}", dir)
                         : fmt::format("{} holds no run yet: starting it", dir));
  }
  return holds_run ? dir : "";
}

}  // namespace bx
