#include "blox/optim/schedule_registry.h"

#include <algorithm>

#include "blox/core/errors.h"
#include "blox/schema/settings.h"

namespace bx {
namespace {

// A schedule made from settings S: read (diagnostics on failure), then made.
template <class S, class Make>
ScheduleBuilder from_settings(S defaults, Make make) {
  return [defaults, make](Options& o, double lr) -> ScheduleMaker {
    const auto settings = read_settings(o, defaults);
    if (!settings) return nullptr;
    return [lr, s = *settings, make](int64_t run_steps) -> std::shared_ptr<const Schedule> { return make(lr, s, run_steps); };
  };
}

template <class S>
TypeDoc doc(const std::string& summary) {
  return {summary, settings_doc(S{})};
}

}  // namespace

void ScheduleRegistry::add(const std::string& type, TypeDoc doc, ScheduleBuilder builder) {
  types_.add(type, std::move(doc), std::move(builder));
}

ScheduleMaker ScheduleRegistry::build(Options o, double lr, int64_t max_steps) const {
  if (!o.has("type")) {
    o.finish();
    return nullptr;
  }
  const ScheduleBuilder* builder = types_.find(o, "type", o.string("type", "constant"));
  if (!builder) return nullptr;  // its other keys mean nothing without a known type
  ScheduleMaker schedule = (*builder)(o, lr);
  const auto common = read_settings(o, ScheduleCommonSettings{});
  if (!schedule || !common) {
    o.finish();
    return nullptr;
  }
  const int64_t warmup = common->warmup_steps;
  ScheduleMaker out = [schedule, warmup](int64_t run_steps) -> std::shared_ptr<const Schedule> {
    // After the warmup, the rest of the run.
    std::shared_ptr<const Schedule> inner = schedule(std::max<int64_t>(1, run_steps - warmup));
    return warmup > 0 ? std::make_shared<WarmupSchedule>(inner, warmup) : inner;
  };
  try {
    constexpr int64_t kLongRun = int64_t{1} << 40;  // no length-bound setting fails on it
    out(max_steps > 0 ? max_steps : kLongRun);
  } catch (const ConfigError& e) {
    o.error("type", e.what());
    out = nullptr;
  }
  o.finish();
  return out;
}

const ScheduleRegistry& builtin_schedules() {
  static const ScheduleRegistry kBuiltin = [] {
    ScheduleRegistry r;
    r.add("constant", {"the optimizer's learning_rate throughout", {}},
          [](Options&, double lr) -> ScheduleMaker {
            return [lr](int64_t) { return std::make_shared<ConstantSchedule>(lr); };
          });
    r.add("step", doc<StepScheduleSettings>("lr * gamma^floor(step / step_size)"),
          from_settings(StepScheduleSettings{}, [](double lr, const StepScheduleSettings& s, int64_t) {
            return std::make_shared<StepSchedule>(lr, s.step_size, s.gamma);
          }));
    r.add("multi_step", doc<MultiStepScheduleSettings>("lr * gamma^(milestones passed)"),
          from_settings(MultiStepScheduleSettings{}, [](double lr, const MultiStepScheduleSettings& s, int64_t) {
            return std::make_shared<MultiStepSchedule>(lr, s.milestones, s.gamma);
          }));
    r.add("exponential", doc<ExponentialScheduleSettings>("lr * gamma^step"),
          from_settings(ExponentialScheduleSettings{}, [](double lr, const ExponentialScheduleSettings& s, int64_t) {
            return std::make_shared<ExponentialSchedule>(lr, s.gamma);
          }));
    r.add("cosine", doc<CosineScheduleSettings>("cosine decay from lr to final_lr over total_steps"),
          from_settings(CosineScheduleSettings{}, [](double lr, const CosineScheduleSettings& s, int64_t run_steps) {
            return std::make_shared<CosineSchedule>(lr, s.total_steps > 0 ? s.total_steps : run_steps, s.final_lr);
          }));
    r.add("one_cycle", doc<OneCycleScheduleSettings>("PyTorch's OneCycleLR: a cosine rise to lr, then a cosine fall"),
          from_settings(OneCycleScheduleSettings{}, [](double lr, const OneCycleScheduleSettings& s, int64_t run_steps) {
            return std::make_shared<OneCycleSchedule>(lr, s.total_steps > 0 ? s.total_steps : run_steps, s.pct_start,
                                                      s.div_factor, s.final_div_factor);
          }));
    return r;
  }();
  return kBuiltin;
}

}  // namespace bx
