// What a resume may change: the config keys that steer how long a run goes on, what it records
// and where it computes, never what it trains (model, data, loss, metrics, optimizer, schedule,
// seed). A resumed run must be the same run, or its checkpoints and metrics.csv lie.
#pragma once

#include <string>
#include <vector>

namespace bx {

/// One leaf that differs between two resolved configs.
struct ConfigChange {
  std::string key;     ///< e.g. "optimizer.learning_rate", "model.layers[1].output_size"
  std::string stored;  ///< the value as YAML; "(absent)" when the key is missing
  std::string now;
};

/// The keys a resume may change (key paths as ConfigChange::key); declared once, listed in
/// configs/README.md ("What a resume may change").
const std::vector<std::string>& resumable_keys();

/// Every leaf that differs between two resolved configs (YAML text), in document order.
std::vector<ConfigChange> config_changes(const std::string& stored_yaml, const std::string& new_yaml);

/// The changes a resume may not make: those outside resumable_keys(), and train.max_steps or
/// train.epochs when the schedule takes its length from the run's (schedule.total_steps 0).
std::vector<ConfigChange> unresumable_changes(const std::vector<ConfigChange>& changes, const std::string& new_yaml);

/// A resume's view of two resolved configs: every change, and those it may not make.
struct ResumeCheck {
  std::vector<ConfigChange> changes;
  std::vector<ConfigChange> refused;  ///< unresumable_changes(changes)
};

/// The one check of a config against the one a run started with (blox train --resume, a sweep
/// continuing an interrupted trial): config_changes, then unresumable_changes.
ResumeCheck check_resume(const std::string& stored_yaml, const std::string& new_yaml);

/// "  key: stored -> now" lines, one per change.
std::string format_changes(const std::vector<ConfigChange>& changes);

}  // namespace bx
