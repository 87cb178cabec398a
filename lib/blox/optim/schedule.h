// Learning-rate schedules: the rate as a pure function of the step (and, for reduce-on-plateau,
// of an explicit state driven by an eval metric).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bx {

/// lr(step) for step = 0, 1, 2, ... (the number of updates done before this one).
class Schedule {
 public:
  virtual ~Schedule() = default;
  virtual double lr(int64_t step) const = 0;
};

/// A schedule still waiting for the run's length (train.max_steps, else train.epochs times the
/// updates per epoch, known once the data is open): the default total_steps of the schedules
/// that need one (after any warmup). Throws ConfigError when the settings and that length do not fit.
using ScheduleMaker = std::function<std::shared_ptr<const Schedule>(int64_t run_steps)>;

/// lr.
class ConstantSchedule final : public Schedule {
 public:
  explicit ConstantSchedule(double lr);
  double lr(int64_t step) const override;

 private:
  double lr_;
};

/// lr * gamma^floor(step / step_size).
class StepSchedule final : public Schedule {
 public:
  StepSchedule(double lr, int64_t step_size, double gamma);
  double lr(int64_t step) const override;

 private:
  double lr_;
  int64_t step_size_;
  double gamma_;
};

/// lr * gamma^(number of milestones <= step); milestones strictly increasing.
class MultiStepSchedule final : public Schedule {
 public:
  MultiStepSchedule(double lr, std::vector<int64_t> milestones, double gamma);
  double lr(int64_t step) const override;

 private:
  double lr_;
  std::vector<int64_t> milestones_;
  double gamma_;
};

/// lr * gamma^step.
class ExponentialSchedule final : public Schedule {
 public:
  ExponentialSchedule(double lr, double gamma);
  double lr(int64_t step) const override;

 private:
  double lr_;
  double gamma_;
};

/// final + (lr - final) * (1 + cos(pi * min(step, total) / total)) / 2.
class CosineSchedule final : public Schedule {
 public:
  CosineSchedule(double lr, int64_t total_steps, double final_lr = 0.0);
  double lr(int64_t step) const override;

 private:
  double lr_;
  int64_t total_;
  double final_;
};

/// Linear warmup composed with any schedule: lr = inner(0) * (step + 1) / warmup_steps for
/// step < warmup_steps, then inner(step - warmup_steps) (the inner schedule starts after).
class WarmupSchedule final : public Schedule {
 public:
  WarmupSchedule(std::shared_ptr<const Schedule> inner, int64_t warmup_steps);
  double lr(int64_t step) const override;

 private:
  std::shared_ptr<const Schedule> inner_;
  int64_t warmup_;
};

/// PyTorch's OneCycleLR (cosine annealing, two phases): from max_lr / div_factor up to max_lr
/// over pct_start of total_steps, then down to max_lr / (div_factor * final_div_factor).
class OneCycleSchedule final : public Schedule {
 public:
  OneCycleSchedule(double max_lr, int64_t total_steps, double pct_start = 0.3, double div_factor = 25.0,
                   double final_div_factor = 1e4);
  double lr(int64_t step) const override;

 private:
  double max_lr_;
  int64_t total_;
  double pct_start_;
  double initial_;
  double final_;
};

/// Reduce-on-plateau (PyTorch's ReduceLROnPlateau, relative threshold): multiplies the rate by
/// `factor` after `patience` evaluations without improvement, then waits `cooldown`. Its state
/// is a value, so it checkpoints with the run.
class ReduceOnPlateau {
 public:
  struct Settings {
    double lr = 1e-3;
    std::string mode = "min";  ///< "min" (loss) or "max" (accuracy)
    double factor = 0.1;       ///< in (0, 1)
    int64_t patience = 10;     ///< >= 0
    double threshold = 1e-4;   ///< relative improvement that counts, >= 0
    int64_t cooldown = 0;      ///< >= 0
    double min_lr = 0.0;       ///< >= 0
  };
  struct State {
    double lr;
    double best;
    int64_t bad_evaluations = 0;
    int64_t cooldown_left = 0;
  };

  explicit ReduceOnPlateau(Settings settings);
  State initial_state() const;
  /// The state after observing `metric` (a new rate when it plateaued).
  State observe(const State& state, double metric) const;

 private:
  bool improves(double metric, double best) const;
  Settings settings_;
};

}  // namespace bx
