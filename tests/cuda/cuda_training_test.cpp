// On a GPU: training matches the CPU, checkpoints cross devices, batches come through pinned
// memory, a training step never waits for the GPU, bench times to the end of the GPU's work,
// and bf16 / fp16 train (fp16 with its loss scale checkpointed and resumed exactly).
#include <chrono>

#ifdef BLOX_WITH_CUDA
#include <c10/cuda/CUDAFunctions.h>
#endif

#include "blox/config/model_builder.h"
#include "blox/io/checkpoint.h"
#include "blox/runtime/device.h"
#include "blox/train/loss_tally.h"
#include "blox/train/run_data.h"
#include "blox/inspect/step_timing.h"
#include "support/helpers.h"
#include "support/run_helpers.h"

using namespace bx;
using namespace bx::test;

namespace {

// The shipped CNN's layers (without dropout) on the subset.
std::string plain_cnn(int epochs, int every_steps) {
  return edited(plain_mlp_config(epochs, every_steps),
                "    - {type: flatten}\n    - {type: linear, name: hidden, output_size: 32}\n",
                "    - {type: conv2d, name: conv1, output_channels: 16, kernel_size: 3, padding: same}\n"
                "    - {type: batch_norm, name: bn1}\n    - {type: relu}\n    - {type: max_pool2d, window: 2}\n"
                "    - {type: flatten}\n    - {type: linear, name: hidden, output_size: 32}\n");
}


}  // namespace

TEST_CASE("cuda: the MLP and the CNN train on the GPU as on the CPU (same steps, within tolerance)") {
  for (const auto& [model, config, tolerance] :
       {std::tuple{"mlp", plain_mlp_config(1, 0), 1e-3}, std::tuple{"cnn", plain_cnn(1, 0), 2e-2}}) {
    const std::string name = model;  // CAPTURE takes a variable, not a binding
    CAPTURE(name);
    RunDir cpu, gpu;
    write(cpu.path / "c.yaml", config);
    write(gpu.path / "c.yaml", config);
    REQUIRE(blox(cpu.path, "train c.yaml --quiet --set device=cpu").exit_code == 0);
    const Result run = blox(gpu.path, "train c.yaml --quiet --set device=cuda");
    REQUIRE_MESSAGE(run.exit_code == 0, run.output);
    const double difference = max_relative_difference(last_checkpoint(gpu.path / "run").params, last_checkpoint(cpu.path / "run").params);
    MESSAGE(name, ": largest relative param difference GPU vs CPU after one epoch: ", difference);
    CHECK(difference < tolerance);
    // Bitwise the CPU's params would mean the GPU never ran (cuBLAS and cuDNN do not sum as the
    // CPU's kernels do): a device setting that is ignored fails here.
    CHECK(difference > 0);
  }
}

TEST_CASE("cuda: a checkpoint written on the GPU resumes on the CPU and the reverse; params cross bitwise") {
  RunDir straight, gpu_then_cpu, cpu_then_gpu;
  for (const auto* d : {&straight, &gpu_then_cpu, &cpu_then_gpu}) write(d->path / "c.yaml", plain_mlp_config(2, 10));
  REQUIRE(blox(straight.path, "train c.yaml --quiet --set device=cuda").exit_code == 0);
  REQUIRE(blox(gpu_then_cpu.path, "train c.yaml --quiet --set device=cuda --set train.max_steps=10").exit_code == 0);
  REQUIRE(blox(gpu_then_cpu.path, "train c.yaml --quiet --resume run --set device=cpu").exit_code == 0);
  REQUIRE(blox(cpu_then_gpu.path, "train c.yaml --quiet --set device=cpu --set train.max_steps=10").exit_code == 0);
  REQUIRE(blox(cpu_then_gpu.path, "train c.yaml --quiet --resume run --set device=cuda").exit_code == 0);
  CHECK(last_checkpoint(gpu_then_cpu.path / "run").step == last_checkpoint(straight.path / "run").step);
  CHECK(max_relative_difference(last_checkpoint(gpu_then_cpu.path / "run").params, last_checkpoint(straight.path / "run").params) < 1e-3);
  CHECK(max_relative_difference(last_checkpoint(cpu_then_gpu.path / "run").params, last_checkpoint(straight.path / "run").params) < 1e-3);

  // Params to the GPU and back, through a checkpoint file: the same bits.
  const Checkpoint c = last_checkpoint(straight.path / "run");
  Checkpoint on_gpu = c;
  on_gpu.params = params_to_device(c.params, c10::Device(c10::kCUDA, 0))
                      .map([](const std::string&, const Param& p) { return p.value.cpu(); });
  save_checkpoint((straight.path / "again.safetensors").string(), on_gpu);
  CHECK(bitwise_equal(load_checkpoint((straight.path / "again.safetensors").string()).params, c.params));
}

TEST_CASE("cuda: batches come from pinned memory with non-blocking copies") {
  const at::Tensor host = test::randn({64, 10}, 1);
  const at::Tensor device = batch_to_device(host, c10::Device(c10::kCUDA, 0));
  CHECK(device.is_cuda());
  CHECK(at::equal(device.cpu(), host));
  const Dataset data{test::randn({64, 10}, 2), at::zeros({64}, at::kLong), "test"};
  LoaderSettings settings;
  settings.batch_size = 16;
  settings.pin_memory = true;
  Loader loader(data, settings, {});
  const auto batch = loader.next();
  REQUIRE(batch.has_value());
  CHECK(batch->inputs.is_pinned());
  CHECK(batch->targets.is_pinned());
}

#ifdef BLOX_WITH_CUDA
TEST_CASE("cuda: training steps never wait for the GPU (libtorch's sync debug mode raises on any host sync)") {
  RunDir dir;
  write(dir.path / "c.yaml", plain_mlp_config(1, 0) + "device: cuda\n");
  const PreparedRun prepared = prepare_run((dir.path / "c.yaml").string(), {});
  const c10::Device gpu(c10::kCUDA, 0);
  const RunData data = load_run_data(prepared.run.data, prepared.run.seed);
  LoaderSettings settings = prepared.run.data.loader;
  settings.pin_memory = true;
  Loader loader(data.train, settings, prepared.run.data.transforms);
  TrainState state = make_train_state(params_to_device(prepared.model.params, gpu), *prepared.run.optimizer);
  const LossFn loss = make_loss(prepared.run.loss);
  const GradTransform clip = [](Params grads, at::Tensor&) { return clip_by_global_norm(grads, 1.0).grads; };
  LossTally losses(/*defer_reads=*/true);
  auto steps = [&](int n) {
    for (int i = 0; i < n; ++i) {
      const auto b = loader.next();
      REQUIRE(b.has_value());
      StepResult r = train_step(*prepared.model.layer, *prepared.run.optimizer, loss, std::move(state),
                                batch_to_device(b->inputs, gpu), batch_to_device(b->targets, gpu), 1e-3, clip);
      losses.add(r.loss, i + 1);
      state = std::move(r.next);
    }
  };
  steps(2);  // warm-up: first-use allocations and library handles may synchronize
  c10::cuda::warning_state().set_sync_debug_mode(c10::cuda::SyncDebugMode::L_ERROR);
  try {
    steps(10);
  } catch (...) {
    c10::cuda::warning_state().set_sync_debug_mode(c10::cuda::SyncDebugMode::L_DISABLED);
    FAIL("a training step synchronized with the GPU");
  }
  c10::cuda::warning_state().set_sync_debug_mode(c10::cuda::SyncDebugMode::L_DISABLED);
  CHECK(losses.count() == 12);
  CHECK(std::isfinite(losses.total()));  // read here, at a "log point"
}
#endif

TEST_CASE("cuda: blox bench times to the end of the GPU's work") {
  RunDir dir;
  // A step heavy enough that launching it takes far less time than running it.
  write(dir.path / "c.yaml", edited(edited(plain_mlp_config(1, 0), "output_size: 32", "output_size: 8192"), "batch_size: 50",
                                    "batch_size: 1000"));
  const PreparedRun prepared = prepare_run((dir.path / "c.yaml").string(), {"device=cuda"});
  const c10::Device gpu(c10::kCUDA, 0);
  const StepTimings t = time_training_step(prepared, 10, 3, gpu);
  CHECK(t.device == "cuda:0");
  CHECK(t.precision == "fp32");
  // The same steps timed from outside: ten of them, then one wait for the GPU.
  const RunData data = load_run_data(prepared.run.data, prepared.run.seed);
  Loader loader(data.train, prepared.run.data.loader, {});
  const auto b = loader.next();
  REQUIRE(b.has_value());
  const at::Tensor x = batch_to_device(b->inputs, gpu), y = batch_to_device(b->targets, gpu);
  const LossFn loss = make_loss(prepared.run.loss);
  TrainState state = make_train_state(params_to_device(prepared.model.params, gpu), *prepared.run.optimizer);
  for (int i = 0; i < 3; ++i) state = train_step(*prepared.model.layer, *prepared.run.optimizer, loss, std::move(state), x, y).next;
  synchronize(gpu);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) state = train_step(*prepared.model.layer, *prepared.run.optimizer, loss, std::move(state), x, y).next;
  synchronize(gpu);
  const double outside_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / 10;
  MESSAGE("train step: bench ", t.step_ms, " ms, timed from outside ", outside_ms, " ms");
  CHECK(t.step_ms > 0.5 * outside_ms);
  CHECK(t.step_ms < 2.0 * outside_ms);
}

TEST_CASE("cuda: bf16 and fp16 train; fp16's loss scale is checkpointed and a resumed run is bitwise the straight one") {
  for (const std::string precision : {"bf16", "fp16"}) {
    CAPTURE(precision);
    RunDir fp32, reduced;
    write(fp32.path / "c.yaml", plain_mlp_config(2, 10));
    write(reduced.path / "c.yaml", plain_mlp_config(2, 10));
    REQUIRE(blox(fp32.path, "train c.yaml --quiet --set device=cuda").exit_code == 0);
    const Result run = blox(reduced.path, "train c.yaml --quiet --set device=cuda --set train.precision=" + precision);
    REQUIRE_MESSAGE(run.exit_code == 0, run.output);
    const Checkpoint c = last_checkpoint(reduced.path / "run");
    for (size_t i = 0; i < c.params.size(); ++i) {
      CHECK_MESSAGE(!(at::isFloatingType(c.params.param(i).value.scalar_type()) &&
                      c.params.param(i).value.scalar_type() != at::kFloat), c.params.key(i));
    }
    CHECK(max_relative_difference(c.params, last_checkpoint(fp32.path / "run").params) < 0.1);
    CHECK((c.optimizer.find("optim/loss_scale/scale") != nullptr) == (precision == "fp16"));
  }
  RunDir straight, resumed;
  const std::string fp16 = " --quiet --set device=cuda --set train.precision=fp16";
  write(straight.path / "c.yaml", plain_mlp_config(2, 10));
  write(resumed.path / "c.yaml", plain_mlp_config(2, 10));
  REQUIRE(blox(straight.path, "train c.yaml" + fp16).exit_code == 0);
  REQUIRE(blox(resumed.path, "train c.yaml" + fp16 + " --set train.max_steps=10").exit_code == 0);
  REQUIRE(blox(resumed.path, "train c.yaml --resume run" + fp16).exit_code == 0);
  const Checkpoint a = last_checkpoint(straight.path / "run"), b = last_checkpoint(resumed.path / "run");
  CHECK(a.step == b.step);
  CHECK(bitwise_equal(a.params, b.params));
  CHECK(bitwise_equal(a.optimizer, b.optimizer));  // the loss scale and its clean-step count included
}
