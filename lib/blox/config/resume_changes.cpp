// Compares resolved configs leaf by leaf on their YAML trees: both have every default filled in
// and data paths absolute (prepare_run), so any difference is a real change.
#include "blox/config/resume_changes.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include <yaml-cpp/yaml.h>

#include "blox/config/run_config.h"

namespace bx {
namespace {

std::string as_text(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "(absent)";
  if (node.IsScalar()) return node.Scalar();
  YAML::Node flow = YAML::Clone(node);  // on one line, whatever style the file had
  flow.SetStyle(YAML::EmitterStyle::Flow);
  YAML::Emitter out;
  out << flow;
  return out.c_str();
}

void compare(const YAML::Node& stored, const YAML::Node& now, const std::string& key, std::vector<ConfigChange>& out) {
  // A missing key's node is undefined, and asking its type would throw.
  const bool defined = stored.IsDefined() && now.IsDefined();
  const bool both_maps = defined && stored.IsMap() && now.IsMap();
  const bool both_lists = defined && stored.IsSequence() && now.IsSequence() && stored.size() == now.size();
  if (both_maps) {
    std::vector<std::string> keys;  // the stored order, then keys only the new config has
    for (const auto& entry : stored) keys.push_back(entry.first.Scalar());
    for (const auto& entry : now) {
      if (std::find(keys.begin(), keys.end(), entry.first.Scalar()) == keys.end()) keys.push_back(entry.first.Scalar());
    }
    for (const auto& k : keys) compare(stored[k], now[k], key.empty() ? k : key + "." + k, out);
  } else if (both_lists) {
    for (size_t i = 0; i < stored.size(); ++i) compare(stored[i], now[i], fmt::format("{}[{}]", key, i), out);
  } else {
    const std::string a = as_text(stored), b = as_text(now);
    if (a != b) out.push_back({key, a, b});
  }
}

// Collects the key paths of the fields a resume may change.
struct ResumableKeys {
  std::string prefix;
  std::vector<std::string>* keys;

  template <class T>
  void operator()(const char* key, const T&, const Rule& rule, const char*) const {
    if (rule.is_resumable()) keys->push_back(prefix + key);
  }
};

}  // namespace

const std::vector<std::string>& resumable_keys() {
  // The fields whose rule says so (Rule::resumable): how long, how often, what is recorded,
  // where and how fast; none changes the batches, the model or an update.
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out;
    for_each_run_settings([&out](const std::string& section, auto settings) {
      ResumableKeys collect{section.empty() ? "" : section + ".", &out};
      settings.fields(collect);
    });
    return out;
  }();
  return keys;
}

std::vector<ConfigChange> config_changes(const std::string& stored_yaml, const std::string& new_yaml) {
  std::vector<ConfigChange> out;
  compare(YAML::Load(stored_yaml), YAML::Load(new_yaml), "", out);
  return out;
}

std::vector<ConfigChange> unresumable_changes(const std::vector<ConfigChange>& changes, const std::string& new_yaml) {
  const std::vector<std::string>& allowed = resumable_keys();
  // A schedule without total_steps runs over the run's length (train.max_steps, else the
  // epochs): then a new max_steps or epochs count is a new schedule.
  const YAML::Node root = YAML::Load(new_yaml);
  const YAML::Node schedule = root["schedule"];
  const bool schedule_follows_run = schedule.IsDefined() && schedule.IsMap() && schedule["total_steps"].IsDefined() &&
                                    schedule["total_steps"].IsScalar() && schedule["total_steps"].Scalar() == "0";
  std::vector<ConfigChange> out;
  for (const auto& c : changes) {
    const bool listed = std::find(allowed.begin(), allowed.end(), c.key) != allowed.end();
    const bool length = c.key == "train.max_steps" || c.key == "train.epochs";
    if (!listed || (length && schedule_follows_run)) out.push_back(c);
  }
  return out;
}

ResumeCheck check_resume(const std::string& stored_yaml, const std::string& new_yaml) {
  ResumeCheck check;
  check.changes = config_changes(stored_yaml, new_yaml);
  check.refused = unresumable_changes(check.changes, new_yaml);
  return check;
}

std::string format_changes(const std::vector<ConfigChange>& changes) {
  std::string out;
  for (const auto& c : changes) out += fmt::format("  {}: {} -> {}\n", c.key, c.stored, c.now);
  return out;
}

}  // namespace bx
