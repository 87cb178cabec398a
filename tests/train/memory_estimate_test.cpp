// The training memory estimate: params, a gradient and two moments per trainable param, and the
// dummy pass's activations scaled by the batch size; refused past the machine's memory, a
// warning past half of it. Attention's scores are refused before they are allocated.
#include "blox/train/memory_estimate.h"
#include "support/run_helpers.h"

using namespace bx;
using namespace bx::test;

TEST_CASE("training memory: params, per trainable param a gradient and two moments, activations x batch x 2") {
  Params params;
  params = params.with("model/fc/kernel", Param{at::zeros({1000}), true, {}});  // 4,000 bytes, trainable
  params = params.with("model/bn/mean", Param{at::zeros({1000}), false, {}});   // 4,000 bytes
  const TrainingMemory m = training_memory(params, 100, 10);
  CHECK(m.params == 8000);
  CHECK(m.optimizer == 12000);
  CHECK(m.activations == 2000);
  CHECK(check_training_memory(m, 10, 44001).empty());
  const std::string warning = check_training_memory(m, 10, 30000);
  CHECK_MESSAGE(warning.find("needs about 2.2e-05 GB (params 8e-06 GB, gradients and optimizer moments 1.2e-05 GB, "
                             "activations 2e-06 GB at batch 10), 73 % of this machine's 3e-05 GB") != std::string::npos,
                warning);
  CHECK_THROWS_WITH_AS(check_training_memory(m, 10, 20000),
                       doctest::Contains("training this model needs about 2.2e-05 GB (params 8e-06 GB, gradients and "
                                         "optimizer moments 1.2e-05 GB, activations 2e-06 GB at batch 10), more than "
                                         "this machine's 2e-05 GB of memory; hint: check the layers' sizes"),
                       ConfigError);
  const TrainingMemory frozen = training_memory(params.freeze("model/fc/kernel"), 0, 10);
  CHECK(frozen.total() == 8000);
  const TrainingMemory wide = training_memory(params, 1e6, 10);
  CHECK_THROWS_WITH_AS(check_training_memory(wide, 10, 1e7), doctest::Contains("hint: lower data.batch_size"),
                       ConfigError);
}

TEST_CASE("training memory: the dummy pass's activations are counted per example; a batch that cannot fit is refused") {
  RunDir run;
  write(run.path / "mlp.yaml", mlp_config(1, 0));
  const PreparedRun prepared = prepare_run((run.path / "mlp.yaml").string());
  // flatten (784) + hidden, relu, dropout (32 each) + logits (10) + the whole model's output (10) floats.
  CHECK(prepared.model.activation_bytes == 4.0 * (784 + 32 + 32 + 32 + 10 + 10));
  CHECK(check_training_memory(prepared).empty());
  const Result huge = blox(run.path, "validate mlp.yaml --set data.batch_size=100000000000");
  CHECK(huge.exit_code == 2);
  CHECK_MESSAGE(huge.output.find("training this model needs about 7.2e+05 GB") != std::string::npos, huge.output);
  CHECK_MESSAGE(huge.output.find("hint: lower data.batch_size") != std::string::npos, huge.output);
}

TEST_CASE("training memory: attention scores that cannot fit are refused before they are allocated") {
  RunDir run;
  write(run.path / "text.txt", std::string(150000, 'a') + std::string(150000, 'b'));
  write(run.path / "lm.yaml",
        "data: {format: text, train: text.txt, sequence_length: 8, batch_size: 2}\n"
        "model:\n  layers:\n    - {type: embedding, features: 8}\n"
        "    - {type: multi_head_attention, num_heads: 2, causal: true}\n"
        "    - {type: linear, output_size: classes}\n"
        "optimizer: {type: adam, learning_rate: 0.01}\n");
  REQUIRE(blox(run.path, "validate lm.yaml").exit_code == 0);
  const Result r = blox(run.path, "validate lm.yaml --set data.sequence_length=200000");
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.output.find("': the attention scores of 2 heads over 200000 x 200000 positions (batch 2) needs "
                              "1.28e+03 GB, more than this machine's") != std::string::npos,
                r.output);
  CHECK_MESSAGE(r.output.find("hint: shorten data.sequence_length") != std::string::npos, r.output);
}
