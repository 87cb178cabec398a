// train.precision on the CPU: bf16 trains through autocast with fp32 params and checkpoints;
// fp16 is refused without a GPU, before anything is written.
#include "blox/io/checkpoint.h"
#include "blox/runtime/backends.h"
#include "support/helpers.h"
#include "support/run_helpers.h"

using namespace bx;
using namespace bx::test;

namespace {

std::string with_precision(const std::string& precision, int epochs = 1) {
  return edited(mlp_config(epochs, 0), "log_every_steps: 0}", "log_every_steps: 0, precision: " + precision + "}");
}

double final_accuracy(const fs::path& run) {
  const std::string text = read(run / "metrics.jsonl");
  const size_t at = text.rfind("\"accuracy\":");
  REQUIRE(at != std::string::npos);
  return std::stod(text.substr(at + 11));
}

}  // namespace

TEST_CASE("train.precision bf16 on the CPU: another run than fp32, as accurate, params and checkpoint in fp32") {
  RunDir fp32, bf16;
  write(fp32.path / "mlp.yaml", with_precision("fp32"));
  write(bf16.path / "mlp.yaml", with_precision("bf16"));
  REQUIRE(blox(fp32.path, "train mlp.yaml --quiet").exit_code == 0);
  const Result run = blox(bf16.path, "train mlp.yaml --quiet");
  REQUIRE_MESSAGE(run.exit_code == 0, run.output);

  const Checkpoint a = load_checkpoint((fp32.path / "run" / "last.safetensors").string());
  const Checkpoint b = load_checkpoint((bf16.path / "run" / "last.safetensors").string());
  for (const Params* p : {&b.params, &b.optimizer}) {
    for (size_t i = 0; i < p->size(); ++i) {
      const at::ScalarType type = p->param(i).value.scalar_type();
      CHECK_MESSAGE((type == at::kFloat || !at::isFloatingType(type)), p->key(i));
    }
  }
  CHECK_FALSE(bitwise_equal(a.params, b.params));  // the forward really ran in bf16
  CHECK(b.optimizer.find("optim/loss_scale/scale") == nullptr);  // no loss scaling in bf16
  const double fp32_accuracy = final_accuracy(fp32.path / "run"), bf16_accuracy = final_accuracy(bf16.path / "run");
  MESSAGE("subset MLP, 1 epoch: fp32 accuracy ", fp32_accuracy, ", bf16 ", bf16_accuracy);
  CHECK(bf16_accuracy > 0.5);
  CHECK(std::abs(bf16_accuracy - fp32_accuracy) < 0.05);

  // bench times the same precision and says so.
  const Result bench = blox(bf16.path, "bench mlp.yaml --iterations 2 --warmup 1 --json");
  REQUIRE_MESSAGE(bench.exit_code == 0, bench.output);
  CHECK(bench.output.find("\"precision\": \"bf16\"") != std::string::npos);
  CHECK(bench.output.find("\"device\": \"cpu\"") != std::string::npos);
}

TEST_CASE("train.precision fp16 on the CPU: exit 2 naming the key, nothing written") {
  RunDir dir;
  write(dir.path / "mlp.yaml", with_precision("fp16"));
  const Result run = blox(dir.path, "train mlp.yaml --quiet");
  CHECK(run.exit_code == 2);
  CHECK_MESSAGE(run.output.find("train.precision") != std::string::npos, run.output);
  CHECK(run.output.find("fp16 needs a GPU") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.path / "run"));

  // device: auto runs fp16 where a GPU is visible; where none is, it is refused at run time,
  // same code. Which of the two is decided by libtorch, not by the exit code.
  write(dir.path / "auto.yaml", "device: auto\n" + with_precision("fp16"));
  const Result automatic = blox(dir.path, "train auto.yaml --quiet");
  if (find_backends().gpus > 0) {
    CHECK_MESSAGE(automatic.exit_code == 0, automatic.output);
    CHECK(fs::exists(dir.path / "run" / "last.safetensors"));
  } else {
    CHECK(automatic.exit_code == 2);
    CHECK_MESSAGE(automatic.output.find("fp16 needs a GPU") != std::string::npos, automatic.output);
    CHECK_FALSE(fs::exists(dir.path / "run" / "last.safetensors"));
  }
}
