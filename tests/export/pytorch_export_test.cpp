// Weights out in PyTorch's state-dict layout: names, transposes, an LSTM's biases, batch-norm
// bookkeeping, what is left out and what is refused. (torchvision loading them with strict=True
// and giving blox's logits is the interop/backbones check.)
#include <filesystem>

#include <doctest/doctest.h>

#include "blox/core/errors.h"
#include "blox/export/pytorch_export.h"
#include "blox/io/pytorch_layout.h"
#include "blox/io/safetensors.h"
#include "support/temp_dir.h"

using namespace bx;

namespace {

Param weight(at::Tensor value) { return Param{std::move(value), true, {}}; }
Param state(at::Tensor value) { return Param{std::move(value), false, {}}; }

std::map<std::string, at::Tensor> by_name(const std::vector<std::pair<std::string, at::Tensor>>& tensors) {
  return {tensors.begin(), tensors.end()};
}

}  // namespace

TEST_CASE("pytorch export: kernels, norms and an LSTM in PyTorch's names and layouts, the Rng left out") {
  const at::Tensor dense = at::arange(6, at::kFloat).reshape({3, 2});  // blox [in, out]
  const at::Tensor conv = at::arange(24, at::kFloat).reshape({2, 3, 2, 2});
  const at::Tensor lstm_bias = at::arange(8, at::kFloat);
  const Params params = Params()
                            .with("model/layer1/0/conv1/kernel", weight(conv))
                            .with("model/layer1/0/bn1/scale", weight(at::full({2}, 1.5)))
                            .with("model/layer1/0/bn1/bias", weight(at::full({2}, 0.5)))
                            .with("model/layer1/0/bn1/mean", state(at::full({2}, 0.25)))
                            .with("model/layer1/0/bn1/var", state(at::full({2}, 2.0)))
                            .with("model/lstm/input_kernel", weight(at::ones({4, 8})))
                            .with("model/lstm/recurrent_kernel", weight(at::ones({2, 8})))
                            .with("model/lstm/bias", weight(lstm_bias))
                            .with("model/fc/kernel", weight(dense))
                            .with("model/fc/bias", weight(at::full({2}, -1.0)))
                            .with("model/rng/seed", Param{at::scalar_tensor(int64_t{7}, at::kLong), false, {{"tag", "rng_seed"}}})
                            .with("model/rng/counter", Param{at::scalar_tensor(int64_t{3}, at::kLong), false, {{"tag", "rng_counter"}}});
  test::TempDir dir("pytorch-export");
  const std::string path = (dir.path / "out.pytorch.safetensors").string();
  const PytorchExportSummary summary = export_pytorch_safetensors(params, path);
  const TensorFile file = read_safetensors(path);
  CHECK(file.metadata.at("format") == "pt");  // as safetensors.torch.save_file writes it
  const auto t = by_name(file.tensors);
  CHECK(summary.tensors == static_cast<int64_t>(file.tensors.size()));
  CHECK(summary.bytes == static_cast<int64_t>(std::filesystem::file_size(path)));
  std::vector<std::string> keys;
  for (const auto& [key, value] : file.tensors) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"layer1.0.conv1.weight", "layer1.0.bn1.weight", "layer1.0.bn1.bias",
                                         "layer1.0.bn1.running_mean", "layer1.0.bn1.running_var",
                                         "layer1.0.bn1.num_batches_tracked", "lstm.weight_ih_l0", "lstm.weight_hh_l0",
                                         "lstm.bias_ih_l0", "lstm.bias_hh_l0", "fc.weight", "fc.bias"});
  CHECK(at::equal(t.at("layer1.0.conv1.weight"), conv));  // convolutions share PyTorch's layout
  CHECK(at::equal(t.at("fc.weight"), dense.t()));         // a dense kernel is [out, in] there
  CHECK(at::equal(t.at("layer1.0.bn1.running_var"), at::full({2}, 2.0)));
  CHECK((t.at("layer1.0.bn1.num_batches_tracked").scalar_type() == at::kLong));
  CHECK(t.at("layer1.0.bn1.num_batches_tracked").dim() == 0);
  CHECK(t.at("lstm.weight_ih_l0").sizes() == at::IntArrayRef{8, 4});
  // blox's one LSTM bias is PyTorch's two summed: all of it in bias_ih_l0.
  CHECK(at::equal(t.at("lstm.bias_ih_l0") + t.at("lstm.bias_hh_l0"), lstm_bias));
  CHECK(at::equal(t.at("lstm.bias_hh_l0"), at::zeros({8})));
}

TEST_CASE("pytorch export: a param with no PyTorch counterpart is refused by path; nothing is written") {
  const Params params = Params().with("model/attn/query_kernel", weight(at::ones({2, 2})));
  test::TempDir dir("pytorch-export");
  const std::string path = (dir.path / "out.safetensors").string();
  try {
    export_pytorch_safetensors(params, path);
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find("model/attn/query_kernel: no PyTorch counterpart") != std::string::npos);
  }
  CHECK(!std::filesystem::exists(path));
}
