// The `schedule:` types: their settings (declared once, see settings.h) and builders.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "blox/optim/schedule.h"
#include "blox/schema/options.h"
#include "blox/schema/rule.h"
#include "blox/schema/type_registry.h"

namespace bx {

/// Reads a `schedule:` mapping (past `type`) into a maker of schedules peaking at `lr`; nullptr
/// after diagnostics.
using ScheduleBuilder = std::function<ScheduleMaker(Options& options, double lr)>;

struct StepScheduleSettings {
  int64_t step_size = 1000;
  double gamma = 0.1;
  template <class Visit>
  void fields(Visit& visit) {
    visit("step_size", step_size, Rule::positive(), "steps between decays");
    visit("gamma", gamma, Rule::positive(), "factor at each decay");
  }
};

struct MultiStepScheduleSettings {
  std::vector<int64_t> milestones;
  double gamma = 0.1;
  template <class Visit>
  void fields(Visit& visit) {
    visit("milestones", milestones, Rule::non_negative().required(), "steps at which the rate decays, increasing");
    visit("gamma", gamma, Rule::positive(), "factor at each milestone");
  }
};

struct ExponentialScheduleSettings {
  double gamma = 0.99;
  template <class Visit>
  void fields(Visit& visit) {
    visit("gamma", gamma, Rule::positive(), "factor per step");
  }
};

struct CosineScheduleSettings {
  int64_t total_steps = 0;
  double final_lr = 0.0;
  template <class Visit>
  void fields(Visit& visit) {
    visit("total_steps", total_steps, Rule::non_negative(),
          "steps of the decay; 0: the run's length (train.max_steps, else train.epochs x updates per epoch)");
    visit("final_lr", final_lr, Rule::non_negative(), "the rate at the end");
  }
};

struct OneCycleScheduleSettings {
  int64_t total_steps = 0;
  double pct_start = 0.3;
  double div_factor = 25.0;
  double final_div_factor = 1e4;
  template <class Visit>
  void fields(Visit& visit) {
    visit("total_steps", total_steps, Rule::non_negative(),
          "steps of the cycle; 0: the run's length (train.max_steps, else train.epochs x updates per epoch)");
    visit("pct_start", pct_start, Rule().above(0).below(1), "share of the steps spent rising");
    visit("div_factor", div_factor, Rule::positive(), "the start rate is lr / div_factor");
    visit("final_div_factor", final_div_factor, Rule::positive(), "the end rate is the start rate / final_div_factor");
  }
};

/// Keys every schedule takes.
struct ScheduleCommonSettings {
  int64_t warmup_steps = 0;
  template <class Visit>
  void fields(Visit& visit) {
    visit("warmup_steps", warmup_steps, Rule::non_negative(), "linear warmup before the schedule; 0: none");
  }
};

class ScheduleRegistry {
 public:
  ScheduleRegistry() : types_("schedule") {}
  void add(const std::string& type, TypeDoc doc, ScheduleBuilder builder);

  std::vector<std::string> types() const { return types_.types(); }
  std::vector<std::pair<std::string, TypeDoc>> docs() const { return types_.docs(); }

  /// The `schedule:` section (warmup_steps included); nullptr when it has no type (the
  /// optimizer's constant rate) or after diagnostics. The settings are checked here as far as
  /// they go without the run's length: with `max_steps` (> 0) as that length, else with a long run.
  ScheduleMaker build(Options options, double lr, int64_t max_steps) const;

 private:
  TypeRegistry<ScheduleBuilder> types_;
};

/// Every schedule blox ships.
const ScheduleRegistry& builtin_schedules();

}  // namespace bx
