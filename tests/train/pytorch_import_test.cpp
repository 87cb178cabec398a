// finetune.layout: pytorch. Each blox layer kind, given a PyTorch-named state dict of random
// tensors, must compute what libtorch's functional form of the PyTorch module computes with
// those tensors; then the report, the rename rules, the errors, and blox predict end to end.
#include <limits>
#include <filesystem>
#include <fstream>

#include "support/helpers.h"
#include "support/run_helpers.h"
#include "blox/io/safetensors.h"
#include "blox/train/finetune.h"

using namespace bx;
namespace fs = std::filesystem;

namespace {

using StateDict = std::vector<std::pair<std::string, at::Tensor>>;

struct TempSafetensors {
  fs::path path = fs::temp_directory_path() / ("blox_pytorch_" + std::to_string(std::rand()) + ".safetensors");
  ~TempSafetensors() { fs::remove(path); }
};

// As safetensors.torch.save_file writes a state dict: tensors, no metadata.
void write_state_dict(const fs::path& path, const StateDict& tensors) {
  std::ofstream(path, std::ios::binary) << encode_safetensors(TensorFile{tensors, {}});
}

FinetuneConfig pytorch_config(const fs::path& file, std::vector<std::pair<std::string, std::string>> rename = {}) {
  FinetuneConfig c;
  c.init_from = file.string();
  c.layout = "pytorch";
  c.strict = true;  // every param copied and every tensor used, or the test fails here
  c.rename = std::move(rename);
  return c;
}

// `layer`'s params (made by a dummy pass on `x`) with the state dict imported into them.
Params imported(const Layer& layer, test::Net& net, const at::Tensor& x, const StateDict& state_dict) {
  TempSafetensors file;
  write_state_dict(file.path, state_dict);
  Params fresh;
  std::tie(std::ignore, fresh) = layer(net.params, x, Mode::train);
  return init_from_checkpoint(fresh, pytorch_config(file.path)).params;
}

at::Tensor blox_output(const Layer& layer, const Params& params, const at::Tensor& x) {
  return layer(params, x, Mode::eval).first;
}

}  // namespace

TEST_CASE("pytorch layout: Linear weight [out, in] becomes kernel [in, out]") {
  test::Net net("model");
  Linear fc(net.graph.child("fc"), {3}, net.rng);
  const at::Tensor x = test::randn({2, 4}, 1), w = test::randn({3, 4}, 2), b = test::randn({3}, 3);
  const Params p = imported(fc, net, x, {{"fc.weight", w}, {"fc.bias", b}});
  CHECK(at::equal(p["model/fc/kernel"].value, w.t()));
  CHECK(p["model/fc/kernel"].value.is_contiguous());
  CHECK(test::close(blox_output(fc, p, x), at::linear(x, w, b)));
}

TEST_CASE("pytorch layout: convolutions keep PyTorch's layout (Conv1D, Conv2D, ConvTranspose2D)") {
  test::Net net("model");
  ConvSettings s;
  s.output_channels = 5;
  s.variant = ConvVariant::conv1d;
  Conv1D conv1(net.graph.child("conv1"), s, net.rng);
  s.variant = ConvVariant::conv2d;
  Conv2D conv2(net.graph.child("conv2"), s, net.rng);
  s.variant = ConvVariant::transposed2d;
  ConvTranspose2D deconv(net.graph.child("deconv"), s, net.rng);
  const at::Tensor b = test::randn({5}, 9);

  const at::Tensor x1 = test::randn({2, 3, 8}, 1), w1 = test::randn({5, 3, 3}, 2);
  CHECK(test::close(blox_output(conv1, imported(conv1, net, x1, {{"conv1.weight", w1}, {"conv1.bias", b}}), x1),
                    at::conv1d(x1, w1, b), 1e-5));
  const at::Tensor x2 = test::randn({2, 3, 6, 6}, 3), w2 = test::randn({5, 3, 3, 3}, 4);
  CHECK(test::close(blox_output(conv2, imported(conv2, net, x2, {{"conv2.weight", w2}, {"conv2.bias", b}}), x2),
                    at::conv2d(x2, w2, b), 1e-5));
  const at::Tensor wt = test::randn({3, 5, 3, 3}, 5);  // ConvTranspose2d: [in, out, kh, kw]
  CHECK(test::close(blox_output(deconv, imported(deconv, net, x2, {{"deconv.weight", wt}, {"deconv.bias", b}}), x2),
                    at::conv_transpose2d(x2, wt, b), 1e-5));
}

TEST_CASE("pytorch layout: BatchNorm weight, bias and running statistics; num_batches_tracked ignored") {
  test::Net net("model");
  BatchNorm bn(net.graph.child("bn"));
  const at::Tensor x = test::randn({4, 3, 2, 2}, 1), w = test::randn({3}, 2), b = test::randn({3}, 3);
  const at::Tensor mean = test::randn({3}, 4), var = test::randn({3}, 5).abs() + 0.5;
  const Params p = imported(bn, net, x,
                            {{"bn.weight", w}, {"bn.bias", b}, {"bn.running_mean", mean}, {"bn.running_var", var},
                             {"bn.num_batches_tracked", at::scalar_tensor(int64_t{7}, at::kLong)}});
  CHECK(at::equal(p["model/bn/mean"].value, mean));
  CHECK(at::equal(p["model/bn/var"].value, var));
  CHECK(test::close(blox_output(bn, p, x), at::batch_norm(x, w, b, mean, var, false, 0.1, 1e-5, false)));
}

TEST_CASE("pytorch layout: LayerNorm, GroupNorm and RMSNorm weight becomes scale") {
  test::Net net("model");
  LayerNorm ln(net.graph.child("ln"));
  GroupNormSettings g;
  g.groups = 2;
  GroupNorm gn(net.graph.child("gn"), g);
  RMSNorm rms(net.graph.child("rms"));
  const at::Tensor w = test::randn({4}, 2), b = test::randn({4}, 3);

  const at::Tensor x = test::randn({2, 3, 4}, 1);
  CHECK(test::close(blox_output(ln, imported(ln, net, x, {{"ln.weight", w}, {"ln.bias", b}}), x),
                    at::layer_norm(x, {4}, w, b, 1e-5)));
  const at::Tensor xc = test::randn({2, 4, 5}, 4);
  CHECK(test::close(blox_output(gn, imported(gn, net, xc, {{"gn.weight", w}, {"gn.bias", b}}), xc),
                    at::group_norm(xc, 2, w, b, 1e-5)));
  // torch.nn.RMSNorm (PyTorch 2.4+): x / sqrt(mean(x^2) + eps) * weight; blox's eps is 1e-6.
  CHECK(test::close(blox_output(rms, imported(rms, net, x, {{"rms.weight", w}}), x),
                    x * at::rsqrt(x.pow(2).mean(-1, true) + 1e-6) * w));
}

TEST_CASE("pytorch layout: Embedding weight becomes table") {
  test::Net net("model");
  Embedding embed(net.graph.child("embed"), {7, 3}, net.rng);
  const at::Tensor ids = at::tensor({0, 6, 2, 2}, at::kLong).reshape({2, 2}), w = test::randn({7, 3}, 1);
  CHECK(at::equal(blox_output(embed, imported(embed, net, ids, {{"embed.weight", w}}), ids), at::embedding(w, ids)));
}

TEST_CASE("pytorch layout: LSTM and GRU weights transposed, the LSTM's two biases added, gate orders kept") {
  const int64_t features = 3, hidden = 4;
  const at::Tensor x = test::randn({2, 5, features}, 1);
  for (const char* execution : {"unrolled", "fused"}) {
    CAPTURE(execution);
    test::Net net("model");
    RecurrentSettings s;
    s.hidden_size = hidden;
    s.execution = execution;
    LSTM lstm(net.graph.child("lstm"), s, net.rng);
    GRU gru(net.graph.child("gru"), s, net.rng);
    const at::Tensor h0 = at::zeros({1, 2, hidden});

    const at::Tensor wi = test::randn({4 * hidden, features}, 2), wh = test::randn({4 * hidden, hidden}, 3);
    const at::Tensor bi = test::randn({4 * hidden}, 4), bh = test::randn({4 * hidden}, 5);
    const Params lp = imported(lstm, net, x, {{"lstm.weight_ih_l0", wi}, {"lstm.weight_hh_l0", wh},
                                              {"lstm.bias_ih_l0", bi}, {"lstm.bias_hh_l0", bh}});
    CHECK(at::allclose(lp["model/lstm/bias"].value, bi + bh));
    const auto expected_lstm = at::lstm(x, {h0, h0}, {wi, wh, bi, bh}, true, 1, 0.0, false, false, true);
    CHECK(test::close(blox_output(lstm, lp, x), std::get<0>(expected_lstm), 1e-5));

    const at::Tensor gwi = test::randn({3 * hidden, features}, 6), gwh = test::randn({3 * hidden, hidden}, 7);
    const at::Tensor gbi = test::randn({3 * hidden}, 8), gbh = test::randn({3 * hidden}, 9);
    const Params gp = imported(gru, net, x, {{"gru.weight_ih_l0", gwi}, {"gru.weight_hh_l0", gwh},
                                             {"gru.bias_ih_l0", gbi}, {"gru.bias_hh_l0", gbh}});
    const auto expected_gru = at::gru(x, h0, {gwi, gwh, gbi, gbh}, true, 1, 0.0, false, false, true);
    CHECK(test::close(blox_output(gru, gp, x), std::get<0>(expected_gru), 1e-5));
  }
}

namespace {

// A hidden Linear(4 -> 3) and a head Linear(3 -> 2) under "model", with their fresh params.
struct TwoLayers {
  test::Net net{"model"};
  Linear hidden{net.graph.child("hidden"), {3}, net.rng};
  Linear head{net.graph.child("head"), {2}, net.rng};
  Params fresh;
  TwoLayers() {
    at::Tensor h;
    std::tie(h, fresh) = hidden(net.params, test::randn({1, 4}, 1));
    std::tie(std::ignore, fresh) = head(fresh, h);
  }
};

}  // namespace

TEST_CASE("pytorch layout: rename rules map modules; the report names PyTorch keys; strict lists what is off") {
  TwoLayers model;
  TempSafetensors file;
  const at::Tensor w = test::randn({3, 4}, 2), b = test::randn({3}, 3);
  write_state_dict(file.path, {{"backbone.hidden.weight", w},
                               {"backbone.hidden.bias", b},
                               {"classifier.weight", test::randn({10, 3}, 4)},
                               {"classifier.bias", test::randn({10}, 5)},
                               {"extra.weight", test::randn({1}, 6)},
                               {"bn.num_batches_tracked", at::scalar_tensor(int64_t{3}, at::kLong)}});
  // A prefix rule, then a glob, over module paths ('.' read as '/', as the config reader stores them).
  FinetuneConfig config = pytorch_config(file.path, {{"backbone/**", "model/**"}, {"classif*", "model/head"}});
  config.strict = false;
  const FinetuneStart start = init_from_checkpoint(model.fresh, config);
  CHECK(at::equal(start.params["model/hidden/kernel"].value, w.t()));
  CHECK(at::equal(start.params["model/hidden/bias"].value, b));
  CHECK(at::equal(start.params["model/head/kernel"].value, model.fresh["model/head/kernel"].value));  // kept
  CHECK(start.report.find(" (PyTorch layout): 2 copied, 0 new, 2 skipped (shape), 1 in the checkpoint unused; 2 Rng "
                          "params from this run's seed") != std::string::npos);
  CHECK(start.report.find("\n  copied   model/hidden/kernel <- backbone.hidden.weight\n") != std::string::npos);
  CHECK(start.report.find("\n  skipped  model/head/kernel <- classifier.weight (checkpoint [3, 10] in blox's layout, "
                          "model [3, 2])") != std::string::npos);
  CHECK(start.report.find("\n  unused   extra.weight") != std::string::npos);
  CHECK(start.report.find("num_batches_tracked") == std::string::npos);

  config.strict = true;
  const std::string strict =
      "finetune.strict: 0 new, 2 skipped and 1 unused params; expected an exact match with " + file.path.string() + ":";
  CHECK_THROWS_WITH_AS(init_from_checkpoint(model.fresh, config), doctest::Contains(strict.c_str()), ConfigError);
  CHECK_THROWS_WITH_AS(init_from_checkpoint(model.fresh, config), doctest::Contains("\n  unused   extra.weight"),
                       ConfigError);
}

TEST_CASE("pytorch layout: errors name the file and the key") {
  TwoLayers model;
  TempSafetensors file;
  auto error_for = [&](const StateDict& state_dict, std::vector<std::pair<std::string, std::string>> rename = {}) {
    write_state_dict(file.path, state_dict);
    try {
      init_from_checkpoint(model.fresh, pytorch_config(file.path, std::move(rename)));
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string f = file.path.string();
  CHECK(error_for({{"hidden.weight", at::ones({3, 4}, at::kLong)}}) ==
        f + ": PyTorch module 'hidden': tensor 'weight' is Long; a weight must be floating point");
  CHECK(error_for({{"a.weight", test::randn({3, 4})}, {"b.weight", test::randn({3, 4})}},
                  {{"a", "model/hidden"}, {"b", "model/hidden"}}) ==
        f + ": finetune.rename maps both 'a' and 'b' onto model/hidden; expected one source each");

  test::Net net("model");
  RecurrentSettings s;
  s.hidden_size = 2;
  LSTM lstm(net.graph.child("lstm"), s, net.rng);
  Params fresh;
  std::tie(std::ignore, fresh) = lstm(net.params, test::randn({1, 2, 3}));
  StateDict two_layers;
  for (const char* layer : {"l0", "l1"}) {
    two_layers.emplace_back(std::string("lstm.weight_ih_") + layer, test::randn({8, layer[1] == '0' ? 3 : 2}));
    two_layers.emplace_back(std::string("lstm.weight_hh_") + layer, test::randn({8, 2}));
  }
  write_state_dict(file.path, two_layers);
  const std::string stacked = f + ": PyTorch module 'lstm': holds 'weight_hh_l1', from a PyTorch LSTM/GRU with "
                                    "num_layers > 1, bidirectional=True or proj_size > 0; blox's lstm and gru are one "
                                    "layer in one direction";
  CHECK_THROWS_WITH_AS(init_from_checkpoint(fresh, pytorch_config(file.path)), stacked.c_str(), ConfigError);

  // A blox checkpoint read as PyTorch's, and a torch.save pickle (a zip archive) instead of safetensors.
  Checkpoint checkpoint;
  checkpoint.params = model.fresh;
  save_checkpoint(f, checkpoint);
  CHECK_THROWS_WITH_AS(init_from_checkpoint(model.fresh, pytorch_config(file.path)),
                       doctest::Contains("a blox checkpoint, but finetune.layout is pytorch"), ConfigError);
  std::ofstream(file.path, std::ios::binary) << std::string("PK\x03\x04\x14\x00\x00\x00", 8) << std::string(100, 'x');
  const std::string pickle = f + ": a torch.save pickle; blox reads safetensors only. Convert it in Python";
  CHECK_THROWS_WITH_AS(init_from_checkpoint(model.fresh, pytorch_config(file.path)), doctest::Contains(pickle.c_str()),
                       ConfigError);
}

TEST_CASE("blox layout on a safetensors file blox did not write: keys are param paths") {
  TwoLayers model;
  TempSafetensors file;
  const at::Tensor w = test::randn({4, 3}, 2);
  write_state_dict(file.path, {{"model/hidden/kernel", w}});
  FinetuneConfig config;
  config.init_from = file.path.string();
  const FinetuneStart start = init_from_checkpoint(model.fresh, config);
  CHECK(at::equal(start.params["model/hidden/kernel"].value, w));
  CHECK(start.report.find(": 1 copied, 3 new, 0 skipped (shape), 0 in the checkpoint unused") != std::string::npos);
  // A state dict read with the default layout copies nothing and says why.
  write_state_dict(file.path, {{"hidden.weight", w}});
  CHECK(init_from_checkpoint(model.fresh, config).report.find(
            "\n  hint: these keys look like a PyTorch state dict's; set finetune.layout: pytorch") != std::string::npos);
}

TEST_CASE("blox predict and eval of a config whose init_from is a PyTorch state dict, without a checkpoint") {
  test::RunDir dir;
  // nn.Sequential(Flatten(), Linear(784, 32), ReLU(), Dropout(), Linear(32, 10)) inside a module "net".
  const at::Tensor w1 = test::randn({32, 784}, 1) * 0.05, b1 = test::randn({32}, 2);
  const at::Tensor w2 = test::randn({10, 32}, 3) * 0.2, b2 = test::randn({10}, 4);
  write_state_dict(dir.path / "torch.safetensors",
                   {{"net.1.weight", w1}, {"net.1.bias", b1}, {"net.4.weight", w2}, {"net.4.bias", b2}});
  test::write(dir.path / "mlp.yaml", test::mlp_config(1, 0,
                                                      "finetune:\n  init_from: torch.safetensors\n  layout: pytorch\n"
                                                      "  strict: true\n  rename:\n    - {from: net.1, to: model/hidden}\n"
                                                      "    - {from: net.4, to: model/logits}\n"));
  const test::Result predict = test::blox(dir.path, "predict mlp.yaml --format safetensors -o out.safetensors --limit 20");
  REQUIRE(predict.exit_code == 0);
  CHECK(predict.output.find("(PyTorch layout): 4 copied, 0 new, 0 skipped (shape), 0 in the checkpoint unused") !=
        std::string::npos);
  CHECK(predict.output.find("  copied   model/hidden/kernel <- net.1.weight") != std::string::npos);
  std::map<std::string, at::Tensor> out;
  for (auto& [name, tensor] : read_safetensors((dir.path / "out.safetensors").string()).tensors) out[name] = tensor;
  REQUIRE(out.count("inputs") == 1);
  const at::Tensor x = out["inputs"].reshape({20, -1});
  CHECK(test::close(out["outputs"], at::linear(at::relu(at::linear(x, w1, b1)), w2, b2), 1e-5));

  const test::Result eval = test::blox(dir.path, "eval mlp.yaml --json");
  CHECK(eval.exit_code == 0);
  CHECK(eval.output.find("\"accuracy\"") != std::string::npos);
  // Neither a checkpoint nor init_from: nothing to evaluate, and the message says both ways.
  test::write(dir.path / "plain.yaml", test::mlp_config(1, 0));
  const test::Result plain = test::blox(dir.path, "eval plain.yaml");
  CHECK(plain.exit_code == 2);
  CHECK(plain.output.find("--checkpoint FILE") != std::string::npos);
  CHECK(plain.output.find("finetune.init_from") != std::string::npos);
  // An init_from nothing was taken from would run a random model: refused.
  test::write(dir.path / "nothing.yaml", test::mlp_config(1, 0, "finetune:\n  init_from: torch.safetensors\n"
                                                                "  layout: pytorch\n"));  // net.1 -> model/net/1: no such layer
  const test::Result nothing = test::blox(dir.path, "eval nothing.yaml");
  CHECK(nothing.exit_code == 2);
  CHECK(nothing.output.find("gave the model no param") != std::string::npos);
  // The export of an imported model carries the resolved config as metadata.
  REQUIRE(test::blox(dir.path, "export mlp.yaml -o imported.onnx").exit_code == 0);
  CHECK(test::read(dir.path / "imported.onnx").find("init_from: torch.safetensors") != std::string::npos);
}

TEST_CASE("pytorch layout: a state dict with a NaN or an infinity is refused, naming the tensor") {
  test::Net net("model");
  Linear fc(net.graph.child("fc"), {3}, net.rng);
  const at::Tensor x = test::randn({2, 4}, 1);
  at::Tensor w = test::randn({3, 4}, 2);
  w[1][2] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH_AS(imported(fc, net, x, {{"fc.weight", w}, {"fc.bias", test::randn({3}, 3)}}),
                       doctest::Contains("tensor 'fc.weight' holds NaN or infinite values"), CheckpointError);
  at::Tensor b = test::randn({3}, 3);
  b[0] = std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH_AS(imported(fc, net, x, {{"fc.weight", test::randn({3, 4}, 2)}, {"fc.bias", b}}),
                       doctest::Contains("tensor 'fc.bias' holds NaN or infinite values"), CheckpointError);
}
