// Initializers written as mappings in a config reach the layer: checked on the dummy pass's params.
#include <filesystem>
#include <fstream>

#include "blox/config/model_builder.h"
#include "support/files.h"
#include "support/helpers.h"

using namespace bx;
namespace fs = std::filesystem;

TEST_CASE("kernel_init as a mapping: PyTorch's default (variance_scaling 1/3, uniform) gives U(+-1/sqrt(fan_in))") {
  const fs::path dir = fs::temp_directory_path() / ("blox_init_" + std::to_string(std::rand()));
  fs::create_directories(dir);
  const std::string s = test::source_path("datasets/fashion-mnist-subset/");
  std::ofstream(dir / "run.yaml")
      << "data:\n  format: idx\n  train: " << s << "train-images-idx3-ubyte.gz\n  train_labels: " << s
      << "train-labels-idx1-ubyte.gz\n  classes: 10\n"
         "model:\n  layers:\n    - {type: flatten}\n"
         "    - {type: linear, name: wide, output_size: 512, kernel_init: {type: variance_scaling, scale: 0.3333333333, "
         "distribution: uniform}, bias_init: {type: constant, value: 0.5}}\n"
         "    - {type: linear, name: logits, output_size: classes, kernel_init: {type: normal, stddev: 0.01}}\n";
  const PreparedRun prepared = prepare_run((dir / "run.yaml").string());
  const at::Tensor wide = prepared.model.params["model/wide/kernel"].value;  // [784, 512]
  const double bound = 1.0 / std::sqrt(784.0);
  CHECK(wide.abs().max().item<double>() <= bound);
  CHECK(wide.abs().max().item<double>() > 0.99 * bound);
  CHECK(wide.var().item<double>() == doctest::Approx(1.0 / (3 * 784.0)).epsilon(0.02));
  CHECK(at::equal(prepared.model.params["model/wide/bias"].value, at::full({512}, 0.5)));
  const double logits_std = prepared.model.params["model/logits/kernel"].value.std().item<double>();
  CHECK(logits_std == doctest::Approx(0.01).epsilon(0.05));
  // The resolved config keeps the mapping, with its defaults filled in.
  const std::string resolved = prepared.document.dump();
  CHECK(resolved.find("mode: fan_in") != std::string::npos);
  fs::remove_all(dir);
}
