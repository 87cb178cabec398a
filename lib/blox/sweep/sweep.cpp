// The sweep reads each trial's state from its directory before and after training it, so what
// it reports and what a re-run does follow from the files alone (trial.h).
#include "blox/sweep/sweep.h"

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include <c10/util/Exception.h>
#include <fmt/format.h>

#include "blox/core/file_text.h"
#include "blox/config/document.h"
#include "blox/config/model_builder.h"
#include "blox/config/resume_changes.h"
#include "blox/core/errors.h"
#include "blox/core/suggest.h"
#include "blox/io/run_directory.h"
#include "blox/io/run_lock.h"
#include "blox/metrics/catalogue.h"
#include "blox/metrics/metric_watch.h"
#include "blox/runtime/stop_signals.h"
#include "blox/sweep/processes.h"
#include "blox/sweep/summary.h"
#include "blox/train/trainer.h"

namespace bx {
namespace {

namespace fs = std::filesystem;

// How many trial problems the up-front check prints in full (a bad key fails every trial alike).
constexpr size_t kProblemsShown = 5;

std::string read_text(const std::string& path) { return read_file_text(path).value_or(""); }

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// The last line a trial's process wrote (its error, when it failed).
std::string last_line(const std::string& path) {
  std::string text = read_text(path);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  const size_t start = text.find_last_of('\n');
  return start == std::string::npos ? text : text.substr(start + 1);
}

std::string joined(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : separator) + part;
  return out;
}

StopReason requested_stop() {
  const int signal = pending_stop_signal();
  if (signal == SIGINT) return StopReason::interrupted;
  if (signal == SIGTERM) return StopReason::terminated;
  return StopReason::none;
}

class Sweep {
 public:
  Sweep(const SweepDefinition& definition, const SweepOptions& options);
  SweepOutcome run();

 private:
  /// The shared --set, the trial's values, how it runs, and its directory: later ones win.
  std::vector<std::string> trial_overrides(const SweepTrial& trial) const;
  /// Every problem up front, as one ConfigError.
  void check() const;
  /// What stops `r` from running (prepare_run's report, the metric, a resume's changes).
  std::vector<std::string> trial_problems(const TrialResult& r) const;
  void refresh(TrialResult& r) const;
  void write_summary() const;
  /// The trials that still need training, in order.
  std::vector<TrialResult*> to_train();
  void train_here(TrialResult& r);
  void train_in_processes(const std::vector<TrialResult*>& trials);
  /// A child's end: the trial marked, a usage error rethrown after the summary.
  void take_exit(TrialResult& r, int exit_code);
  void announce_start(const TrialResult& r, const std::string& extra = "") const;
  void announce_end(const TrialResult& r) const;
  SweepOutcome outcome() const;

  const SweepDefinition& definition_;
  const SweepOptions& options_;
  std::string dir_;
  std::string metric_;
  int threads_ = 0;  ///< per trial; 0: the config's
  bool ranks_on_test_ = false;  ///< the config evaluates on its test split
  std::vector<TrialResult> results_;
  StopReason stop_ = StopReason::none;  ///< interrupted / terminated once a signal stops the sweep
};

Sweep::Sweep(const SweepDefinition& definition, const SweepOptions& options) : definition_(definition), options_(options) {
  std::vector<std::string> base = definition.sets;
  base.insert(base.end(), options.run_settings.begin(), options.run_settings.end());
  const PreparedRun prepared = prepare_run(definition.config, base);
  std::string run_dir = prepared.run.checkpoint.dir;
  while (run_dir.size() > 1 && run_dir.back() == '/') run_dir.pop_back();
  dir_ = options.dir.empty() ? run_dir + "-sweep" : options.dir;
  metric_ = !options.metric.empty()               ? options.metric
            : !prepared.run.checkpoint.keep_best.empty() ? prepared.run.checkpoint.keep_best
                                                          : prepared.run.metrics.front();
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const DataConfig& data = prepared.run.data;
  ranks_on_test_ = data.validation_fraction <= 0 && !data.test.empty();
  threads_ = options.threads > 0 ? options.threads : options.jobs > 1 ? std::max(1, static_cast<int>(cores) / options.jobs) : 0;
  for (const SweepTrial& trial : definition.trials()) {
    results_.push_back({trial, (fs::path(dir_) / trial.name).string(), {}, {}});
  }
}

std::vector<std::string> Sweep::trial_overrides(const SweepTrial& trial) const {
  std::vector<std::string> overrides = definition_.sets;
  for (const std::string& o : trial.overrides()) overrides.push_back(o);
  overrides.insert(overrides.end(), options_.run_settings.begin(), options_.run_settings.end());
  if (threads_ > 0) overrides.push_back(fmt::format("threads={}", threads_));
  overrides.push_back("checkpoint.dir=" + yaml_quoted((fs::path(dir_) / trial.name).string()));
  return overrides;
}

std::vector<std::string> Sweep::trial_problems(const TrialResult& r) const {
  std::optional<PreparedRun> prepared;
  try {
    prepared = prepare_run(definition_.config, trial_overrides(r.trial));
  } catch (const ConfigError& e) {
    return {e.what()};
  }
  std::vector<std::string> problems;
  const std::vector<std::string>& metrics = prepared->run.metrics;
  if (std::find(metrics.begin(), metrics.end(), metric_) == metrics.end()) {
    problems.push_back(fmt::format("--metric {}: the run computes {} (its metrics:), not {}; hint: --metric one of "
                                   "those, or add it: --set 'metrics=[{}, {}]'",
                                   metric_, joined(metrics, ", "), metric_, joined(metrics, ", "), metric_));
  }
  const DataConfig& data = prepared->run.data;
  if (data.test.empty() && data.validation_fraction <= 0) {
    problems.push_back(fmt::format("the run has no evaluation data (data.test or data.validation_fraction), so no {} "
                                   "to rank it by", metric_));
  }
  if (r.state.status == TrialStatus::interrupted) {
    // It goes on from its checkpoint: only what a resume may change may differ from its start.
    const std::string stored_path = run_files::config(r.dir);
    const std::string now = prepared->document.dump();
    const std::vector<ConfigChange> refused = check_resume(read_text(stored_path), now).refused;
    if (!refused.empty()) {
      problems.push_back(fmt::format("the trial started under another config ({}) and a resume may not change (stored -> "
                                     "new):\n{}hint: restore the config, or --dir OTHER for a new sweep",
                                     stored_path, format_changes(refused)));
    }
  }
  return problems;
}

void Sweep::check() const {
  if (find_metric(metric_) == nullptr) {
    throw ConfigError(fmt::format("--metric {}: no such metric (known: {}){}", metric_, joined(metric_names(), ", "),
                                  did_you_mean(metric_, metric_names())));
  }
  for (const std::string& set : definition_.sets) {
    const std::string key = normalized_key(set.substr(0, set.find('=')));
    for (const GridAxis& axis : definition_.grid.axes()) {
      if (axis.key == key) {
        throw ConfigError(fmt::format("--set {} and --grid {}=[...] both set {}; hint: drop one", set, axis.key, key));
      }
    }
  }
  require_same_sweep(dir_, definition_);
  std::vector<std::string> reports;
  size_t failing = 0;
  for (const TrialResult& r : results_) {
    const std::vector<std::string> problems = trial_problems(r);
    if (problems.empty()) continue;
    if (++failing > kProblemsShown) continue;
    reports.push_back(fmt::format("{} (--set {}):\n{}", r.trial.name, joined(r.trial.overrides(), " --set "),
                                  joined(problems, "\n")));
  }
  if (failing == 0) return;
  std::string more = failing > kProblemsShown ? fmt::format("\n... and {} more trials", failing - kProblemsShown) : "";
  throw ConfigError(fmt::format("blox sweep: {} of {} trials cannot run (nothing was trained):\n{}{}", failing,
                                results_.size(), joined(reports, "\n"), more));
}

void Sweep::refresh(TrialResult& r) const {
  r.state = read_trial_state(r.dir);
  r.score = read_trial_score(r.dir, metric_);
}

void Sweep::write_summary() const { write_sweep_summary(dir_, sweep_summary_rows(results_, metric_)); }

std::vector<TrialResult*> Sweep::to_train() {
  std::vector<TrialResult*> out;
  for (TrialResult& r : results_) {
    if (r.state.status == TrialStatus::pending || r.state.status == TrialStatus::interrupted) out.push_back(&r);
  }
  return out;
}

void Sweep::announce_start(const TrialResult& r, const std::string& extra) const {
  const std::string what = r.state.status == TrialStatus::interrupted
                               ? fmt::format("resuming at step {}", r.score.steps)
                               : std::string("training");
  fmt::print("[{}/{}] {}: {} (--set {}){}\n", r.trial.number, results_.size(), r.trial.name, what,
             joined(r.trial.overrides(), " --set "), extra);
  std::fflush(stdout);
}

void Sweep::announce_end(const TrialResult& r) const {
  std::string how = fmt::format("{} at step {}", trial_status_name(r.state.status), r.score.steps);
  if (r.score.best) how += fmt::format(", best {} {:.4f} (step {})", metric_, *r.score.best, r.score.best_step);
  if (r.state.status == TrialStatus::failed) how += ": " + r.state.error;
  fmt::print("[{}/{}] {}: {}\n", r.trial.number, results_.size(), r.trial.name, how);
  std::fflush(stdout);
}

void Sweep::train_here(TrialResult& r) {
  announce_start(r);
  const PreparedRun prepared = prepare_run(definition_.config, trial_overrides(r.trial));
  const bool resume = r.state.status == TrialStatus::interrupted;
  std::optional<std::string> error;
  try {
    const TrainOutcome outcome = train(prepared, {resume ? r.dir : "", options_.quiet, options_.terminal, options_.columns});
    if (outcome.reason == StopReason::interrupted || outcome.reason == StopReason::terminated) {
      stop_ = outcome.reason;
    } else {
      mark_trial_done(r.dir, TrialStatus::finished);
    }
  } catch (const ConfigError&) {
    throw;  // a usage problem the up-front check could not see (the directory locked, say): the sweep's, not the trial's
  } catch (const DataError&) {
    throw;
  } catch (const c10::Error& e) {
    error = first_line(e.what_without_backtrace());
  } catch (const std::exception& e) {
    error = first_line(e.what());
  }
  if (error) mark_trial_done(r.dir, TrialStatus::failed, *error);
  refresh(r);
  announce_end(r);
}

void Sweep::take_exit(TrialResult& r, int exit_code) {
  const std::string log = (fs::path(r.dir) / "train.log").string();
  if (exit_code == 0) {
    mark_trial_done(r.dir, TrialStatus::finished);
  } else if (exit_code == 2) {
    refresh(r);
    write_summary();
    throw ConfigError(fmt::format("{}: blox train refused the trial (exit 2): {}; its output: {}", r.trial.name,
                                  last_line(log), log));
  } else if (exit_code != 130 && exit_code != 143) {  // those: stopped by a signal after a save, resumable
    std::string why = last_line(log);
    if (why.rfind("error: ", 0) == 0) why.erase(0, 7);
    if (exit_code > 128) why = fmt::format("killed by signal {}", exit_code - 128);
    else if (exit_code != 1) why = fmt::format("exit {}: {}", exit_code, why);  // 1: a runtime failure, its line says it
    mark_trial_done(r.dir, TrialStatus::failed, why);
  }
  refresh(r);
  announce_end(r);
}

void Sweep::train_in_processes(const std::vector<TrialResult*>& trials) {
  SweepProcesses processes;
  size_t next = 0;
  for (;;) {
    while (requested_stop() == StopReason::none && next < trials.size() &&
           processes.running() < static_cast<size_t>(options_.jobs)) {
      TrialResult& r = *trials[next];
      std::vector<std::string> arguments{"train", definition_.config};
      for (const std::string& o : trial_overrides(r.trial)) arguments.insert(arguments.end(), {"--set", o});
      if (r.state.status == TrialStatus::interrupted) arguments.insert(arguments.end(), {"--resume", r.dir});
      if (options_.quiet) arguments.push_back("--quiet");
      const std::string log = (fs::path(r.dir) / "train.log").string();
      fs::create_directories(r.dir);
      announce_start(r, fmt::format(": output in {}", log));
      processes.start(static_cast<int>(next), arguments, log);
      ++next;
    }
    if (processes.running() == 0) break;
    const EndedProcess ended = processes.wait_any();
    take_exit(*trials[static_cast<size_t>(ended.id)], ended.exit_code);
    write_summary();
  }
  stop_ = requested_stop();
}

SweepOutcome Sweep::outcome() const {
  SweepOutcome out;
  out.stop = stop_ == StopReason::none ? StopReason::finished : stop_;
  for (const TrialResult& r : results_) {
    if (r.state.status == TrialStatus::failed) ++out.failed;
    if (r.state.status == TrialStatus::pending || r.state.status == TrialStatus::interrupted) ++out.unfinished;
  }
  return out;
}

SweepOutcome Sweep::run() {
  for (TrialResult& r : results_) refresh(r);
  check();
  const std::vector<TrialResult*> trials = to_train();
  fmt::print("sweep: {} trials in {} ({} to train, {} done), ranked by {} ({} is better)\n", results_.size(), dir_,
             trials.size(), results_.size() - trials.size(), metric_, lower_is_better(metric_) ? "lower" : "higher");
  if (ranks_on_test_) {
    fmt::print(stderr, "warning: the trials are ranked by {} on the test split (no data.validation_fraction), so the "
                       "winner's test score is optimistic; hint: --set data.validation_fraction=0.1\n", metric_);
  }
  if (options_.dry_run) {  // every check passed: that is the dry run's success
    fmt::print("{}", sweep_summary_table(sweep_summary_rows(results_, metric_)));
    return {};
  }
  const RunLock lock(dir_);  // one sweep at a time in a directory
  write_sweep_record(dir_, definition_);
  try {
    if (options_.jobs > 1) {
      train_in_processes(trials);
    } else {
      for (TrialResult* r : trials) {
        if (stop_ == StopReason::none) stop_ = requested_stop();
        if (stop_ != StopReason::none) break;
        train_here(*r);
        write_summary();
      }
    }
  } catch (...) {
    write_summary();  // what was done stays recorded
    throw;
  }
  write_summary();
  fmt::print("\n{}", sweep_summary_table(sweep_summary_rows(results_, metric_)));
  if (stop_ != StopReason::none) {
    fmt::print("stopped by {}: repeat the command to resume the sweep\n", stop_ == StopReason::interrupted ? "SIGINT" : "SIGTERM");
  }
  return outcome();
}

}  // namespace

SweepOutcome run_sweep(const SweepDefinition& definition, const SweepOptions& options) {
  Sweep sweep(definition, options);
  return sweep.run();
}

int exit_code(const SweepOutcome& outcome) {
  if (const int signal_code = exit_code(outcome.stop)) return signal_code;
  if (outcome.failed > 0 || outcome.unfinished > 0) {
    fmt::print(stderr, "blox sweep: {} trial(s) failed, {} not finished (see the summary)\n", outcome.failed,
               outcome.unfinished);
    return 1;
  }
  return 0;
}

}  // namespace bx
