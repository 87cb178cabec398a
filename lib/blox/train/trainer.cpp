// The loop reads as: for each epoch, for each batch, step; then evaluate and checkpoint. Stop
// requests (signals, max_steps, bad losses) are checked between steps only, so every
// checkpoint holds a consistent state.
#include "blox/train/trainer.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "blox/core/errors.h"
#include "blox/core/glob.h"
#include "blox/io/checkpoint.h"
#include "blox/io/run_directory.h"
#include "blox/optim/clipping.h"
#include "blox/train/loss.h"
#include "blox/train/run_data.h"

namespace bx {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::atomic<int> g_stop_signal{0};

void on_signal(int signal) {
  if (signal == SIGINT && g_stop_signal.load() == SIGINT) _exit(130);  // second Ctrl-C: now
  g_stop_signal.store(signal);
}

c10::Device resolve_device(const std::string& name) {
  if (name == "cpu") return c10::kCPU;
  if (at::hasCUDA()) return c10::Device(c10::kCUDA, 0);
  if (name == "auto") return c10::kCPU;
  throw ConfigError("device 'cuda': this build of libtorch has no CUDA support (Debian's libtorch is CPU-only); "
                    "hint: use device: cpu or auto, or build against a CUDA libtorch with -DBLOX_TORCH_DIR");
}

Params to_device(const Params& params, c10::Device device) {
  if (device.is_cpu()) return params;
  // Integer scalars (Rng seed and counter, step counts) stay on the host: read every step.
  return params.map([&](const std::string&, const Param& p) {
    return p.value.is_floating_point() ? p.value.to(device) : p.value;
  });
}

// Params from a fine-tuning checkpoint, copied by path (after rename rules) where shapes match.
Params init_from(const Params& fresh, const FinetuneConfig& finetune, bool quiet) {
  const Checkpoint source = load_checkpoint(finetune.init_from);
  std::map<std::string, at::Tensor> available;
  for (size_t i = 0; i < source.params.size(); ++i) {
    std::string path = source.params.key(i);
    for (const auto& [from, to] : finetune.rename) {
      if (glob_match(from, path)) path = to;
    }
    available[path] = source.params.param(i).value;
  }
  int copied = 0, created = 0, skipped = 0;
  std::string report;
  Params out = fresh.map([&](const std::string& path, const Param& p) {
    auto it = available.find(path);
    if (it == available.end()) {
      ++created;
      report += fmt::format("  new      {}\n", path);
      return p.value;
    }
    if (it->second.sizes() != p.value.sizes()) {
      ++skipped;
      report += fmt::format("  skipped  {} (checkpoint {}, model {})\n", path, format_shape(it->second.sizes()),
                            format_shape(p.value.sizes()));
      return p.value;
    }
    ++copied;
    return it->second.to(p.value.scalar_type());
  });
  const int64_t unused = static_cast<int64_t>(available.size()) - copied - skipped;
  if (!quiet) {
    fmt::print("init_from {}: {} copied, {} new, {} skipped (shape), {} in the checkpoint unused\n{}", finetune.init_from,
               copied, created, skipped, unused, report);
  }
  if (finetune.strict && (created > 0 || skipped > 0 || unused > 0)) {
    throw ConfigError(fmt::format("finetune.strict: {} new, {} skipped and {} unused params; expected an exact match",
                                  created, skipped, unused));
  }
  return out;
}

class RunFiles {
 public:
  RunFiles(const std::string& dir, const std::vector<std::string>& metrics) : dir_(dir), metrics_(metrics) {
    fs::create_directories(dir);
  }
  void write_config(const std::string& yaml) const { std::ofstream(fs::path(dir_) / "config.yaml") << yaml; }
  void record(int64_t step, int64_t epoch, double lr, double train_loss, double examples_per_second,
              const Metrics& m) const {
    nlohmann::json row = {{"step", step},
                          {"epoch", epoch},
                          {"lr", lr},
                          {"train_loss", train_loss},
                          {"examples_per_second", examples_per_second}};
    for (const auto& [k, v] : m) row[k] = v;
    std::ofstream(fs::path(dir_) / "metrics.jsonl", std::ios::app) << row.dump() << "\n";
    const fs::path csv = fs::path(dir_) / "metrics.csv";
    const bool fresh = !fs::exists(csv);
    std::ofstream out(csv, std::ios::app);
    if (fresh) {
      out << "step,epoch,lr,train_loss,examples_per_second";
      for (const auto& name : metrics_) out << "," << name;
      out << "\n";
    }
    out << fmt::format("{},{},{},{},{:.1f}", step, epoch, lr, train_loss, examples_per_second);
    for (const auto& name : metrics_) out << "," << (m.count(name) ? fmt::format("{}", m.at(name)) : "");
    out << "\n";
  }

 private:
  std::string dir_;
  std::vector<std::string> metrics_;
};

}  // namespace

void install_stop_handlers() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGUSR1, on_signal);
}

TrainOutcome train(const PreparedRun& prepared, const TrainOptions& options) {
  const RunConfig& run = prepared.run;
  const c10::Device device = resolve_device(run.device);
  if (run.threads > 0) at::set_num_threads(static_cast<int>(run.threads));
  const RunData data = load_run_data(run.data, run.seed);
  std::vector<std::shared_ptr<const Transform>> eval_transforms;
  for (const auto& t : run.data.transforms) {
    if (std::dynamic_pointer_cast<const Normalize>(t)) eval_transforms.push_back(t);
  }
  Loader loader(data.train, run.data.loader, run.data.transforms);
  LoaderSettings eval_settings = run.data.loader;
  eval_settings.shuffle = false;
  std::unique_ptr<Loader> eval_loader;
  if (data.evaluation) eval_loader = std::make_unique<Loader>(*data.evaluation, eval_settings, eval_transforms);

  Params params = prepared.model.params;
  if (data.vocabulary) params = data.vocabulary->store(params.unlocked()).locked();
  const LossFn loss = make_loss(run.loss);
  const Optimizer& optimizer = *run.optimizer;
  TrainState state;
  int64_t step = 0, epoch = 0;
  LoaderPosition position;
  if (!options.resume.empty()) {
    std::string file;
    Checkpoint c;
    for (const auto& candidate : resume_candidates(options.resume)) {
      try {
        c = load_checkpoint(candidate);
        file = candidate;
        break;
      } catch (const CheckpointError& e) {
        fmt::print(stderr, "warning: cannot resume from {}: {}; trying an older checkpoint\n", candidate, e.what());
      }
    }
    if (file.empty()) throw CheckpointError(fmt::format("{}: no readable checkpoint to resume from", options.resume));
    // The config's structure (order, flags) with the checkpoint's values, path by path.
    if (c.params.size() != params.size()) {
      throw CheckpointError(fmt::format("{}: holds {} params, this config's model {}; expected the same model", file,
                                        c.params.size(), params.size()));
    }
    params = params.map([&](const std::string& path, const Param& p) {
      const Param* saved = c.params.find(path);
      if (saved == nullptr || saved->value.sizes() != p.value.sizes()) {
        throw CheckpointError(fmt::format("{}: param '{}' is missing or has another shape; expected this config's model",
                                          file, path));
      }
      return saved->value;
    });
    state = make_train_state(to_device(params, device), optimizer);
    state.optimizer = to_device(c.optimizer, device);
    step = c.step;
    epoch = c.epoch;
    position = c.loader;
    if (!options.quiet) fmt::print("resuming from {} at step {} (epoch {}, batch {})\n", file, step, position.epoch, position.batch);
  } else {
    if (!run.finetune.init_from.empty()) params = init_from(params, run.finetune, options.quiet);
    state = make_train_state(to_device(params, device), optimizer);
  }

  RunFiles files(run.checkpoint.dir, run.metrics);
  if (options.resume.empty()) files.write_config(prepared.document.dump());
  auto checkpoint = [&](const LoaderPosition& at, int64_t epochs_done) {
    Checkpoint c{state.trainable.merge(state.state).map([](const std::string&, const Param& p) { return p.value.cpu(); }),
                 state.optimizer.map([](const std::string&, const Param& p) { return p.value.cpu(); }),
                 step, epochs_done, at, prepared.document.dump()};
    save_run_checkpoint(run.checkpoint.dir, c, run.checkpoint.keep_last);
  };
  const GradTransform clip = [&run](Params grads) {
    if (run.train.clip_grad_value > 0) grads = clip_by_value(grads, run.train.clip_grad_value);
    if (run.train.clip_grad_norm > 0) grads = clip_by_global_norm(grads, run.train.clip_grad_norm).grads;
    return grads;
  };
  const bool clipping = run.train.clip_grad_value > 0 || run.train.clip_grad_norm > 0;

  TrainOutcome outcome;
  auto lower_is_better = [](const std::string& metric) { return metric == "loss" || metric == "perplexity"; };
  auto improves = [&](const std::string& metric, double value, double reference) {
    return lower_is_better(metric) ? value < reference : value > reference;
  };
  double best = 0, stopping_best = 0;
  bool have_best = false, have_stopping_best = false;
  int64_t evaluations_without_gain = 0;
  const auto started = Clock::now();
  for (; epoch < run.train.epochs; ++epoch) {
    loader.seek(position.epoch == epoch ? position : LoaderPosition{epoch, 0});
    double loss_sum = 0;
    int64_t loss_count = 0, examples = 0;
    double lr = optimizer.learning_rate();
    const auto epoch_started = Clock::now();
    // One update per `accumulate` batches (the last group of an epoch may be smaller).
    auto next_group = [&] {
      std::vector<MicroBatch> group;
      while (static_cast<int64_t>(group.size()) < run.train.accumulate) {
        auto b = loader.next();
        if (!b) break;
        group.emplace_back(b->inputs.to(device), b->targets.to(device));
      }
      return group;
    };
    for (auto group = next_group(); !group.empty(); group = next_group()) {
      lr = run.schedule ? run.schedule->lr(step) : optimizer.learning_rate();
      const GradTransform transform = clipping ? clip : GradTransform{};
      StepResult r = group.size() == 1
                         ? train_step(*prepared.model.layer, optimizer, loss, std::move(state), group[0].first,
                                      group[0].second, lr, transform)
                         : train_step_accumulated(*prepared.model.layer, optimizer, loss, std::move(state), group, lr,
                                                  transform);
      const double value = r.loss.item<double>();
      if (!std::isfinite(value)) {
        throw Error(fmt::format("the loss became {} at step {}; stopping without saving (the last checkpoint in {} "
                                "is the last good state); hint: lower the learning rate or clip gradients",
                                value, step + 1, run.checkpoint.dir));
      }
      state = std::move(r.next);
      for (const auto& micro : group) examples += micro.first.size(0);
      ++step;
      loss_sum += value;
      ++loss_count;
      if (!options.quiet && run.train.log_every_steps > 0 && step % run.train.log_every_steps == 0) {
        const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
        fmt::print("step {:6d}  epoch {:3d}  loss {:.4f}  lr {:.3g}  {:.0f} s\n", step, epoch + 1, value, lr, seconds);
        std::fflush(stdout);
      }
      const int signal = g_stop_signal.load();
      if (signal != 0) {
        checkpoint(loader.position(), epoch);
        if (!options.quiet) fmt::print("stopped by signal {} at step {}; checkpoint saved in {}\n", signal, step, run.checkpoint.dir);
        outcome.exit_code = signal == SIGINT ? 130 : signal == SIGTERM ? 143 : 0;
        outcome.steps = step;
        if (signal != SIGUSR1) return outcome;
        g_stop_signal.store(0);
      }
      if (run.checkpoint.every_steps > 0 && step % run.checkpoint.every_steps == 0) checkpoint(loader.position(), epoch);
      if (run.train.max_steps > 0 && step >= run.train.max_steps) break;
    }
    const double train_seconds = std::chrono::duration<double>(Clock::now() - epoch_started).count();
    const double examples_per_second = static_cast<double>(examples) / std::max(train_seconds, 1e-9);
    const bool last_epoch = epoch + 1 == run.train.epochs || (run.train.max_steps > 0 && step >= run.train.max_steps);
    if (eval_loader && (last_epoch || (epoch + 1) % std::max<int64_t>(1, run.train.eval_every_epochs) == 0)) {
      outcome.metrics = evaluate(*prepared.model.layer, state.trainable.merge(state.state), *eval_loader, loss, run.metrics,
                                 device);
    }
    const double train_loss = loss_sum / static_cast<double>(std::max<int64_t>(loss_count, 1));
    files.record(step, epoch + 1, lr, train_loss, examples_per_second, outcome.metrics);
    if (!options.quiet) {
      fmt::print("epoch {:3d}  step {:6d}  train loss {:.4f}  {}  {:.0f} examples/s  {:.1f} s\n", epoch + 1, step,
                 train_loss, format_metrics(outcome.metrics), examples_per_second,
                 std::chrono::duration<double>(Clock::now() - started).count());
      std::fflush(stdout);
    }
    const LoaderPosition next{epoch + 1, 0};
    position = next;
    if (last_epoch || (run.checkpoint.every_epochs > 0 && (epoch + 1) % run.checkpoint.every_epochs == 0)) {
      checkpoint(next, epoch + 1);
      if (!run.checkpoint.keep_best.empty() && outcome.metrics.count(run.checkpoint.keep_best)) {
        const double m = outcome.metrics.at(run.checkpoint.keep_best);
        if (!have_best || improves(run.checkpoint.keep_best, m, best)) {
          best = m;
          have_best = true;
          mark_best_checkpoint(run.checkpoint.dir, step);
        }
      }
    }
    if (run.train.max_steps > 0 && step >= run.train.max_steps) break;
    const std::string& watched = run.train.early_stopping_metric;
    if (!watched.empty() && outcome.metrics.count(watched)) {
      const double m = outcome.metrics.at(watched);
      if (!have_stopping_best || improves(watched, m, stopping_best)) {
        stopping_best = m;
        have_stopping_best = true;
        evaluations_without_gain = 0;
      } else if (++evaluations_without_gain >= run.train.early_stopping_patience) {
        if (!last_epoch) checkpoint(next, epoch + 1);
        if (!options.quiet) {
          fmt::print("early stopping: {} did not improve on {:.4f} for {} evaluations\n", watched, stopping_best,
                     evaluations_without_gain);
        }
        break;
      }
    }
  }
  outcome.steps = step;
  return outcome;
}

}  // namespace bx
