// The model summary: FLOPs against hand counts, shapes against the forward, totals, JSON and the CLI.
#include "blox/inspect/model_summary.h"

#include <nlohmann/json.hpp>

#include "blox/config/model_builder.h"
#include "support/cli_runner.h"
#include "support/files.h"
#include "support/helpers.h"

using namespace bx;
using test::Net;

namespace {

// A whole model of `layers` on `n`'s root, its params created by a forward on `x`, summarized.
struct Built {
  std::shared_ptr<Sequential> model;
  Params params;
  ModelSummary summary;
};

Built build(Net& n, std::vector<std::shared_ptr<const Layer>> layers, const at::Tensor& x) {
  auto model = Sequential::whole_model(n.graph, std::move(layers));
  Params params = (*model)(n.params, x, Mode::train).second.locked();
  ModelSummary summary = summarize_model(*model, params, x);
  return {model, params, std::move(summary)};
}

const LayerSummary& row(const ModelSummary& s, const std::string& path) {
  for (const LayerSummary& r : s.layers) {
    if (r.path == path) return r;
  }
  FAIL("no row " << path);
  throw std::logic_error("unreachable");
}

LinearSettings linear(int64_t out, bool bias = true) {
  LinearSettings s;
  s.output_size = out;
  s.use_bias = bias;
  return s;
}

}  // namespace

TEST_CASE("model summary: Linear FLOPs are 2 in out per position plus the bias, per example") {
  Net n{"model"};
  const at::Tensor x = test::randn({2, 4, 5});  // a batch of 2: FLOPs stay per example
  const Built b = build(n, {std::make_shared<Linear>(n.graph.child("fc"), linear(3), n.rng),
                            std::make_shared<Linear>(n.graph.child("nobias"), linear(3, false), n.rng)},
                        x);
  CHECK(row(b.summary, "model/fc").flops == 4 * (2 * 5 * 3 + 3));  // 132: 4 positions
  CHECK(row(b.summary, "model/nobias").flops == 4 * (2 * 3 * 3));  // 72
  CHECK(row(b.summary, "model/fc").params == 5 * 3 + 3);
  CHECK(row(b.summary, "model/fc").output_shape == Shape{2, 4, 3});
  CHECK(flops::linear(784, 256, 1, true) == 401664);
}

TEST_CASE("model summary: Conv2D FLOPs with stride, padding and groups against a hand count") {
  Net n{"model"};
  ConvSettings s;
  s.output_channels = 6;
  s.kernel_size = {3, 2};
  s.stride = {2, 1};
  s.padding = Padding::of({1, 2});
  s.groups = 2;
  const at::Tensor x = test::randn({2, 4, 9, 8});
  const Built b = build(n, {std::make_shared<Conv2D>(n.graph.child("conv"), s, n.rng)}, x);
  const LayerSummary& conv = row(b.summary, "model/conv");
  // H' = (9 + 2 - 3) / 2 + 1 = 5, W' = (8 + 4 - 2) / 1 + 1 = 11; each output: 4/2 * 3 * 2 = 12
  // multiply-adds; 6 * 55 outputs: 2 * 12 * 6 * 55 = 7920, + 330 for the bias.
  CHECK(conv.output_shape == Shape{2, 6, 5, 11});
  CHECK(conv.flops == 8250);
  CHECK(conv.params == 6 * 2 * 3 * 2 + 6);
  // Transposed: every input position meets C_in * kernel * C_out / groups weights.
  CHECK(flops::conv_transpose(4, 6, 2, 9, 20, 80, true) == 2 * 4 * 9 * 3 * 20 + 6 * 80);
}

TEST_CASE("model summary: LSTM and GRU per step, and attention, against their formulas") {
  Net n{"model"};
  RecurrentSettings r;
  r.hidden_size = 7;
  const at::Tensor x = test::randn({1, 4, 5});
  const Built b = build(n, {std::make_shared<LSTM>(n.graph.child("lstm"), r, n.rng)}, x);
  // Per step (F 5, H 7): 2 (F + H) 4H = 672, bias 4H = 28, elementwise 9H = 63; 4 steps.
  CHECK(row(b.summary, "model/lstm").flops == 4 * (672 + 28 + 63));
  CHECK(row(b.summary, "model/lstm").output_shape == Shape{1, 4, 7});
  CHECK(flops::gru(5, 7, 4) == 4 * (2 * 12 * 21 + 6 * 7 + 8 * 7));
  // T = S = 6, D 8, 2 heads of 4: projections 4 * 6 * (2 * 8 * 8 + 8) = 3264; Q K^T and the
  // weighted V 2 * (2 * 2 * 36 * 4) = 1152; scale and softmax 4 per score, 72 scores: 288.
  CHECK(flops::attention(6, 6, 8, 2, 4, 8, true) == 3264 + 1152 + 288);
}

TEST_CASE("model summary: shapes equal the forward's, containers sum their children, totals the top level") {
  Net n{"model"};
  ConvSettings c;
  c.output_channels = 3;
  c.padding = Padding::same();
  PoolSettings pool;
  std::vector<std::shared_ptr<const Layer>> inner{
      std::make_shared<Linear>(n.graph.child("block").child("fc"), linear(12), n.rng),
      std::make_shared<Activation>(n.graph.child("block").child("act"), ActivationSettings{"tanh", -1})};
  const auto block = std::make_shared<Sequential>(n.graph.child("block"), std::move(inner));
  // A Residual's inner layer sits on a child node of the residual's own node.
  const Graph skip = n.graph.child("skip");
  const auto residual = std::make_shared<Residual>(
      skip, std::vector<std::shared_ptr<const Layer>>{std::make_shared<Linear>(skip.child("fc"), linear(12), n.rng)});
  const std::vector<std::shared_ptr<const Layer>> layers{
      std::make_shared<Conv2D>(n.graph.child("conv"), c, n.rng),
      std::make_shared<BatchNorm>(n.graph.child("bn")),
      std::make_shared<MaxPool2D>(n.graph.child("pool"), pool),
      std::make_shared<Flatten>(n.graph.child("flat")),
      block,
      residual};
  const at::Tensor x = test::randn({3, 2, 4, 4});
  const Built b = build(n, layers, x);
  // Row by row, the shape of running the model's layers one after another.
  at::Tensor y = x;
  for (const auto& layer : layers) {
    y = (*layer)(b.params, y, Mode::eval).first;
    CHECK(row(b.summary, layer->path()).output_shape == y.sizes().vec());
  }
  CHECK(row(b.summary, "model/block/fc").depth == 1);
  CHECK(row(b.summary, "model/block/fc").output_shape == Shape{3, 12});
  const int64_t conv = 2 * (2 * 9) * 3 * 16 + 3 * 16, bn = 5 * 48, pooled = 4 * 12, fc = 2 * 12 * 12 + 12;
  CHECK(row(b.summary, "model/conv").flops == conv);
  CHECK(row(b.summary, "model/bn").flops == bn);
  CHECK(row(b.summary, "model/pool").flops == pooled);
  CHECK(row(b.summary, "model/flat").flops == 0);
  CHECK(row(b.summary, "model/block").flops == fc + 12);
  CHECK(row(b.summary, "model/skip").flops == fc + 12);  // the inner layer and the add
  CHECK(row(b.summary, "model/block").params == 12 * 12 + 12);
  CHECK(row(b.summary, "model/bn").params == 4 * 3);  // the running statistics too
  int64_t top = 0;
  for (const LayerSummary& r : b.summary.layers) top += r.depth == 0 ? r.flops : 0;
  CHECK(b.summary.total_flops == top);
  CHECK(b.summary.total_flops == conv + bn + pooled + 2 * (fc + 12));
  CHECK(b.summary.total_params == b.params.num_elements() - 2);  // all but the Rng's seed and counter
}

TEST_CASE("model summary: a transformer block lists its norms, attention and MLP; a tied output is a Linear") {
  Net n{"model"};
  EmbeddingSettings e;
  e.vocab_size = 11;
  e.features = 8;
  TransformerBlockSettings t;
  t.num_heads = 2;
  const auto embedding = std::make_shared<Embedding>(n.graph.child("embed"), e, n.rng);
  const at::Tensor ids = at::arange(6, at::kLong).unsqueeze(0);
  const Built b = build(n, {embedding, std::make_shared<TransformerBlock>(n.graph.child("block"), t, n.rng),
                            std::make_shared<TiedOutput>(n.graph.child("logits"), embedding)},
                        ids);
  std::vector<std::string> paths;
  for (const LayerSummary& r : b.summary.layers) paths.push_back(r.path);
  CHECK(paths == std::vector<std::string>{"model/embed", "model/block", "model/block/ln1", "model/block/attention",
                                          "model/block/ln2", "model/block/mlp/hidden", "model/block/mlp/gelu",
                                          "model/block/mlp/output", "model/logits"});
  CHECK(row(b.summary, "model/embed").flops == 0);
  CHECK(row(b.summary, "model/block/attention").flops == flops::attention(6, 6, 8, 2, 4, 8, true));
  CHECK(row(b.summary, "model/block/mlp/hidden").output_shape == Shape{1, 6, 32});
  CHECK(row(b.summary, "model/block/mlp/output").flops == 6 * (2 * 32 * 8 + 8));
  int64_t children = 0;
  for (const LayerSummary& r : b.summary.layers) children += r.depth == 1 ? r.flops : 0;
  CHECK(row(b.summary, "model/block").flops == children + 2 * 6 * 8);  // + the two residual adds
  CHECK(row(b.summary, "model/logits").flops == 6 * (2 * 8 * 11 + 11));
  CHECK(row(b.summary, "model/logits").params == 11);  // its bias: the table is the embedding's
}

TEST_CASE("model summary: the shipped MLP, as table and JSON") {
  const PreparedRun run = prepare_run(test::source_path("configs/fashion_mlp.yaml"));
  const ModelSummary s = summarize_model(run.model);
  // 784*256*2 + 256 = 401664, relu 256, 256*128*2 + 128 = 65664, relu 128, 128*10*2 + 10 = 2570.
  CHECK(s.total_flops == 470282);
  CHECK(s.total_params == 235146);
  const std::string table = model_summary_table(s);
  CHECK_MESSAGE(table.find("hidden1    Linear      [B, 256]          200,960          401,664\n") != std::string::npos,
                table);
  CHECK(table.find("total: 235,146 params, 470,282 FLOPs per example") != std::string::npos);
  const nlohmann::json j = model_summary_json(s);
  REQUIRE(j["layers"].size() == 6);
  CHECK(j["layers"][1] == nlohmann::json{{"path", "model/hidden1"}, {"kind", "Linear"}, {"depth", 0},
                                         {"output_shape", nlohmann::json::array({"B", 256})}, {"params", 200960}, {"flops", 401664}});
  CHECK(j["total_flops"] == 470282);
}

TEST_CASE("blox inspect and train --dry-run print the layer table of the shipped MLP; --json has the layers") {
  const std::string config = "'" + test::source_path("configs/fashion_mlp.yaml") + "'";
  for (const std::string& command : {"inspect " + config, "train " + config + " --dry-run"}) {
    CAPTURE(command);
    const test::CommandResult r = test::run_blox(command);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("layer      kind        output shape       params            FLOPs\n") != std::string::npos);
    CHECK(r.output.find("flatten_0  Flatten     [B, 784]") != std::string::npos);
    CHECK_MESSAGE(r.output.find("total: 235,146 params, 470,282 FLOPs per example") != std::string::npos, r.output);
  }
  const test::CommandResult json = test::run_blox("inspect --json " + config);
  REQUIRE(json.exit_code == 0);
  const auto out = nlohmann::json::parse(json.output);
  CHECK(out["total_flops"] == 470282);
  CHECK(out["layers"][5]["path"] == "model/logits");
  CHECK(out["layers"][5]["output_shape"] == nlohmann::json::array({"B", 10}));
  CHECK(out["layers"][5]["flops"] == 2570);
  CHECK(out["totals"]["trainable"] == 235146);  // the param table is still there
}
