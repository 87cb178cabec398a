// metrics_plot: tick placement and the SVG's panels, curves and escaping.
#include <doctest/doctest.h>

#include "blox/core/errors.h"
#include "blox/inspect/metrics_plot.h"

using namespace bx;

namespace {
size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

void check_ticks(const std::vector<double>& got, const std::vector<double>& expected) {
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(expected[i]).epsilon(1e-12));
}
}  // namespace

TEST_CASE("nice_ticks: 1-2-5 steps covering the range") {
  check_ticks(nice_ticks(0.0, 1.0), {0.0, 0.2, 0.4, 0.6, 0.8, 1.0});
  check_ticks(nice_ticks(469, 4690), {1000, 2000, 3000, 4000});
  check_ticks(nice_ticks(-0.3, 0.3), {-0.2, 0.0, 0.2});
  check_ticks(nice_ticks(0.0012, 0.0047), {0.002, 0.003, 0.004});
  check_ticks(nice_ticks(5, 5), {5});
}

TEST_CASE("plot_metrics_svg: a loss panel with both losses, one per other metric, one for the learning rate") {
  std::vector<MetricsRow> rows;
  for (int i = 1; i <= 4; ++i) {
    MetricsRow r{10 * i, i, 0.1 / i, 1.0 / i, 100.0, {}};
    if (i % 2 == 0) r.metrics = {{"loss", 0.9 / i}, {"accuracy", 0.5 + 0.1 * i}};
    rows.push_back(r);
  }
  const std::string svg = plot_metrics_svg(rows, "runs/<mlp>");
  CHECK(svg.rfind("<?xml", 0) == 0);
  CHECK(svg.substr(svg.size() - 7) == "</svg>\n");
  CHECK(count(svg, "<g transform") == 3);
  CHECK(count(svg, "<polyline") == 4);  // train loss, evaluation loss, accuracy, lr
  CHECK(svg.find(">accuracy</text>") != std::string::npos);
  CHECK(svg.find(">learning rate</text>") != std::string::npos);
  CHECK(svg.find("runs/&lt;mlp&gt;") != std::string::npos);
  // The train loss has 4 points, the evaluated accuracy only 2.
  const size_t train = svg.find("<title>train loss</title>");
  REQUIRE(train != std::string::npos);
  const size_t points = svg.rfind("points=\"", train);
  CHECK(count(svg.substr(points, train - points), ",") == 4);
  const size_t accuracy = svg.find("<title>accuracy</title>");
  const size_t accuracy_points = svg.rfind("points=\"", accuracy);
  CHECK(count(svg.substr(accuracy_points, accuracy - accuracy_points), ",") == 2);
  CHECK_THROWS_AS(plot_metrics_svg(std::vector<MetricsRow>{}, "empty"), Error);
}

TEST_CASE("plot_metrics_svg: several runs overlaid, a colour each, legends naming run and split") {
  std::vector<RunCurves> runs{{"runs/a", {}}, {"runs/b", {}}};
  for (int i = 1; i <= 3; ++i) {
    runs[0].rows.push_back({10 * i, i, 0.1, 1.0 / i, 100.0, {{"loss", 0.9 / i}, {"accuracy", 0.2 * i}}, "validation"});
    runs[1].rows.push_back({20 * i, i, 0.2, 2.0 / i, 100.0, {{"loss", 1.9 / i}, {"accuracy", 0.1 * i}}, "test"});
  }
  const std::string svg = plot_metrics_svg(runs, "two runs");
  CHECK(count(svg, "<g transform") == 3);  // loss, accuracy, learning rate
  CHECK(count(svg, "<polyline") == 8);     // per run: train loss, evaluation loss, accuracy, lr
  for (const char* name : {"runs/a train loss", "runs/a validation loss", "runs/a validation accuracy", "runs/a lr",
                           "runs/b train loss", "runs/b test loss", "runs/b test accuracy", "runs/b lr"}) {
    CHECK_MESSAGE(svg.find(std::string("<title>") + name + "</title>") != std::string::npos, name);
  }
  CHECK(count(svg, "stroke=\"#1f77b4\"") == 4);  // run a's colour
  CHECK(count(svg, "stroke=\"#ff7f0e\"") == 4);  // run b's
  CHECK(count(svg, "stroke-dasharray") == 2);      // the train losses
  runs[1].rows.clear();
  CHECK_THROWS_WITH_AS(plot_metrics_svg(runs, "two runs"), doctest::Contains("runs/b: no metrics rows"), Error);
}
