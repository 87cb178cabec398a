// Schedules against hand-computed values, and OneCycle / ReduceOnPlateau against PyTorch's
// (golden values printed by scripts/golden/schedules.py).
#include <cmath>

#include "support/helpers.h"

using namespace bx;

namespace {
constexpr double kPi = 3.14159265358979323846;

void check_rates(const Schedule& s, const std::vector<std::pair<int64_t, double>>& expected) {
  for (const auto& point : expected) {
    const int64_t step = point.first;
    CAPTURE(step);
    CHECK(s.lr(step) == doctest::Approx(point.second).epsilon(1e-12));
  }
}
}  // namespace

TEST_CASE("Schedules: constant, step, multi-step, exponential at chosen steps") {
  check_rates(ConstantSchedule(0.3), {{0, 0.3}, {1000, 0.3}});
  check_rates(StepSchedule(0.1, 3, 0.5), {{0, 0.1}, {2, 0.1}, {3, 0.05}, {6, 0.025}, {8, 0.025}});
  check_rates(MultiStepSchedule(1.0, {2, 5}, 0.1), {{0, 1.0}, {1, 1.0}, {2, 0.1}, {4, 0.1}, {5, 0.01}, {100, 0.01}});
  check_rates(ExponentialSchedule(0.5, 0.9), {{0, 0.5}, {3, 0.5 * 0.729}});
}

TEST_CASE("Schedules: cosine decays to its final rate and stays there") {
  check_rates(CosineSchedule(1.0, 10, 0.1),
              {{0, 1.0}, {5, 0.55}, {10, 0.1}, {20, 0.1}, {2, 0.1 + 0.9 * (1 + std::cos(kPi * 0.2)) / 2}});
}

TEST_CASE("Schedules: linear warmup composes with any schedule, which starts after the warmup") {
  check_rates(WarmupSchedule(std::make_shared<ConstantSchedule>(0.4), 4), {{0, 0.1}, {1, 0.2}, {3, 0.4}, {4, 0.4}});
  check_rates(WarmupSchedule(std::make_shared<CosineSchedule>(1.0, 10), 2), {{0, 0.5}, {1, 1.0}, {2, 1.0}, {7, 0.5}});
}

TEST_CASE("Schedules: one-cycle matches PyTorch's OneCycleLR step by step") {
  const std::vector<double> golden = {0.04, 0.52, 1, 0.950484632013, 0.81174565395, 0.611262021936, 0.388741978064,
                                      0.18825834605, 0.0495193679865, 4e-06};
  const OneCycleSchedule s(1.0, 10, 0.3, 25.0, 1e4);
  for (size_t t = 0; t < golden.size(); ++t) {
    CAPTURE(t);
    CHECK(s.lr(static_cast<int64_t>(t)) == doctest::Approx(golden[t]).epsilon(1e-9));
  }
}

TEST_CASE("Schedules: reduce-on-plateau matches PyTorch's ReduceLROnPlateau (patience, cooldown, min_lr)") {
  const ReduceOnPlateau plateau({1.0, "min", 0.5, 2, 1e-4, 1, 0.2});
  const std::vector<double> metrics = {1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85};
  const std::vector<double> golden = {1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25};  // rate before each metric
  ReduceOnPlateau::State state = plateau.initial_state();
  for (size_t t = 0; t < metrics.size(); ++t) {
    CAPTURE(t);
    CHECK(state.lr == doctest::Approx(golden[t]));
    state = plateau.observe(state, metrics[t]);
  }
  ReduceOnPlateau::State floor{0.21, 0.0, 0, 0};
  for (int i = 0; i < 3; ++i) floor = plateau.observe(floor, 1.0);
  CHECK(floor.lr == doctest::Approx(0.2));  // min_lr bounds the reduction
}

TEST_CASE("Schedules: invalid settings are config errors") {
  CHECK_THROWS_WITH_AS(StepSchedule(0.1, 0, 0.5), doctest::Contains("step_size must be > 0, got 0"), ConfigError);
  CHECK_THROWS_AS(MultiStepSchedule(0.1, {5, 2}, 0.5), ConfigError);
  CHECK_THROWS_AS(CosineSchedule(0.1, 0), ConfigError);
  CHECK_THROWS_AS(OneCycleSchedule(0.1, 10, 1.5), ConfigError);
  CHECK_THROWS_AS(WarmupSchedule(nullptr, 3), ConfigError);
  CHECK_THROWS_WITH_AS(ReduceOnPlateau({0.1, "lowest"}), doctest::Contains("mode must be 'min' or 'max', got 'lowest'"),
                       ConfigError);
}
