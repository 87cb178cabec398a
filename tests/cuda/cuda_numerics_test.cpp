// On a GPU, asserted where the work happens: params, batches, gradients and losses live on the
// GPU; bf16 and fp16 steps compute otherwise than fp32 (a no-op autocast would not); an fp16
// overflow skips the update and halves the loss scale; this build reports CUDA and NCCL.
#include "blox/config/model_builder.h"
#include "blox/optim/loss_scaler.h"
#include "blox/runtime/backends.h"
#include "blox/runtime/device.h"
#include "blox/train/run_data.h"
#include "blox/train/train_step.h"
#include "support/helpers.h"
#include "support/run_helpers.h"
#include "support/skip.h"

using namespace bx;
using namespace bx::test;

namespace {

const c10::Device kGpu(c10::kCUDA, 0);

bool all_on_gpu(const Params& params) {
  for (size_t i = 0; i < params.size(); ++i) {
    const at::Tensor& v = params.param(i).value;
    if (at::isFloatingType(v.scalar_type()) && !v.is_cuda()) return false;
  }
  return true;
}

// The subset MLP without dropout or augmentation, on the GPU, and its first batch there.
struct GpuMlp {
  RunDir dir;
  PreparedRun prepared;
  at::Tensor x, y;

  GpuMlp() {
    write(dir.path / "c.yaml", plain_mlp_config(1, 0) + "device: cuda\n");
    prepared = prepare_run((dir.path / "c.yaml").string());
    const RunData data = load_run_data(prepared.run.data, prepared.run.seed);
    Loader loader(data.train, prepared.run.data.loader, prepared.run.data.transforms);
    const auto batch = loader.next();
    REQUIRE(batch.has_value());
    x = batch_to_device(batch->inputs, kGpu);
    y = batch_to_device(batch->targets, kGpu);
  }

  StepResult step(Precision precision, const at::Tensor& inputs) const {
    const StepNumerics numerics = StepNumerics::of(precision);
    TrainState state =
        make_train_state(params_to_device(prepared.model.params, kGpu), *prepared.run.optimizer, numerics);
    return train_step(*prepared.model.layer, *prepared.run.optimizer, make_loss(prepared.run.loss), std::move(state),
                      inputs, y, -1, {}, numerics);
  }
};

}  // namespace

TEST_CASE("cuda: params, batches, losses and updated params live on the GPU; bf16 and fp16 steps are not fp32's") {
  const GpuMlp mlp;
  CHECK(mlp.x.is_cuda());
  CHECK(mlp.y.is_cuda());
  CHECK(all_on_gpu(params_to_device(mlp.prepared.model.params, kGpu)));
  const StepResult fp32 = mlp.step(Precision::fp32, mlp.x);
  CHECK(fp32.loss.is_cuda());
  CHECK(all_on_gpu(fp32.next.trainable));
  CHECK(all_on_gpu(fp32.next.optimizer));
  for (const Precision precision : {Precision::bf16, Precision::fp16}) {
    const std::string name = precision_names()[static_cast<size_t>(precision)];
    CAPTURE(name);
    const StepResult reduced = mlp.step(precision, mlp.x);
    CHECK_FALSE(reduced.skipped);
    CHECK(all_on_gpu(reduced.next.trainable));
    // The params stay fp32; the forward ran in the reduced type: other bits, close values.
    CHECK((reduced.next.trainable.param(0).value.scalar_type() == at::kFloat));
    CHECK_FALSE(bitwise_equal(reduced.next.trainable, fp32.next.trainable));
    CHECK(reduced.loss.item<double>() == doctest::Approx(fp32.loss.item<double>()).epsilon(0.05));
    CHECK(reduced.loss.item<double>() != fp32.loss.item<double>());
  }
}

TEST_CASE("cuda: an fp16 overflow skips the update and halves the loss scale, on the GPU") {
  const GpuMlp mlp;
  // Inputs far past fp16's range (65504): the forward overflows, the gradients are not finite.
  const StepResult overflow = mlp.step(Precision::fp16, mlp.x * 1e6);
  CHECK(overflow.skipped);
  CHECK(LossScaler::scale(overflow.next.optimizer) == 32768.0);
  // No update: the trainable params are the initial ones, bit for bit.
  CHECK(bitwise_equal(overflow.next.trainable, params_to_device(mlp.prepared.model.params, kGpu).split().first));
  const StepResult clean = mlp.step(Precision::fp16, mlp.x);
  CHECK_FALSE(clean.skipped);
  CHECK(LossScaler::scale(clean.next.optimizer) == 65536.0);
}

TEST_CASE("cuda: this build reports CUDA, cuDNN and NCCL as compiled and found") {
  const Backends b = find_backends();
  CHECK(b.cuda_compiled);
  CHECK(b.gpus >= 1);
  CHECK(!b.first_gpu.empty());
  CHECK(b.cudnn_available);
  CHECK(b.nccl_compiled);
  const std::string text = format_backends(b);
  CHECK_MESSAGE(text.find("GPU visible (") != std::string::npos, text);
}

TEST_CASE("cuda: two processes on two GPUs average through NCCL") {
  if (find_backends().gpus < 2) {
    skip_inapplicable("the NCCL data-parallel test needs 2 GPUs; this machine shows " +
                      std::to_string(find_backends().gpus));
    return;
  }
  RunDir one, two;
  const std::string config = plain_mlp_config(1, 0) + "device: cuda\n";
  write(one.path / "c.yaml", config);
  write(two.path / "c.yaml", config);
  REQUIRE(blox(one.path, "train c.yaml --quiet").exit_code == 0);
  const Result dp = blox(two.path, "train c.yaml --quiet --nproc 2");
  REQUIRE_MESSAGE(dp.exit_code == 0, dp.output);
  const Checkpoint a = load_checkpoint((one.path / "run" / "last.safetensors").string());
  const Checkpoint b = load_checkpoint((two.path / "run" / "last.safetensors").string());
  CHECK(a.step == b.step);
  for (size_t i = 0; i < a.params.size(); ++i) {
    const at::Tensor& v = a.params.param(i).value;
    if (!at::isFloatingType(v.scalar_type())) continue;
    CHECK(at::allclose(v, b.params[a.params.key(i)].value, 1e-3, 1e-4));
  }
}
