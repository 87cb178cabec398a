// The loop reads as: for each epoch, for each group of batches, step; at every point between
// steps, serve what the Cadence says is due (evaluate, record a row, save) and stop when it
// gives a reason. Stop requests (signals, max_steps, early stopping) are served between steps
// only, so every checkpoint holds a consistent state; a bad loss throws from the step.
#include "blox/train/trainer.h"

#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <optional>

#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "blox/core/errors.h"
#include "blox/io/checkpoint.h"
#include "blox/io/run_directory.h"
#include "blox/io/run_lock.h"
#include "blox/optim/clipping.h"
#include "blox/train/cadence.h"
#include "blox/runtime/compute_threads.h"
#include "blox/train/data_parallel.h"
#include "blox/runtime/device.h"
#include "blox/train/ema.h"
#include "blox/train/finetune.h"
#include "blox/train/loss_tally.h"
#include "blox/optim/loss.h"
#include "blox/metrics/metric_watch.h"
#include "blox/train/progress.h"
#include "blox/train/run_data.h"
#include "blox/train/run_log.h"
#include "blox/runtime/stop_signals.h"

namespace bx {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

LoaderSettings loader_settings(LoaderSettings settings, c10::Device device) {
  settings.pin_memory = device.is_cuda();
  return settings;
}

CadenceSettings cadence_settings(const RunConfig& run) { return {run.train, run.checkpoint}; }


// Statistics of a stretch of steps (since the last metrics row; since the epoch began).
struct Window {
  LossMark losses;  ///< the tally where the stretch began
  int64_t steps = 0;
  int64_t examples = 0;
  double seconds = 0;  ///< training time only (no evaluation, no saving)

  double examples_per_second() const { return static_cast<double>(examples) / std::max(seconds, 1e-9); }

  // A checkpoint carries a stretch's losses as tracking values "train_loss/<name>/sum" and
  // ".../steps", so that a resumed run's rows and epoch line cover the steps a straight run's do.
  void save(const LossTally& tally, const std::string& name, std::map<std::string, double>& tracking) const {
    tracking["train_loss/" + name + "/sum"] = losses.total_since(tally);
    tracking["train_loss/" + name + "/steps"] = static_cast<double>(losses.count_since(tally));
  }
  /// The stretch a checkpoint carried (none from one that carried nothing), on a new tally.
  static Window resumed(const std::map<std::string, double>& tracking, const std::string& name) {
    auto value = [&](const char* what) {
      const auto it = tracking.find("train_loss/" + name + "/" + what);
      return it == tracking.end() ? 0.0 : it->second;
    };
    Window w;
    w.steps = static_cast<int64_t>(value("steps"));
    w.losses = LossMark::carrying(value("sum"), w.steps);
    return w;
  }
};

class Trainer {
 public:
  Trainer(const PreparedRun& prepared, const TrainOptions& options, const DataParallel& dp, c10::Device device);
  ~Trainer() { progress_.finish(); }
  TrainOutcome run();

 private:
  /// The dummy pass's params, with the text vocabulary stored when there is one.
  Params initial_params() const;
  /// The model's params and state, and the averages of train.ema: what a checkpoint holds.
  Params saved_params() const;
  void restore(const std::string& resume);
  /// The checkpoint to resume from (the newest readable one of `resume`) and its file.
  std::pair<Checkpoint, std::string> read_resume_checkpoint(const std::string& resume) const;
  /// This run's optimizer state with the saved one's values. The loss scaler's entries may
  /// differ (a run resumed in another precision): saved ones are kept when this run scales.
  Params restored_optimizer(const Params& saved, const std::string& file) const;
  /// `structure` (this run's paths, order and flags) with `saved`'s values; CheckpointError
  /// naming `file` and the path when one is missing or differs in shape or dtype.
  Params with_saved_values(const Params& structure, const Params& saved, const std::string& file) const;
  void start_fresh();
  std::vector<MicroBatch> next_group();
  void step_on(const std::vector<MicroBatch>& group);
  /// Throws when a step's loss was not finite; `read_device`: also what a GPU has not told yet.
  void require_finite_loss(bool read_device) const;
  /// Serves what the cadence says `m` calls for; `at` is where a resumed run would continue.
  /// Returns why the run stops there (none: it goes on).
  StopReason serve(const Moment& m, const LoaderPosition& at);
  /// The epoch summary line, or a mid-epoch evaluation's line.
  /// `last`: the run stops here (its figures are shown under --quiet too).
  void report(const Moment& m, const Metrics& metrics, bool last);
  /// Once, on stderr: keep_best or early stopping would select on the test split.
  void warn_if_selecting_on_test() const;
  /// The lines that say why the run stops (or that SIGUSR1 saved), after the save.
  void announce(const Moment& m, StopReason why, bool early_stopped);
  TrainOutcome finish(StopReason why);
  void save(const LoaderPosition& at, int64_t epochs_done);
  int64_t total_steps() const;

  const PreparedRun& prepared_;
  const RunConfig& run_;
  const DataParallel& dp_;
  const Cadence cadence_;
  const c10::Device device_;
  const StepNumerics numerics_;
  const RunData data_;
  Loader loader_;
  std::unique_ptr<Loader> eval_loader_;
  const std::string eval_split_;  ///< the split eval_loader_ reads, named in lines and rows
  const LossFn loss_;
  GradTransform transform_grads_;
  RunLog log_;
  Progress progress_;
  MetricWatch best_;
  MetricWatch stopping_;

  TrainState state_;
  Params ema_;  ///< train.ema's averages of the trainable params (empty: no EMA)
  int64_t step_ = 0;
  int64_t epoch_ = 0;  ///< the epoch being trained (0-based) = epochs completed before it
  LoaderPosition position_;
  std::shared_ptr<const Schedule> schedule_;  ///< over the run's length; null: the optimizer's rate
  double lr_ = 0;
  int64_t last_saved_step_ = -1;
  StopSignal signal_ = StopSignal::none;  ///< agreed by every rank after the last step
  LossTally losses_;  ///< of this process's steps
  Window row_window_;
  Window epoch_window_;
  TrainOutcome outcome_;
};

Trainer::Trainer(const PreparedRun& prepared, const TrainOptions& options, const DataParallel& dp, c10::Device device)
    : prepared_(prepared),
      run_(prepared.run),
      dp_(dp),
      cadence_(cadence_settings(run_)),
      device_(device),
      numerics_(StepNumerics::of(precision_from_name(run_.train.precision))),
      data_(load_run_data(run_.data, run_.seed)),
      loader_(data_.train, dp.shard(loader_settings(run_.data.loader, device_)), run_.data.transforms),
      eval_split_(evaluation_split(run_.data)),
      loss_(make_loss(run_.loss)),
      log_(run_.checkpoint.dir, run_.metrics, run_.train.tensorboard),
      progress_({options.quiet, options.terminal, run_.train.log_every_steps, total_steps(), run_.train.epochs,
                 /*redraw_seconds=*/0.2, options.columns, dp.world_size(), /*silent=*/!dp.is_main()}),
      best_("keep_best", run_.checkpoint.keep_best),
      stopping_("early_stopping", run_.train.early_stopping_metric),
      losses_(device_.is_cuda()) {
  if (data_.evaluation) {
    eval_loader_ = std::make_unique<Loader>(dp_.shard(*data_.evaluation), evaluation_loader_settings(run_.data),
                                            evaluation_transforms(run_.data));
    if (dp_.is_main()) warn_if_selecting_on_test();
  }
  if (run_.train.clip_grad_value > 0 || run_.train.clip_grad_norm > 0) {
    transform_grads_ = [value = run_.train.clip_grad_value, norm = run_.train.clip_grad_norm](Params grads, at::Tensor&) {
      if (value > 0) grads = clip_by_value(grads, value);
      if (norm > 0) grads = clip_by_global_norm(grads, norm).grads;
      return grads;
    };
  }
  transform_grads_ = dp_.averaging_grads(std::move(transform_grads_));  // average first, then clip
  if (run_.schedule) schedule_ = run_.schedule(total_steps());  // its default length: the run's
  lr_ = schedule_ ? schedule_->lr(0) : run_.optimizer->learning_rate();
  if (options.resume.empty()) {
    start_fresh();
  } else {
    restore(options.resume);
  }
  // Every rank starts from rank 0's params; dropout then differs per rank (its rank folded into
  // the Rng seed, never saved: checkpoints hold rank 0's state).
  dp_.same_as_main(saved_params());
  if (dp_.rank() > 0) state_.state = prepared_.model.rng->fold_in_seed(std::move(state_.state), dp_.rank());
}

int64_t Trainer::total_steps() const {
  const int64_t per_epoch = (loader_.batches_per_epoch() + run_.train.accumulate - 1) / run_.train.accumulate;
  const int64_t all = per_epoch * run_.train.epochs;
  return run_.train.max_steps > 0 ? std::min(all, run_.train.max_steps) : all;
}

Params Trainer::initial_params() const {
  return starting_params(prepared_.model.params, data_.vocabulary, FinetuneConfig{}).params;  // no init_from
}

Params Trainer::saved_params() const {
  const Params params = state_.trainable.merge(state_.state);
  return ema_.empty() ? params : params.merge(ema_);
}

void Trainer::start_fresh() {
  FinetuneStart start = starting_params(prepared_.model.params, data_.vocabulary, run_.finetune);
  if (!start.report.empty()) progress_.line(start.report);
  state_ = make_train_state(params_to_device(start.params, device_), *run_.optimizer, numerics_);
  if (run_.train.ema) ema_ = start_ema(state_.trainable);
  if (dp_.is_main()) {
    log_.write_config(prepared_.document.dump());
    log_.truncate_after(0);  // rows of a start that never saved (see train())
  }
}

void Trainer::restore(const std::string& resume) {
  // Rank 0 alone decides what to resume from and reads it; the others receive the same state.
  Checkpoint c;
  std::string file;
  if (dp_.is_main()) std::tie(c, file) = read_resume_checkpoint(resume);
  Params params = initial_params();
  if (run_.train.ema) params = params.merge(start_ema(params.split().first));  // where the saved averages go
  if (dp_.is_main()) params = with_saved_values(params, c.params, file);
  std::tie(params, ema_) = split_ema(params_to_device(params, device_));
  state_ = make_train_state(std::move(params), *run_.optimizer, numerics_);
  if (dp_.is_main()) state_.optimizer = params_to_device(restored_optimizer(c.optimizer, file), device_);
  dp_.same_as_main(state_.optimizer);
  const nlohmann::json position = nlohmann::json::parse(dp_.same_as_main(
      dp_.is_main() ? nlohmann::json{{"step", c.step}, {"epoch", c.epoch}, {"loader", {c.loader.epoch, c.loader.batch}},
                                     {"tracking", c.tracking}}
                          .dump()
                    : std::string()));
  step_ = position["step"];
  epoch_ = position["epoch"];
  position_ = {position["loader"][0], position["loader"][1]};
  const auto tracking = position["tracking"].get<std::map<std::string, double>>();
  best_.restore(tracking);
  stopping_.restore(tracking);
  row_window_ = Window::resumed(tracking, "since_row");
  epoch_window_ = Window::resumed(tracking, "epoch");
  last_saved_step_ = step_;
  if (dp_.is_main()) {
    log_.truncate_after(step_);
    log_.write_config(prepared_.document.dump());  // the run goes on under this config (resume_changes.h)
  }
  progress_.line(fmt::format("resuming from {} at step {} (epoch {}, batch {})", file, step_, position_.epoch + 1,
                             position_.batch));
}

std::pair<Checkpoint, std::string> Trainer::read_resume_checkpoint(const std::string& resume) const {
  std::string file;
  Checkpoint c;
  for (const auto& candidate : resume_candidates(resume)) {
    try {
      c = load_checkpoint(candidate);
      file = candidate;
      break;
    } catch (const CheckpointError& e) {
      fmt::print(stderr, "warning: cannot resume from {}: {}; trying an older checkpoint\n", candidate, e.what());
    }
  }
  if (file.empty()) throw CheckpointError(fmt::format("{}: no readable checkpoint to resume from", resume));
  if (data_.vocabulary) {
    const std::optional<Vocabulary> saved = Vocabulary::find(c.params);
    if (saved && *saved != *data_.vocabulary) {
      throw CheckpointError(fmt::format("{}: the model's vocabulary ({} characters) is not the one of {} now ({} "
                                        "characters): the training text changed; hint: restore it, or start a new run",
                                        file, saved->size(), run_.data.train, data_.vocabulary->size()));
    }
  }
  return {std::move(c), file};
}

Params Trainer::with_saved_values(const Params& structure, const Params& saved, const std::string& file) const {
  if (saved.size() != structure.size()) {
    throw CheckpointError(fmt::format("{}: holds {} tensors where this config's run has {}; expected the same model "
                                      "and optimizer", file, saved.size(), structure.size()));
  }
  return bx::with_saved_values(structure, saved, file);
}

Params Trainer::restored_optimizer(const Params& saved, const std::string& file) const {
  auto scaler = [](const std::string& path, const Param&) { return LossScaler::holds(path); };
  auto others = [](const std::string& path, const Param&) { return !LossScaler::holds(path); };
  Params restored = with_saved_values(state_.optimizer.filter(others), saved.filter(others), file);
  const Params fresh_scaler = state_.optimizer.filter(scaler);
  const Params saved_scaler = saved.filter(scaler);
  const bool keep = !fresh_scaler.empty() && saved_scaler.size() == fresh_scaler.size();
  return restored.merge(keep ? with_saved_values(fresh_scaler, saved_scaler, file) : fresh_scaler);
}

std::vector<MicroBatch> Trainer::next_group() {
  // One update per `accumulate` batches (the last group of an epoch may be smaller).
  std::vector<MicroBatch> group;
  while (static_cast<int64_t>(group.size()) < run_.train.accumulate) {
    auto b = loader_.next();
    if (!b) break;
    group.emplace_back(batch_to_device(b->inputs, device_), batch_to_device(b->targets, device_));
  }
  return group;
}

void Trainer::step_on(const std::vector<MicroBatch>& group) {
  const auto started = Clock::now();
  lr_ = schedule_ ? schedule_->lr(step_) : run_.optimizer->learning_rate();
  const Layer& model = *prepared_.model.layer;
  StepResult r = group.size() == 1 ? train_step(model, *run_.optimizer, loss_, std::move(state_), group[0].first,
                                                group[0].second, lr_, transform_grads_, numerics_)
                                   : train_step_accumulated(model, *run_.optimizer, loss_, std::move(state_), group,
                                                            lr_, transform_grads_, numerics_);
  signal_ = dp_.agreed_signal();
  losses_.add(r.loss, step_ + 1);
  require_finite_loss(/*read_device=*/false);
  state_ = std::move(r.next);
  ++step_;
  if (!ema_.empty()) ema_ = update_ema(std::move(ema_), state_.trainable, *run_.train.ema, step_);
  int64_t examples = 0;
  for (const auto& micro : group) examples += micro.first.size(0) * dp_.world_size();  // global
  const double seconds = seconds_since(started);
  for (Window* w : {&row_window_, &epoch_window_}) {
    ++w->steps;
    w->examples += examples;
    w->seconds += seconds;
  }
  progress_.step(step_, epoch_, losses_, lr_, examples);
}

void Trainer::require_finite_loss(bool read_device) const {
  if (const auto bad = losses_.first_bad(read_device)) {
    const std::string saved = last_saved_step_ >= 0
                                  ? fmt::format("the last checkpoint in {} is the last good state", run_.checkpoint.dir)
                                  : "no checkpoint was saved yet";
    throw Error(fmt::format("the loss became {} at step {}; stopping without saving ({}); hint: lower the learning "
                            "rate or clip gradients", bad->loss, bad->step, saved));
  }
}

StopReason Trainer::serve(const Moment& m, const LoaderPosition& at) {
  const Due due = cadence_.due(m);
  // A GPU's losses are read here, before anything is recorded or saved.
  if (due.evaluate || due.record || due.save || m.signal != StopSignal::none || m.epoch_end) require_finite_loss(true);
  signal_ = StopSignal::none;
  bool new_best = false;
  bool early_stopped = false;
  Metrics metrics;
  const bool evaluate_now = due.evaluate && eval_loader_;
  if (evaluate_now || due.save) dp_.average_state(state_.state);  // each rank's batch-norm statistics
  if (evaluate_now) {
    const Params params = evaluation_params(saved_params(), /*use_ema=*/true);
    metrics = metrics_of(dp_.agree(evaluation_sums(*prepared_.model.layer, params, *eval_loader_, loss_, device_, numerics_.precision)),
                         run_.metrics);
    outcome_.metrics = metrics;
    new_best = best_.update(metrics);
    early_stopped = !stopping_.update(metrics) && !stopping_.metric().empty() &&
                    stopping_.evaluations_without_gain() >= run_.train.early_stopping_patience;
  }
  if (due.record || !metrics.empty()) {
    if (dp_.is_main()) {
      log_.record({step_, epoch_ + 1, lr_, row_window_.losses.mean_since(losses_), row_window_.examples_per_second(),
                   metrics, eval_split_});
    }
    row_window_ = {LossMark::at(losses_)};
  }
  const StopReason why = cadence_.stop_after(m, early_stopped);
  report(m, metrics, why != StopReason::none);
  if (due.save || new_best || early_stopped) save(at, at.epoch);  // epochs done: the loader's epoch
  if (new_best && dp_.is_main()) mark_best_checkpoint(run_.checkpoint.dir, step_);
  announce(m, why, early_stopped);
  return why;
}

void Trainer::report(const Moment& m, const Metrics& metrics, bool last) {
  const std::string evaluated = metrics.empty() ? "" : fmt::format("{}: {}", eval_split_, format_metrics(metrics));
  // The run's last figures are a result: shown under --quiet too.
  const auto show = [this, last](const std::string& text) { last ? progress_.result(text) : progress_.line(text); };
  if (m.epoch_end) {  // labelled: metrics.jsonl's train_loss is the mean since the previous row
    show(fmt::format("epoch {:3d}  step {:6d}  train loss (epoch mean) {:.4f}  {}{}{:.0f} examples/s  {}",
                               epoch_ + 1, step_, epoch_window_.losses.mean_since(losses_), evaluated,
                               metrics.empty() ? "" : "  ", epoch_window_.examples_per_second(),
                               format_duration(progress_.elapsed())));
    if (data_.train.stream) {  // data.skip_bad_files: what this epoch left out, said (a result: --quiet too)
      const std::vector<std::string> skipped = data_.train.stream->take_skipped();
      if (!skipped.empty()) {
        progress_.result(fmt::format("note: {} bad file read{} left out this epoch (data.skip_bad_files); first: {}",
                                     skipped.size(), skipped.size() == 1 ? "" : "s", skipped.front()));
      }
    }
  } else if (!metrics.empty()) {
    show(fmt::format("step {:6d}  (epoch {})  {}", step_, epoch_ + 1, evaluated));
  }
}

void Trainer::warn_if_selecting_on_test() const {
  std::vector<std::string> selecting;
  if (!run_.checkpoint.keep_best.empty()) selecting.push_back("checkpoint.keep_best " + run_.checkpoint.keep_best);
  if (!run_.train.early_stopping_metric.empty()) {
    selecting.push_back("train.early_stopping_metric " + run_.train.early_stopping_metric);
  }
  if (selecting.empty() || eval_split_ != "test") return;
  fmt::print(stderr,
             "warning: {} watch{} the test split (no data.validation_fraction): a model chosen on test data makes "
             "its test score optimistic; hint: hold out a validation split, e.g. data.validation_fraction: 0.1\n",
             fmt::join(selecting, " and "), selecting.size() == 1 ? "es" : "");
}

void Trainer::announce(const Moment& m, StopReason why, bool early_stopped) {
  if (early_stopped) {
    progress_.result(fmt::format("early stopping: {} did not improve on {:.4f} for {} evaluations", stopping_.metric(),
                               stopping_.best().value_or(0.0), stopping_.evaluations_without_gain()));
  }
  if (m.signal == StopSignal::save_and_continue) {
    progress_.line(fmt::format("SIGUSR1: checkpoint saved at step {} in {}; training goes on", step_, run_.checkpoint.dir));
    clear_stop_signal();
  }
  if (why == StopReason::interrupted || why == StopReason::terminated) {
    progress_.result(fmt::format("stopped by {} at step {}; checkpoint saved in {}",
                               why == StopReason::interrupted ? "SIGINT" : "SIGTERM", step_, run_.checkpoint.dir));
  }
}

TrainOutcome Trainer::finish(StopReason why) {
  outcome_.reason = why;
  outcome_.steps = step_;
  return outcome_;
}

void Trainer::save(const LoaderPosition& at, int64_t epochs_done) {
  if (last_saved_step_ == step_) return;
  dp_.require_identical(ema_.empty() ? state_.trainable : state_.trainable.merge(ema_), step_);
  if (dp_.is_main()) {  // rank 0's state is every rank's (same params, averaged statistics)
    auto on_host = [](const std::string&, const Param& p) { return p.value.cpu(); };
    Checkpoint c{saved_params().map(on_host), state_.optimizer.map(on_host), step_, epochs_done, at,
                 prepared_.document.dump(), {}};
    best_.save(c.tracking);
    stopping_.save(c.tracking);
    row_window_.save(losses_, "since_row", c.tracking);
    if (at.epoch == epoch_) epoch_window_.save(losses_, "epoch", c.tracking);  // saved mid-epoch: it goes on
    save_run_checkpoint(run_.checkpoint.dir, c, run_.checkpoint.keep_last);
  }
  dp_.barrier();  // no rank goes on (or stops) before the checkpoint is complete
  last_saved_step_ = step_;
}

TrainOutcome Trainer::run() {
  if (cadence_.at_max_steps(step_) || epoch_ >= run_.train.epochs) {  // resumed with nothing left to do
    if (dp_.is_main()) {
      fmt::print(stderr, "{}: the run is already finished (step {}, {} of {} epochs): nothing left to train\n",
                 run_.checkpoint.dir, step_, epoch_, run_.train.epochs);
    }
    return finish(cadence_.at_max_steps(step_) ? StopReason::max_steps : StopReason::finished);
  }
  for (; epoch_ < run_.train.epochs; ++epoch_) {
    loader_.seek(position_.epoch == epoch_ ? position_ : LoaderPosition{epoch_, 0});
    position_ = {epoch_ + 1, 0};
    for (auto group = next_group(); !group.empty(); group = next_group()) {
      step_on(group);
      const LoaderPosition at = loader_.position();
      const bool mid_epoch = at.epoch == epoch_ && at.batch < loader_.batches_per_epoch();
      if (cadence_.at_max_steps(step_)) {  // the run's last epoch ends here
        // A resumed run (with a larger max_steps) goes on from this batch, not the next epoch.
        if (mid_epoch) position_ = at;
        break;
      }
      if (!mid_epoch) continue;  // the epoch's end serves this point
      const StopReason why = serve(Moment::mid_epoch(step_, epoch_, signal_), at);
      if (why != StopReason::none) return finish(why);
    }
    const StopReason why = serve(Moment::end_of_epoch(step_, epoch_, epoch_window_.steps > 0, signal_), position_);
    epoch_window_ = {LossMark::at(losses_)};
    if (why != StopReason::none) return finish(why);
  }
  return finish(StopReason::finished);
}

}  // namespace

std::string resume_run_directory(const std::string& resume) {
  std::error_code ec;
  if (fs::is_directory(resume, ec)) return resume;
  if (!fs::exists(resume, ec)) throw ConfigError(fmt::format("--resume {}: no such checkpoint or run directory", resume));
  const std::string folder = fs::path(resume).parent_path().string();
  return folder.empty() ? "." : folder;
}

TrainOutcome train(const PreparedRun& prepared, const TrainOptions& options) {
  // What can be refused is refused before anything is written.
  const LaunchEnv env = launch_env();
  const c10::Device device = resolve_device(prepared.run.device, env.local_rank);
  if (const auto problem = precision_problem(precision_from_name(prepared.run.train.precision), device)) {
    throw ConfigError(fmt::format("train.precision: {}, and this run is on the CPU (device: {}); hint: {}",
                                  problem->message, prepared.run.device, problem->hint));
  }
  // A resume never writes into another run (blox train points checkpoint.dir at the resumed one).
  // Rank 0 reads and writes the run directory; another rank checks it only where it sees it (a
  // shared file system), and follows rank 0's choice below.
  std::error_code ec;
  const bool sees_run = env.rank == 0 || fs::exists(prepared.run.checkpoint.dir, ec);
  if (!options.resume.empty() && sees_run) {
    const std::string resumed = resume_run_directory(options.resume);
    if (!fs::equivalent(resumed, prepared.run.checkpoint.dir, ec)) {
      throw ConfigError(fmt::format("--resume {} continues the run in {}, but checkpoint.dir is '{}'; a resume writes "
                                    "only into the directory it resumes; hint: --set checkpoint.dir={}",
                                    options.resume, resumed, prepared.run.checkpoint.dir, resumed));
    }
  }
  // Rank 0 owns the run directory for the run's life (the other ranks never write to it).
  std::optional<RunLock> lock;
  if (env.rank == 0) {
    lock.emplace(prepared.run.checkpoint.dir);
    if (const int removed = remove_partial_saves(prepared.run.checkpoint.dir); removed > 0 && !options.quiet) {
      fmt::print("removed {} partial checkpoint file(s) a killed save left in {}\n", removed, prepared.run.checkpoint.dir);
    }
  }
  TrainOptions chosen = options;
  if (!options.resume.empty() && !holds_checkpoint(options.resume) &&
      fs::equivalent(options.resume, prepared.run.checkpoint.dir, ec)) {
    // Stopped before its first save: nothing to continue, so the run starts over in place.
    if (!options.quiet && env.rank == 0) {
      fmt::print("{} holds no checkpoint yet (the run stopped before its first save): starting it from the beginning\n",
                 options.resume);
    }
    chosen.resume.clear();
  } else if (options.resume.empty() && sees_run) {
    require_no_earlier_run(prepared.run.checkpoint.dir);
  }
  if (prepared.run.threads > 0) set_compute_threads(static_cast<int>(prepared.run.threads));
  // Every rank has checked the directory before it joins, so before rank 0 writes to it.
  const DataParallel dp(env, prepared.run.dist, device);
  // Rank 0 decides whether the run starts or resumes (it alone reads the checkpoint and sends the
  // state): the others follow, whatever they see of the run directory (none of it, on nodes that
  // share no file system with rank 0's).
  if (dp.distributed()) chosen.resume = dp.same_as_main(chosen.resume);
  Trainer trainer(prepared, chosen, dp, device);
  return trainer.run();
}

}  // namespace bx
