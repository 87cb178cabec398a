// EMA of the params: the decay schedule, the update against a float64 reference computed here,
// donation, the params a model is evaluated with, and init_from of a checkpoint with averages.
#include <filesystem>

#include <ATen/ops/scalar_tensor.h>

#include "blox/train/ema.h"
#include "blox/train/finetune.h"
#include "support/helpers.h"

using namespace bx;
namespace fs = std::filesystem;

namespace {

// Two trainable params, a frozen one and an Rng counter, locked as after a dummy pass.
Params model_params() {
  return Params()
      .with("model/fc/kernel", Param{test::randn({3, 4}, 1), true, {}})
      .with("model/fc/bias", Param{test::randn({4}, 2), true, {}})
      .with("model/frozen/scale", Param{test::randn({4}, 3), false, {}})
      .with("model/rng/counter", Param{at::scalar_tensor(int64_t{7}, at::kLong), false, {{"tag", "rng_counter"}}})
      .locked();
}

}  // namespace

TEST_CASE("ema_decay: with warmup min(decay, (1 + t) / (10 + t)) for the update making step t; without, decay") {
  const EmaConfig warm{0.99, true};
  CHECK(ema_decay(warm, 1) == doctest::Approx(2.0 / 11.0).epsilon(1e-12));
  CHECK(ema_decay(warm, 10) == doctest::Approx(11.0 / 20.0).epsilon(1e-12));
  CHECK(ema_decay(warm, 881) == doctest::Approx(882.0 / 891.0).epsilon(1e-12));  // just below 0.99
  CHECK(ema_decay(warm, 891) == 0.99);                                             // 892 / 901 > 0.99
  CHECK(ema_decay(EmaConfig{0.99, false}, 1) == 0.99);
}

TEST_CASE("start_ema: a non-trainable copy of each trainable param under ema/, in order, with buffers of its own") {
  const Params trainable = model_params().split().first;
  const Params ema = start_ema(trainable);
  REQUIRE(ema.keys() == std::vector<std::string>{"ema/model/fc/kernel", "ema/model/fc/bias"});  // the frozen: none
  CHECK(ema.is_locked());
  for (size_t i = 0; i < ema.size(); ++i) {
    CHECK_FALSE(ema.param(i).trainable);
    CHECK(ema.param(i).meta.at("tag") == "ema");  // `blox inspect` lists it as state
    CHECK(at::equal(ema.param(i).value, trainable.param(i).value));
    CHECK(ema.param(i).value.data_ptr() != trainable.param(i).value.data_ptr());
  }
  CHECK(has_ema(model_params().merge(ema)));
  CHECK_FALSE(has_ema(model_params()));
  CHECK(ema_path("model/fc/bias") == "ema/model/fc/bias");
  CHECK(is_ema_path("ema/model/fc/bias"));
  CHECK_FALSE(is_ema_path("model/ema/bias"));
}

TEST_CASE("update_ema: equals the float64 recurrence ema = d * ema + (1 - d) * p over several steps (1e-6 relative)") {
  for (const bool warmup : {true, false}) {
    CAPTURE(warmup);
    const EmaConfig config{0.8, warmup};
    Params trainable = model_params().split().first;
    Params ema = start_ema(trainable);
    std::vector<at::Tensor> reference;  // float64, written out from the formula, not from update_ema
    for (size_t i = 0; i < trainable.size(); ++i) reference.push_back(trainable.param(i).value.to(at::kDouble));
    for (int64_t step = 1; step <= 6; ++step) {
      // New params, as an optimizer update would leave them.
      trainable = trainable.map([&](const std::string&, const Param& p) {
        return p.value + test::randn(p.value.sizes(), 100 + static_cast<uint64_t>(step));
      });
      const double d = warmup ? std::min(0.8, (1.0 + step) / (10.0 + step)) : 0.8;
      for (size_t i = 0; i < trainable.size(); ++i) {
        reference[i] = d * reference[i] + (1 - d) * trainable.param(i).value.to(at::kDouble);
      }
      ema = update_ema(std::move(ema), trainable, config, step);
    }
    for (size_t i = 0; i < trainable.size(); ++i) {
      CAPTURE(ema.key(i));
      CHECK(test::close(ema.param(i).value.to(at::kDouble), reference[i], 1e-6));
      CHECK_FALSE(test::close(ema.param(i).value, trainable.param(i).value, 1e-2));  // an average, not the params
    }
  }
}

TEST_CASE("update_ema: updates a donated average in place; one another container holds stays as it was") {
  const EmaConfig config{0.9, false};
  const Params trainable = model_params().split().first.map(
      [](const std::string&, const Param& p) { return p.value + 1; });
  Params ema = start_ema(model_params().split().first);
  const void* buffer = ema.param(0).value.data_ptr();
  ema = update_ema(std::move(ema), trainable, config, 1);
  CHECK(ema.param(0).value.data_ptr() == buffer);

  const Params kept = ema;  // shared: no longer donated
  const at::Tensor before = kept.param(0).value.clone();
  const Params next = update_ema(Params(ema), trainable, config, 2);
  CHECK(at::equal(kept.param(0).value, before));
  CHECK(next.param(0).value.data_ptr() != buffer);
  CHECK(test::close(next.param(0).value, 0.9 * before + 0.1 * trainable.param(0).value));
}

TEST_CASE("update_ema: a trainable param without an average is an error naming it") {
  const Params trainable = model_params().split().first;
  Params ema =
      start_ema(trainable.filter([](const std::string& path, const Param&) { return path != "model/fc/bias"; }));
  CHECK_THROWS_WITH_AS(update_ema(std::move(ema), trainable, EmaConfig{0.9, true}, 1),
                       doctest::Contains("no average of the trainable param 'model/fc/bias'"), ParamsError);
}

TEST_CASE("evaluation_params: the averages stand in for their params, state stays, ema/ entries go; raw without EMA") {
  const Params params = model_params();
  const Params ema =
      start_ema(params.split().first).map([](const std::string&, const Param& p) { return p.value * 3; });
  const Params saved = params.merge(ema);

  const Params evaluated = evaluation_params(saved, /*use_ema=*/true);
  REQUIRE(evaluated.keys() == params.keys());
  CHECK(at::equal(evaluated["model/fc/kernel"].value, ema["ema/model/fc/kernel"].value));
  CHECK(at::equal(evaluated["model/fc/bias"].value, ema["ema/model/fc/bias"].value));
  CHECK(at::equal(evaluated["model/frozen/scale"].value, params["model/frozen/scale"].value));
  CHECK(evaluated["model/rng/counter"].value.item<int64_t>() == 7);
  CHECK(evaluated["model/fc/kernel"].trainable);  // the param's flags, the average's value

  const Params raw = evaluation_params(saved, /*use_ema=*/false);
  REQUIRE(raw.keys() == params.keys());
  CHECK(bitwise_equal(raw, params));
  CHECK(bitwise_equal(evaluation_params(params, true), params));  // nothing to average: as they are
}

TEST_CASE("evaluation_params: an average without its param, or of another shape, is a CheckpointError naming both") {
  const Params params = model_params();
  const Params stray = Params().with("ema/model/gone/kernel", Param{at::zeros({2}), false, {{"tag", "ema"}}}).locked();
  CHECK_THROWS_WITH_AS(evaluation_params(params.merge(stray), true, "run/last.safetensors"),
                       doctest::Contains("run/last.safetensors: 'ema/model/gone/kernel' averages 'model/gone/kernel', "
                                         "which the params do not hold"),
                       CheckpointError);
  const Params wrong = Params().with("ema/model/fc/bias", Param{at::zeros({5}), false, {{"tag", "ema"}}}).locked();
  CHECK_THROWS_WITH_AS(evaluation_params(params.merge(wrong), true, "f.safetensors"),
                       doctest::Contains("f.safetensors: 'ema/model/fc/bias' is Float [5] where its param "
                                         "'model/fc/bias' is Float [4]"),
                       CheckpointError);
  CHECK(evaluation_params(params.merge(wrong), false).keys() == params.keys());  // raw: the averages unread
}

TEST_CASE("init_from_checkpoint: a checkpoint's EMA weights, its ema/ tensors neither copied nor unused (strict)") {
  const fs::path file = fs::temp_directory_path() / ("blox_ema_" + std::to_string(std::rand()) + ".safetensors");
  const Params trained = model_params();
  const Params ema =
      start_ema(trained.split().first).map([](const std::string&, const Param& p) { return p.value - 1; });
  Checkpoint source;
  source.params = trained.merge(ema);
  save_checkpoint(file.string(), source);

  const Params fresh = model_params().map([](const std::string&, const Param& p) { return at::zeros_like(p.value); });
  FinetuneConfig config;
  config.init_from = file.string();
  config.strict = true;
  const FinetuneStart start = init_from_checkpoint(fresh, config);
  CHECK(start.ema);
  CHECK(start.report.find("(its EMA weights): 3 copied, 0 new, 0 skipped (shape), 0 in the checkpoint unused") !=
        std::string::npos);
  REQUIRE(start.params.keys() == fresh.keys());  // no ema/ entry: a new run starts its own average
  CHECK(at::equal(start.params["model/fc/kernel"].value, ema["ema/model/fc/kernel"].value));
  CHECK(at::equal(start.params["model/frozen/scale"].value, trained["model/frozen/scale"].value));

  const FinetuneStart raw = init_from_checkpoint(fresh, config, /*use_ema=*/false);
  CHECK_FALSE(raw.ema);
  CHECK(at::equal(raw.params["model/fc/kernel"].value, trained["model/fc/kernel"].value));
  fs::remove(file);
}
