// What `blox train` shows while it runs: one live line on a terminal, periodic lines otherwise.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "blox/train/loss_tally.h"

namespace bx {

struct ProgressSettings {
  bool quiet = false;           ///< no progress: only result() lines (--quiet)
  bool terminal = false;        ///< redraw one line in place (stdout is a TTY)
  int64_t log_every_steps = 50; ///< not a terminal: one line per this many steps (0: none)
  int64_t total_steps = 0;      ///< of the whole run, for "step N/T" and the ETA
  int64_t epochs = 0;
  double redraw_seconds = 0.2;  ///< terminal: at most one redraw per this interval
  int columns = 0;              ///< terminal: its width; the live line is cut to fit (0: unknown)
  int64_t world_size = 1;       ///< data-parallel processes (> 1: shown; examples/s are global)
  bool silent = false;          ///< print nothing at all (a data-parallel rank other than 0)
};

/// Step reports -> "epoch 3/10  step 1234/4690  loss 0.3012  lr 0.00074  4650 ex/s  ETA 1m12s".
/// The loss shown is the mean since the previous line; rates and the ETA count only the steps
/// this process ran (a resumed run does not credit the time of the run before).
class Progress {
 public:
  explicit Progress(ProgressSettings settings, std::FILE* out = stdout);

  /// After each update: steps done so far, 0-based epoch, the losses of this process's steps
  /// (a tally begun with this Progress; read only when a line is drawn), lr and examples.
  void step(int64_t step, int64_t epoch, const LossTally& losses, double lr, int64_t examples);
  /// A line that stays (an epoch summary, a message); on a terminal the live line is cleared
  /// first and redrawn at the next step. Nothing when quiet.
  void line(const std::string& text);
  /// A line that reports a result (the last epoch's figures, why the run stopped): printed as
  /// line() does, and when quiet too (quiet drops progress, not results). Nothing when silent.
  void result(const std::string& text);
  /// Clears the live line (before the program prints anything else or exits).
  void finish();
  /// Seconds since construction.
  double elapsed() const;

 private:
  using Clock = std::chrono::steady_clock;
  /// The line; the mean loss since the last one.
  std::string status(int64_t step, int64_t epoch, double loss, double lr) const;

  ProgressSettings settings_;
  std::FILE* out_;
  Clock::time_point started_ = Clock::now();
  Clock::time_point last_draw_;  ///< of the live line, when live_line_
  int64_t first_step_ = -1;  ///< the step count before this process's first step
  int64_t examples_ = 0;
  LossMark last_line_;  ///< the losses when the last line was drawn
  bool live_line_ = false;
};

/// "45s", "3m07s", "2h05m".
std::string format_duration(double seconds);

}  // namespace bx
