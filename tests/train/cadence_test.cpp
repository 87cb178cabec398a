// The cadence rules, as the first comment of lib/blox/train/cadence.h states them.
#include "blox/train/cadence.h"

#include <doctest/doctest.h>

using namespace bx;

namespace {
CadenceSettings settings() {
  CadenceSettings s;
  s.train.epochs = 3;
  s.train.eval_every_epochs = 1;
  s.train.eval_every_steps = 0;
  s.train.log_every_steps = 50;
  s.checkpoint.every_epochs = 1;
  s.checkpoint.every_steps = 0;
  return s;
}
Moment mid(int64_t step, int64_t epoch = 0, StopSignal signal = StopSignal::none) {
  return Moment::mid_epoch(step, epoch, signal);
}
Moment end(int64_t step, int64_t epoch, StopSignal signal = StopSignal::none, bool stepped = true) {
  return Moment::end_of_epoch(step, epoch, stepped, signal);
}
}  // namespace

TEST_CASE("Cadence mid-epoch: rows every log_every_steps, evaluations every eval_every_steps, saves every every_steps") {
  CadenceSettings s = settings();
  s.train.eval_every_steps = 30;
  s.checkpoint.every_steps = 20;
  const Cadence c(s);
  CHECK(c.due(mid(10)) == Due{false, false, false});
  CHECK(c.due(mid(20)) == Due{false, false, true});
  CHECK(c.due(mid(30)) == Due{true, false, false});
  CHECK(c.due(mid(50)) == Due{false, true, false});
  CHECK(c.due(mid(60)) == Due{true, false, true});
  CHECK(c.stop_after(mid(60), false) == StopReason::none);
  s.train.log_every_steps = 0;  // 0: off
  CHECK(Cadence(s).due(mid(50)) == Due{false, false, false});
}

TEST_CASE("Cadence epoch end: a row always; evaluate and save by the epoch cadences, the step cadences and the last epoch") {
  CadenceSettings s = settings();
  s.train.eval_every_epochs = 2;
  s.checkpoint.every_epochs = 0;
  const Cadence c(s);
  CHECK(c.due(end(100, 0)) == Due{false, true, false});
  CHECK(c.due(end(200, 1)) == Due{true, true, false});   // the 2nd epoch: eval_every_epochs
  CHECK(c.due(end(300, 2)) == Due{true, true, true});    // the last epoch: evaluate and save
  s.train.eval_every_steps = 100;
  s.checkpoint.every_steps = 100;
  // The epoch's last step falls on both step cadences: served at the epoch end.
  CHECK(Cadence(s).due(end(100, 0)) == Due{true, true, true});
  // ...but not when the epoch had no steps (a run resumed at the epoch's end).
  CHECK(Cadence(s).due(end(100, 0, StopSignal::none, false)) == Due{false, true, false});
}

TEST_CASE("Cadence: max_steps ends the last epoch early; the run stops there") {
  CadenceSettings s = settings();
  s.train.max_steps = 150;
  s.checkpoint.every_epochs = 0;
  s.train.eval_every_epochs = 0;
  const Cadence c(s);
  CHECK_FALSE(c.at_max_steps(149));
  CHECK(c.at_max_steps(150));
  CHECK(c.due(end(150, 1)) == Due{true, true, true});  // the last epoch, by max_steps
  CHECK(c.stop_after(end(150, 1), false) == StopReason::max_steps);
  CHECK(c.stop_after(end(100, 0), false) == StopReason::none);
}

TEST_CASE("Cadence: the last epoch finishes the run") {
  const Cadence c(settings());
  CHECK(c.stop_after(end(200, 1), false) == StopReason::none);
  CHECK(c.stop_after(end(300, 2), false) == StopReason::finished);
}

TEST_CASE("Cadence signals: SIGINT / SIGTERM mid-epoch save and stop before anything else") {
  CadenceSettings s = settings();
  s.train.eval_every_steps = 10;
  const Cadence c(s);
  CHECK(c.due(mid(50, 0, StopSignal::interrupt)) == Due{false, false, true});
  CHECK(c.stop_after(mid(50, 0, StopSignal::interrupt), false) == StopReason::interrupted);
  CHECK(c.due(mid(50, 0, StopSignal::terminate)) == Due{false, false, true});
  CHECK(c.stop_after(mid(50, 0, StopSignal::terminate), false) == StopReason::terminated);
}

TEST_CASE("Cadence signals: at an epoch end (a signal during the epoch's last step) after the evaluation and row") {
  CadenceSettings s = settings();
  s.train.eval_every_epochs = 1;
  s.checkpoint.every_epochs = 0;
  const Cadence c(s);
  CHECK(c.due(end(100, 0, StopSignal::terminate)) == Due{true, true, true});
  CHECK(c.stop_after(end(100, 0, StopSignal::terminate), false) == StopReason::terminated);
}

TEST_CASE("Cadence signals: SIGUSR1 adds a save and goes on") {
  const Cadence c(settings());
  CHECK(c.due(mid(50, 0, StopSignal::save_and_continue)) == Due{false, true, true});
  CHECK(c.stop_after(mid(50, 0, StopSignal::save_and_continue), false) == StopReason::none);
  CadenceSettings s = settings();
  s.checkpoint.every_epochs = 0;
  CHECK(Cadence(s).due(end(100, 0, StopSignal::save_and_continue)).save);
}

TEST_CASE("Cadence: why a run stops, first match wins: signal, early stopping, max_steps, last epoch") {
  CadenceSettings s = settings();
  s.train.max_steps = 300;
  const Cadence c(s);
  CHECK(c.stop_after(end(300, 2, StopSignal::interrupt), true) == StopReason::interrupted);
  CHECK(c.stop_after(end(300, 2), true) == StopReason::early_stopping);
  CHECK(c.stop_after(mid(40), true) == StopReason::early_stopping);  // after a mid-epoch evaluation
  CHECK(c.stop_after(end(300, 2), false) == StopReason::max_steps);
  CHECK(std::string(stop_reason_name(StopReason::early_stopping)) == "early_stopping");
}

TEST_CASE("exit_code: 130 after SIGINT, 143 after SIGTERM, 0 for every other stop") {
  CHECK(exit_code(StopReason::interrupted) == 130);
  CHECK(exit_code(StopReason::terminated) == 143);
  for (StopReason r : {StopReason::finished, StopReason::max_steps, StopReason::early_stopping}) CHECK(exit_code(r) == 0);
}
