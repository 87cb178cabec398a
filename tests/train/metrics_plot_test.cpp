// metrics_plot: tick placement and the SVG's panels, curves and escaping.
#include <doctest/doctest.h>

#include "blox/core/errors.h"
#include "blox/train/metrics_plot.h"

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
  CHECK_THROWS_AS(plot_metrics_svg({}, "empty"), Error);
}
