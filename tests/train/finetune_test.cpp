// init_from_checkpoint: copy by path after rename rules, the report table, strict mode.
#include <filesystem>

#include "support/helpers.h"
#include "blox/train/finetune.h"

using namespace bx;
namespace fs = std::filesystem;

TEST_CASE("init_from_checkpoint: renamed prefixes are copied, shape mismatches skipped, the rest new or unused") {
  const fs::path file = fs::temp_directory_path() / ("blox_finetune_" + std::to_string(std::rand()) + ".safetensors");
  Checkpoint source;
  source.params = Params()
                      .with("model/encoder/conv/kernel", Param{test::randn({4, 3}, 1), true, {}})
                      .with("model/head/kernel", Param{test::randn({4, 10}, 2), true, {}})
                      .with("model/old_only/bias", Param{test::randn({2}, 3), true, {}})
                      .with("model/rng/seed", Param{at::scalar_tensor(int64_t{11}, at::kLong), false, {{"tag", "rng_seed"}}});
  save_checkpoint(file.string(), source);

  const Params fresh = Params()
                           .with("model/backbone/conv/kernel", Param{at::zeros({4, 3}), true, {}})
                           .with("model/head/kernel", Param{at::zeros({4, 2}), true, {}})
                           .with("model/new/bias", Param{at::zeros({2}), true, {}})
                           .with("model/rng/seed", Param{at::scalar_tensor(int64_t{99}, at::kLong), false, {{"tag", "rng_seed"}}});
  FinetuneConfig config;
  config.init_from = file.string();
  config.rename = {{"model/encoder/**", "model/backbone/**"}};
  const FinetuneStart start = init_from_checkpoint(fresh, config);
  CHECK(at::equal(start.params["model/backbone/conv/kernel"].value, source.params["model/encoder/conv/kernel"].value));
  CHECK(at::equal(start.params["model/head/kernel"].value, at::zeros({4, 2})));  // skipped: [4, 10] vs [4, 2]
  CHECK(at::equal(start.params["model/new/bias"].value, at::zeros({2})));
  CHECK(start.params["model/rng/seed"].value.item<int64_t>() == 99);  // this run's own Rng
  CHECK(start.report.find(": 1 copied, 1 new, 1 skipped (shape), 1 in the checkpoint unused; 1 Rng params") !=
        std::string::npos);
  CHECK(start.report.find("  skipped  model/head/kernel (checkpoint [4, 10], model [4, 2])") != std::string::npos);
  CHECK(start.report.find("  new      model/new/bias") != std::string::npos);
  CHECK(start.report.find("  copied   model/backbone/conv/kernel <- model/encoder/conv/kernel") != std::string::npos);
  CHECK(start.report.find("  unused   model/old_only/bias") != std::string::npos);

  config.strict = true;
  CHECK_THROWS_WITH_AS(init_from_checkpoint(fresh, config),
                       doctest::Contains("finetune.strict: 1 new, 1 skipped and 1 unused params"), ConfigError);
  config.strict = false;
  config.rename = {{"model/encoder/*/kernel", "model/head/kernel"}};  // onto a path the file holds too
  CHECK_THROWS_WITH_AS(init_from_checkpoint(fresh, config),
                       doctest::Contains("finetune.rename maps both 'model/encoder/conv/kernel' and 'model/head/kernel' "
                                         "onto model/head/kernel"),
                       ConfigError);
  fs::remove(file);
}

TEST_CASE("init_from_checkpoint: the text vocabulary is the run's own, like its Rng state") {
  const fs::path file = fs::temp_directory_path() / ("blox_finetune_" + std::to_string(std::rand()) + ".safetensors");
  const auto vocabulary = [](const char32_t* text) { return Vocabulary::from_text(text).store(Params()); };
  Checkpoint source;
  source.params = vocabulary(U"abc").with("model/embed/table", Param{test::randn({3, 2}, 1), true, {}});
  save_checkpoint(file.string(), source);
  // Another text with as many characters: copying its vocabulary would misread this run's ids.
  const Params fresh = vocabulary(U"xyz").with("model/embed/table", Param{at::zeros({3, 2}), true, {}});
  FinetuneConfig config;
  config.init_from = file.string();
  config.strict = true;
  const FinetuneStart start = init_from_checkpoint(fresh, config);
  CHECK(Vocabulary::load(start.params) == Vocabulary::from_text(U"xyz"));
  CHECK(at::equal(start.params["model/embed/table"].value, source.params["model/embed/table"].value));
  CHECK(start.report.find(": 1 copied, 0 new, 0 skipped (shape), 0 in the checkpoint unused; 0 Rng params from this "
                          "run's seed, the vocabulary from its data") != std::string::npos);
  fs::remove(file);
}
