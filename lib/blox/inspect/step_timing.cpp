#include "blox/inspect/step_timing.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

#include <c10/core/GradMode.h>
#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/core/grad.h"
#include "blox/runtime/device.h"
#include "blox/optim/loss.h"
#include "blox/train/run_data.h"
#include "blox/train/train_step.h"

namespace bx {
namespace {

// Median milliseconds of `iterations` calls after `warmup` untimed ones; `sync` waits for
// queued device work, so each call is timed to its end.
double median_ms(int iterations, int warmup, const std::function<void()>& sync, const std::function<void()>& body) {
  for (int i = 0; i < warmup; ++i) body();
  std::vector<double> ms;
  for (int i = 0; i < iterations; ++i) {
    sync();
    const auto start = std::chrono::steady_clock::now();
    body();
    sync();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::nth_element(ms.begin(), ms.begin() + static_cast<long>(ms.size() / 2), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

StepTimings time_training_step(const PreparedRun& prepared, int iterations, int warmup, c10::Device device) {
  if (iterations <= 0 || warmup < 0) {
    throw ConfigError(fmt::format("bench: iterations must be > 0 and warmup >= 0, got {} and {}", iterations, warmup));
  }
  const RunConfig& run = prepared.run;
  const RunData data = load_run_data(run.data, run.seed);
  LoaderSettings settings = run.data.loader;
  settings.prefetch = 0;
  Loader loader(data.train, settings, run.data.transforms);
  const std::optional<Batch> batch = loader.next();
  if (!batch) throw DataError("bench: the training data holds no batch");
  const Layer& model = *prepared.model.layer;
  const LossFn loss = make_loss(run.loss);
  Params params = prepared.model.params;
  if (data.vocabulary) params = data.vocabulary->store(params.unlocked()).locked();
  const StepNumerics numerics = StepNumerics::of(precision_from_name(run.train.precision));
  if (const auto problem = precision_problem(numerics.precision, device)) {
    throw ConfigError(fmt::format("bench: train.precision: {}; hint: {}", problem->message, problem->hint));
  }
  TrainState state = make_train_state(params_to_device(params, device), *run.optimizer, numerics);
  const at::Tensor x = batch_to_device(batch->inputs, device);
  const at::Tensor y = batch_to_device(batch->targets, device);

  const std::function<void()> sync = [&] { synchronize(device); };
  StepTimings t;
  t.batch_size = x.size(0);
  t.iterations = iterations;
  t.precision = precision_name(numerics.precision);
  t.device = device.str();
  // The train-mode forward and loss, as a step computes them (with the graph recorded).
  auto forward_loss = [&](const Params& trainable) {
    at::Tensor out;
    {
      AutocastScope autocast(numerics.precision, device);
      out = model(trainable.merge(state.state), x, Mode::train).first;
    }
    return loss(full_precision(out), y);
  };
  t.forward_ms = median_ms(iterations, warmup, sync, [&] { forward_loss(state.trainable.requiring_grad()); });
  t.forward_backward_ms = median_ms(iterations, warmup, sync, [&] {
    const Params trainable = state.trainable.requiring_grad();
    grad(forward_loss(trainable), trainable);
  });
  t.step_ms = median_ms(iterations, warmup, sync, [&] {
    state = train_step(model, *run.optimizer, loss, std::move(state), x, y, -1, {}, numerics).next;
  });
  t.eval_forward_ms = median_ms(iterations, warmup, sync, [&] {
    c10::NoGradGuard no_grad;
    AutocastScope autocast(numerics.precision, device);
    model(state.trainable.merge(state.state), x, Mode::eval);
  });
  return t;
}

}  // namespace bx
