// How a training run starts: fresh from a config, or continuing a run directory (--resume).
#pragma once

#include <string>
#include <vector>

#include "blox/config/model_builder.h"

namespace bx {

/// What `blox train` was asked to start.
struct RunStart {
  std::string config;                  ///< the YAML config; "": the resumed run's config.yaml
  std::vector<std::string> overrides;  ///< --set key.path=value (and --device, --threads)
  std::string resume;                  ///< a run directory or a checkpoint file; "": fresh
};

/// The run to train. Fresh: CONFIG with its overrides (ConfigError without a CONFIG). With
/// `resume`: the run it continues; CONFIG is optional (the run's config.yaml stands in), the run
/// goes on in the resumed directory whatever checkpoint.dir says (never into another run), and
/// a config differing from the stored one is refused (ConfigError listing each key, stored ->
/// new) unless every difference is one a resume may change (config/resume_changes.h).
/// `announce`: notes go to stderr (the directory written into, the accepted changes); rank 0.
PreparedRun prepare_training(const RunStart& start, bool announce);

/// `--resume auto`, which a launcher's restart implies (LaunchEnv::restarted_by): the run
/// directory to resume, CONFIG's checkpoint.dir, when it holds a run (its config.yaml, a
/// checkpoint or a metrics log); "" (a fresh start) when it is missing or holds none. Throws
/// ConfigError without a CONFIG. `why` says what asked ("--resume auto", the launcher's
/// restart); `announce`: the choice goes to stderr (rank 0).
std::string resolve_auto_resume(const std::string& config, const std::vector<std::string>& overrides,
                                const std::string& why, bool announce);

}  // namespace bx
