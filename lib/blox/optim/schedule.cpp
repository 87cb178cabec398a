// Schedules. Each validates its settings once, so lr(step) is plain arithmetic.
#include "blox/optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "blox/core/errors.h"

namespace bx {
namespace {

constexpr double kPi = 3.14159265358979323846;

void require(bool ok, const std::string& message) {
  if (!ok) throw ConfigError("schedule " + message);
}

double cosine_between(double from, double to, double fraction) {
  return to + (from - to) * (1 + std::cos(kPi * fraction)) / 2;
}

}  // namespace

ConstantSchedule::ConstantSchedule(double lr) : lr_(lr) {
  require(lr >= 0, fmt::format("constant: lr must be >= 0, got {}", lr));
}
double ConstantSchedule::lr(int64_t) const { return lr_; }

StepSchedule::StepSchedule(double lr, int64_t step_size, double gamma) : lr_(lr), step_size_(step_size), gamma_(gamma) {
  require(step_size > 0, fmt::format("step: step_size must be > 0, got {}", step_size));
  require(gamma > 0, fmt::format("step: gamma must be > 0, got {}", gamma));
}
double StepSchedule::lr(int64_t step) const { return lr_ * std::pow(gamma_, static_cast<double>(step / step_size_)); }

MultiStepSchedule::MultiStepSchedule(double lr, std::vector<int64_t> milestones, double gamma)
    : lr_(lr), milestones_(std::move(milestones)), gamma_(gamma) {
  require(std::is_sorted(milestones_.begin(), milestones_.end()) &&
              std::adjacent_find(milestones_.begin(), milestones_.end()) == milestones_.end(),
          "multi_step: milestones must be strictly increasing");
  require(gamma > 0, fmt::format("multi_step: gamma must be > 0, got {}", gamma));
}
double MultiStepSchedule::lr(int64_t step) const {
  const auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), step) - milestones_.begin();
  return lr_ * std::pow(gamma_, static_cast<double>(passed));
}

ExponentialSchedule::ExponentialSchedule(double lr, double gamma) : lr_(lr), gamma_(gamma) {
  require(gamma > 0, fmt::format("exponential: gamma must be > 0, got {}", gamma));
}
double ExponentialSchedule::lr(int64_t step) const { return lr_ * std::pow(gamma_, static_cast<double>(step)); }

CosineSchedule::CosineSchedule(double lr, int64_t total_steps, double final_lr)
    : lr_(lr), total_(total_steps), final_(final_lr) {
  require(total_steps > 0, fmt::format("cosine: total_steps must be > 0, got {}", total_steps));
  require(final_lr <= lr, fmt::format("cosine: final_lr {} is above the learning rate {}; the rate decays to it", final_lr, lr));
}
double CosineSchedule::lr(int64_t step) const {
  return cosine_between(lr_, final_, static_cast<double>(std::min(step, total_)) / static_cast<double>(total_));
}

WarmupSchedule::WarmupSchedule(std::shared_ptr<const Schedule> inner, int64_t warmup_steps)
    : inner_(std::move(inner)), warmup_(warmup_steps) {
  require(inner_ != nullptr, "warmup: needs a schedule to warm up into");
  require(warmup_steps >= 0, fmt::format("warmup: warmup_steps must be >= 0, got {}", warmup_steps));
}
double WarmupSchedule::lr(int64_t step) const {
  if (step < warmup_) return inner_->lr(0) * static_cast<double>(step + 1) / static_cast<double>(warmup_);
  return inner_->lr(step - warmup_);
}

OneCycleSchedule::OneCycleSchedule(double max_lr, int64_t total_steps, double pct_start, double div_factor,
                                   double final_div_factor)
    : max_lr_(max_lr),
      total_(total_steps),
      pct_start_(pct_start),
      initial_(max_lr / div_factor),
      final_(max_lr / div_factor / final_div_factor) {
  require(total_steps > 1, fmt::format("one_cycle: total_steps must be > 1, got {}", total_steps));
  require(pct_start > 0 && pct_start < 1, fmt::format("one_cycle: pct_start must be in (0, 1), got {}", pct_start));
  require(div_factor > 0 && final_div_factor > 0, "one_cycle: div_factor and final_div_factor must be > 0");
}
double OneCycleSchedule::lr(int64_t step) const {
  // PyTorch's phase ends: the peak at pct_start * total - 1, the end at total - 1.
  const double peak = pct_start_ * static_cast<double>(total_) - 1;
  const double end = static_cast<double>(total_) - 1;
  const double t = static_cast<double>(std::min(step, total_ - 1));
  if (t <= peak) return cosine_between(initial_, max_lr_, t / peak);
  return cosine_between(max_lr_, final_, (t - peak) / (end - peak));
}

ReduceOnPlateau::ReduceOnPlateau(Settings settings) : settings_(std::move(settings)) {
  require(settings_.mode == "min" || settings_.mode == "max",
          fmt::format("reduce_on_plateau: mode must be 'min' or 'max', got '{}'", settings_.mode));
  require(settings_.factor > 0 && settings_.factor < 1,
          fmt::format("reduce_on_plateau: factor must be in (0, 1), got {}", settings_.factor));
  require(settings_.patience >= 0 && settings_.cooldown >= 0 && settings_.threshold >= 0 && settings_.min_lr >= 0,
          "reduce_on_plateau: patience, cooldown, threshold and min_lr must be >= 0");
}

ReduceOnPlateau::State ReduceOnPlateau::initial_state() const {
  const double worst = settings_.mode == "min" ? std::numeric_limits<double>::infinity()
                                               : -std::numeric_limits<double>::infinity();
  return {settings_.lr, worst, 0, 0};
}

bool ReduceOnPlateau::improves(double metric, double best) const {
  if (settings_.mode == "min") return metric < best * (1 - settings_.threshold);
  return metric > best * (1 + settings_.threshold);
}

ReduceOnPlateau::State ReduceOnPlateau::observe(const State& state, double metric) const {
  State next = state;
  if (improves(metric, state.best)) {
    next.best = metric;
    next.bad_evaluations = 0;
  } else {
    ++next.bad_evaluations;
  }
  if (next.cooldown_left > 0) {
    --next.cooldown_left;
    next.bad_evaluations = 0;
  }
  if (next.bad_evaluations > settings_.patience) {
    next.lr = std::max(next.lr * settings_.factor, settings_.min_lr);
    next.cooldown_left = settings_.cooldown;
    next.bad_evaluations = 0;
  }
  return next;
}

}  // namespace bx
