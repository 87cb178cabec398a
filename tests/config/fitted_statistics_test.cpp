// The standardize statistics a run fits: per feature, the mean and population std of the
// training split only (the held-out rows left out), written into the resolved config.
#include <ATen/ops/std.h>
#include <fmt/format.h>

#include "blox/config/model_builder.h"
#include "blox/data/csv.h"
#include "blox/data/transforms.h"
#include "blox/train/run_data.h"
#include "support/run_helpers.h"

using namespace bx;
using namespace bx::test;

TEST_CASE("standardize: fitted on the training split alone, its values in the resolved config") {
  RunDir run;
  std::string table = "a,b,label\n";
  for (int i = 0; i < 20; ++i) table += fmt::format("{},{},{}\n", i, i * i % 7 + 0.5 * i, i % 2);
  write(run.path / "rows.csv", table);
  write(run.path / "rows.yaml",
        "seed: 5\ndata: {format: csv, train: rows.csv, label: label, classes: 2, validation_fraction: 0.3,\n"
        "       transforms: [{type: standardize}]}\n"
        "model: {layers: [{type: linear, output_size: classes}]}\n");
  const PreparedRun prepared = prepare_run((run.path / "rows.yaml").string());
  const auto* normalize = dynamic_cast<const Normalize*>(prepared.run.data.transforms.at(0).get());
  REQUIRE(normalize != nullptr);

  // The expected values from the rows the run trains on, by libtorch's own reductions.
  const RunData data = load_run_data(prepared.run.data, 5);
  REQUIRE(data.train.size() == 14);
  const at::Tensor kept = data.train.inputs.to(at::kDouble);
  const at::Tensor mean = kept.mean(0), std = at::std(kept, 0, /*unbiased=*/false);
  const at::Tensor all = read_csv((run.path / "rows.csv").string(), prepared.run.data.csv).inputs.to(at::kDouble);
  for (int64_t c = 0; c < 2; ++c) {
    CAPTURE(c);
    CHECK(normalize->mean()[c] == doctest::Approx(mean[c].item<double>()).epsilon(1e-12));
    CHECK(normalize->std()[c] == doctest::Approx(std[c].item<double>()).epsilon(1e-12));
    // Fitting on every row (the held-out ones too) would give other values.
    CHECK(std::abs(normalize->mean()[c] - all.mean(0)[c].item<double>()) > 1e-3);
  }
  const std::string resolved = prepared.document.dump();
  CHECK_MESSAGE(resolved.find(fmt::format("mean: [{}, {}]", normalize->mean()[0], normalize->mean()[1])) !=
                    std::string::npos,
                resolved);
}
