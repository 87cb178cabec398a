#include "blox/train/progress.h"

#include <cmath>

#include <fmt/format.h>

namespace bx {

std::string format_duration(double seconds) {
  const int64_t s = static_cast<int64_t>(std::llround(std::max(seconds, 0.0)));
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02d}s", s / 60, s % 60);
  return fmt::format("{}h{:02d}m", s / 3600, (s % 3600) / 60);
}

Progress::Progress(ProgressSettings settings, std::FILE* out) : settings_(settings), out_(out) {}

double Progress::elapsed() const { return std::chrono::duration<double>(Clock::now() - started_).count(); }

std::string Progress::status(int64_t step, int64_t epoch, double loss, double lr) const {
  const double elapsed = this->elapsed();
  const double rate = static_cast<double>(examples_) / std::max(elapsed, 1e-9);
  const int64_t done_here = step - first_step_;
  std::string text = fmt::format("epoch {}/{}  step {}", epoch + 1, settings_.epochs, step);
  if (settings_.total_steps > 0) text += fmt::format("/{}", settings_.total_steps);
  text += fmt::format("  loss {:.4f}  lr {:.3g}  {:.0f} ex/s", loss, lr, rate);
  if (settings_.world_size > 1) text += fmt::format(" on {} processes", settings_.world_size);
  if (settings_.total_steps > step && done_here > 0) {
    const double eta = elapsed / static_cast<double>(done_here) * static_cast<double>(settings_.total_steps - step);
    text += "  ETA " + format_duration(eta);
  }
  return text + "  " + format_duration(elapsed);
}

void Progress::step(int64_t step, int64_t epoch, const LossTally& losses, double lr, int64_t examples) {
  if (first_step_ < 0) first_step_ = step - 1;
  examples_ += examples;
  if (settings_.quiet || settings_.silent) return;
  if (settings_.terminal) {
    const auto now = Clock::now();
    const bool last = settings_.total_steps > 0 && step >= settings_.total_steps;
    const bool due = !live_line_ || std::chrono::duration<double>(now - last_draw_).count() >= settings_.redraw_seconds;
    if (!last && !due) return;
    last_draw_ = now;
    std::string text = status(step, epoch, last_line_.mean_since(losses), lr);
    // A wrapped line could not be erased by the next redraw: cut it to the terminal's width.
    if (settings_.columns > 1 && text.size() >= static_cast<size_t>(settings_.columns)) text.resize(settings_.columns - 1);
    fmt::print(out_, "\r\033[K{}", text);  // return, erase the line, redraw
    live_line_ = true;
  } else {
    if (settings_.log_every_steps <= 0 || step % settings_.log_every_steps != 0) return;
    fmt::print(out_, "{}\n", status(step, epoch, last_line_.mean_since(losses), lr));
  }
  std::fflush(out_);
  last_line_ = LossMark::at(losses);
}

void Progress::line(const std::string& text) {
  if (settings_.quiet) return;
  result(text);
}

void Progress::result(const std::string& text) {
  if (settings_.silent) return;
  finish();
  fmt::print(out_, "{}\n", text);
  std::fflush(out_);
}

void Progress::finish() {
  if (!live_line_) return;
  fmt::print(out_, "\r\033[K");
  std::fflush(out_);
  live_line_ = false;
}

}  // namespace bx
