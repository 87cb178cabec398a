// The loop reads as: for each epoch, for each group of batches, step; at every point between
// steps, serve what the Cadence says is due (evaluate, record a row, save) and stop when it
// gives a reason. Stop requests (signals, max_steps, early stopping) are served between steps
// only, so every checkpoint holds a consistent state; a bad loss throws from the step.
#include "blox/train/trainer.h"

#include <chrono>
#include <cmath>
#include <csignal>

#include <ATen/Parallel.h>
#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/io/checkpoint.h"
#include "blox/io/run_directory.h"
#include "blox/optim/clipping.h"
#include "blox/train/cadence.h"
#include "blox/train/device.h"
#include "blox/train/finetune.h"
#include "blox/optim/loss.h"
#include "blox/train/metric_watch.h"
#include "blox/train/progress.h"
#include "blox/train/run_data.h"
#include "blox/train/run_log.h"
#include "blox/train/stop_signals.h"

namespace bx {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

LoaderSettings loader_settings(LoaderSettings settings, c10::Device device) {
  settings.pin_memory = device.is_cuda();
  return settings;
}

CadenceSettings cadence_settings(const RunConfig& run) {
  const TrainConfig& t = run.train;
  return {t.epochs, t.max_steps, t.eval_every_epochs, t.eval_every_steps, t.log_every_steps,
          run.checkpoint.every_epochs, run.checkpoint.every_steps};
}

StopSignal pending_signal() {
  switch (pending_stop_signal()) {
    case SIGINT:
      return StopSignal::interrupt;
    case SIGTERM:
      return StopSignal::terminate;
    case SIGUSR1:
      return StopSignal::save_and_continue;
    default:
      return StopSignal::none;
  }
}

// Statistics of a stretch of steps (since the last metrics row; since the epoch began).
struct Window {
  double loss_sum = 0;
  int64_t steps = 0;
  int64_t examples = 0;
  double seconds = 0;  ///< training time only (no evaluation, no saving)

  double mean_loss() const { return loss_sum / static_cast<double>(std::max<int64_t>(steps, 1)); }
  double examples_per_second() const { return static_cast<double>(examples) / std::max(seconds, 1e-9); }
};

class Trainer {
 public:
  Trainer(const PreparedRun& prepared, const TrainOptions& options);
  ~Trainer() { progress_.finish(); }
  TrainOutcome run();

 private:
  /// The dummy pass's params, with the text vocabulary stored when there is one.
  Params initial_params() const;
  void restore(const std::string& resume);
  void start_fresh();
  std::vector<MicroBatch> next_group();
  void step_on(const std::vector<MicroBatch>& group);
  /// Serves what the cadence says `m` calls for; `at` is where a resumed run would continue.
  /// Returns why the run stops there (none: it goes on).
  StopReason serve(const Moment& m, const LoaderPosition& at);
  /// The epoch summary line, or a mid-epoch evaluation's line.
  void report(const Moment& m, const Metrics& metrics);
  /// The lines that say why the run stops (or that SIGUSR1 saved), after the save.
  void announce(const Moment& m, StopReason why, bool early_stopped);
  TrainOutcome finish(StopReason why);
  void save(const LoaderPosition& at, int64_t epochs_done);
  int64_t total_steps() const;

  const PreparedRun& prepared_;
  const RunConfig& run_;
  const Cadence cadence_;
  const c10::Device device_;
  const RunData data_;
  Loader loader_;
  std::unique_ptr<Loader> eval_loader_;
  const LossFn loss_;
  GradTransform transform_grads_;
  RunLog log_;
  Progress progress_;
  MetricWatch best_;
  MetricWatch stopping_;

  TrainState state_;
  int64_t step_ = 0;
  int64_t epoch_ = 0;  ///< the epoch being trained (0-based) = epochs completed before it
  LoaderPosition position_;
  double lr_ = 0;
  int64_t last_saved_step_ = -1;
  Window row_window_;
  Window epoch_window_;
  TrainOutcome outcome_;
};

Trainer::Trainer(const PreparedRun& prepared, const TrainOptions& options)
    : prepared_(prepared),
      run_(prepared.run),
      cadence_(cadence_settings(run_)),
      device_(resolve_device(run_.device)),
      data_(load_run_data(run_.data, run_.seed)),
      loader_(data_.train, loader_settings(run_.data.loader, device_), run_.data.transforms),
      loss_(make_loss(run_.loss)),
      log_(run_.checkpoint.dir, run_.metrics),
      progress_({options.quiet, options.terminal, run_.train.log_every_steps, total_steps(), run_.train.epochs,
                 /*redraw_seconds=*/0.2, options.columns}),
      best_("keep_best", run_.checkpoint.keep_best),
      stopping_("early_stopping", run_.train.early_stopping_metric) {
  if (data_.evaluation) {
    eval_loader_ = std::make_unique<Loader>(*data_.evaluation, evaluation_loader_settings(run_.data),
                                            evaluation_transforms(run_.data));
  }
  if (run_.train.clip_grad_value > 0 || run_.train.clip_grad_norm > 0) {
    transform_grads_ = [value = run_.train.clip_grad_value, norm = run_.train.clip_grad_norm](Params grads) {
      if (value > 0) grads = clip_by_value(grads, value);
      if (norm > 0) grads = clip_by_global_norm(grads, norm).grads;
      return grads;
    };
  }
  lr_ = run_.optimizer->learning_rate();
  if (options.resume.empty()) {
    start_fresh();
  } else {
    restore(options.resume);
  }
}

int64_t Trainer::total_steps() const {
  const int64_t per_epoch = (loader_.batches_per_epoch() + run_.train.accumulate - 1) / run_.train.accumulate;
  const int64_t all = per_epoch * run_.train.epochs;
  return run_.train.max_steps > 0 ? std::min(all, run_.train.max_steps) : all;
}

Params Trainer::initial_params() const {
  const Params& params = prepared_.model.params;
  return data_.vocabulary ? data_.vocabulary->store(params.unlocked()).locked() : params;
}

void Trainer::start_fresh() {
  Params params = initial_params();
  if (!run_.finetune.init_from.empty()) {
    FinetuneStart start = init_from_checkpoint(params, run_.finetune);
    progress_.line(start.report);
    params = std::move(start.params);
  }
  state_ = make_train_state(params_to_device(params, device_), *run_.optimizer);
  log_.write_config(prepared_.document.dump());
}

void Trainer::restore(const std::string& resume) {
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
  Params params = initial_params();
  if (c.params.size() != params.size()) {
    throw CheckpointError(fmt::format("{}: holds {} params, this config's model {}; expected the same model", file,
                                      c.params.size(), params.size()));
  }
  // The config's structure (order, flags) with the checkpoint's values, path by path.
  params = params.map([&](const std::string& path, const Param& p) {
    const Param* saved = c.params.find(path);
    if (saved == nullptr || saved->value.sizes() != p.value.sizes()) {
      throw CheckpointError(fmt::format("{}: param '{}' is missing or has another shape; expected this config's model",
                                        file, path));
    }
    return saved->value;
  });
  state_ = make_train_state(params_to_device(params, device_), *run_.optimizer);
  state_.optimizer = params_to_device(c.optimizer, device_);
  step_ = c.step;
  epoch_ = c.epoch;
  position_ = c.loader;
  best_.restore(c.tracking);
  stopping_.restore(c.tracking);
  last_saved_step_ = step_;
  log_.truncate_after(step_);
  progress_.line(fmt::format("resuming from {} at step {} (epoch {}, batch {})", file, step_, position_.epoch + 1,
                             position_.batch));
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
  lr_ = run_.schedule ? run_.schedule->lr(step_) : run_.optimizer->learning_rate();
  const Layer& model = *prepared_.model.layer;
  StepResult r = group.size() == 1 ? train_step(model, *run_.optimizer, loss_, std::move(state_), group[0].first,
                                                group[0].second, lr_, transform_grads_)
                                   : train_step_accumulated(model, *run_.optimizer, loss_, std::move(state_), group,
                                                            lr_, transform_grads_);
  const double loss = r.loss.item<double>();
  if (!std::isfinite(loss)) {
    throw Error(fmt::format("the loss became {} at step {}; stopping without saving (the last checkpoint in {} "
                            "is the last good state); hint: lower the learning rate or clip gradients",
                            loss, step_ + 1, run_.checkpoint.dir));
  }
  state_ = std::move(r.next);
  ++step_;
  int64_t examples = 0;
  for (const auto& micro : group) examples += micro.first.size(0);
  const double seconds = seconds_since(started);
  for (Window* w : {&row_window_, &epoch_window_}) {
    w->loss_sum += loss;
    ++w->steps;
    w->examples += examples;
    w->seconds += seconds;
  }
  progress_.step(step_, epoch_, loss, lr_, examples);
}

StopReason Trainer::serve(const Moment& m, const LoaderPosition& at) {
  const Due due = cadence_.due(m);
  bool new_best = false;
  bool early_stopped = false;
  Metrics metrics;
  if (due.evaluate && eval_loader_) {
    metrics = evaluate(*prepared_.model.layer, state_.trainable.merge(state_.state), *eval_loader_, loss_, run_.metrics,
                       device_);
    outcome_.metrics = metrics;
    new_best = best_.update(metrics);
    early_stopped = !stopping_.update(metrics) && !stopping_.metric().empty() &&
                    stopping_.evaluations_without_gain() >= run_.train.early_stopping_patience;
  }
  if (due.record || !metrics.empty()) {
    log_.record({step_, epoch_ + 1, lr_, row_window_.mean_loss(), row_window_.examples_per_second(), metrics});
    row_window_ = {};
  }
  report(m, metrics);
  const StopReason why = cadence_.stop_after(m, early_stopped);
  if (due.save || new_best || early_stopped) save(at, m.epoch_end ? m.epoch + 1 : m.epoch);
  if (new_best) mark_best_checkpoint(run_.checkpoint.dir, step_);
  announce(m, why, early_stopped);
  return why;
}

void Trainer::report(const Moment& m, const Metrics& metrics) {
  if (m.epoch_end) {
    progress_.line(fmt::format("epoch {:3d}  step {:6d}  train loss {:.4f}  {}{}{:.0f} examples/s  {}", epoch_ + 1,
                               step_, epoch_window_.mean_loss(), format_metrics(metrics), metrics.empty() ? "" : "  ",
                               epoch_window_.examples_per_second(), format_duration(progress_.elapsed())));
  } else if (!metrics.empty()) {
    progress_.line(fmt::format("step {:6d}  (epoch {})  {}", step_, epoch_ + 1, format_metrics(metrics)));
  }
}

void Trainer::announce(const Moment& m, StopReason why, bool early_stopped) {
  if (early_stopped) {
    progress_.line(fmt::format("early stopping: {} did not improve on {:.4f} for {} evaluations", stopping_.metric(),
                               stopping_.best().value_or(0.0), stopping_.evaluations_without_gain()));
  }
  if (m.signal == StopSignal::save_and_continue) {
    progress_.line(fmt::format("SIGUSR1: checkpoint saved at step {} in {}; training goes on", step_, run_.checkpoint.dir));
    clear_stop_signal();
  }
  if (why == StopReason::interrupted || why == StopReason::terminated) {
    progress_.line(fmt::format("stopped by {} at step {}; checkpoint saved in {}",
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
  auto on_host = [](const std::string&, const Param& p) { return p.value.cpu(); };
  Checkpoint c{state_.trainable.merge(state_.state).map(on_host), state_.optimizer.map(on_host), step_, epochs_done, at,
               prepared_.document.dump(), {}};
  best_.save(c.tracking);
  stopping_.save(c.tracking);
  save_run_checkpoint(run_.checkpoint.dir, c, run_.checkpoint.keep_last);
  last_saved_step_ = step_;
}

TrainOutcome Trainer::run() {
  for (; epoch_ < run_.train.epochs; ++epoch_) {
    loader_.seek(position_.epoch == epoch_ ? position_ : LoaderPosition{epoch_, 0});
    for (auto group = next_group(); !group.empty(); group = next_group()) {
      step_on(group);
      if (cadence_.at_max_steps(step_)) break;  // the epoch ends here
      const LoaderPosition at = loader_.position();
      if (at.epoch != epoch_ || at.batch == loader_.batches_per_epoch()) continue;  // its end serves this point
      const StopReason why = serve({step_, epoch_, false, true, pending_signal()}, at);
      if (why != StopReason::none) return finish(why);
    }
    position_ = {epoch_ + 1, 0};
    const StopReason why = serve({step_, epoch_, true, epoch_window_.steps > 0, pending_signal()}, position_);
    epoch_window_ = {};
    if (why != StopReason::none) return finish(why);
  }
  return finish(StopReason::finished);
}

}  // namespace

TrainOutcome train(const PreparedRun& prepared, const TrainOptions& options) {
  if (options.resume.empty()) require_no_earlier_run(prepared.run.checkpoint.dir);
  if (prepared.run.threads > 0) at::set_num_threads(static_cast<int>(prepared.run.threads));
  Trainer trainer(prepared, options);
  return trainer.run();
}

}  // namespace bx
