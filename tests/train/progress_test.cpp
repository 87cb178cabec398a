// Progress: live line on a terminal, periodic lines otherwise, nothing when quiet.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <ATen/ops/scalar_tensor.h>
#include <doctest/doctest.h>

#include "blox/train/progress.h"

using namespace bx;

namespace {

// Everything a Progress printed, through a memory stream.
struct Capture {
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* file = open_memstream(&buffer, &size);
  ~Capture() {
    std::fclose(file);
    std::free(buffer);
  }
  std::string text() {
    std::fflush(file);
    return std::string(buffer, size);
  }
};

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Adds `loss` to the tally and reports the step, as the trainer does.
void step(Progress& p, LossTally& losses, int64_t s, int64_t epoch, double loss, double lr, int64_t examples) {
  losses.add(at::scalar_tensor(loss), s);
  p.step(s, epoch, losses, lr, examples);
}

}  // namespace

TEST_CASE("format_duration: seconds, minutes, hours") {
  CHECK(format_duration(0.4) == "0s");
  CHECK(format_duration(45) == "45s");
  CHECK(format_duration(187) == "3m07s");
  CHECK(format_duration(7500) == "2h05m");
  CHECK(format_duration(-3) == "0s");
}

TEST_CASE("Progress off a terminal: one plain line per log_every_steps, with the mean loss since the last line") {
  Capture out;
  Progress p({false, false, 2, 6, 3}, out.file);
  LossTally losses;
  step(p, losses, 1, 0, 1.0, 0.1, 10);
  step(p, losses, 2, 0, 3.0, 0.1, 10);
  step(p, losses, 3, 1, 5.0, 0.05, 10);
  p.line("epoch summary");
  step(p, losses, 4, 1, 7.0, 0.05, 10);
  const std::string text = out.text();
  CHECK(count(text, "\n") == 3);
  CHECK(text.find('\r') == std::string::npos);
  CHECK(text.find("epoch 1/3  step 2/6  loss 2.0000  lr 0.1  ") == 0);
  CHECK(text.find("ETA ") != std::string::npos);
  CHECK(text.find("epoch summary\nepoch 2/3  step 4/6  loss 6.0000  lr 0.05  ") != std::string::npos);
}

TEST_CASE("Progress on a terminal: redraws one line in place, clears it before a lasting line and at the end") {
  Capture out;
  Progress p({false, true, 50, 3, 1, /*redraw_seconds=*/0.0}, out.file);
  LossTally losses;
  step(p, losses, 1, 0, 1.0, 0.1, 10);
  step(p, losses, 2, 0, 1.0, 0.1, 10);
  p.line("kept");
  step(p, losses, 3, 0, 1.0, 0.1, 10);
  p.finish();
  const std::string text = out.text();
  CHECK(count(text, "\r\033[K") == 5);  // 3 redraws, 1 clear before "kept", 1 at the end
  CHECK(count(text, "\n") == 1);
  CHECK(text.find("\r\033[Kepoch 1/1  step 2/3  ") != std::string::npos);
  CHECK(text.find("\r\033[Kkept\n") != std::string::npos);
  CHECK(text.find("step 3/3") != std::string::npos);
  CHECK(text.substr(text.size() - 4) == "\r\033[K");
}

TEST_CASE("Progress on a terminal: redraws at most once per interval, always at the last step") {
  Capture out;
  Progress p({false, true, 50, 100, 1, /*redraw_seconds=*/3600.0}, out.file);
  LossTally losses;
  for (int64_t s = 1; s <= 100; ++s) step(p, losses, s, 0, 1.0, 0.1, 10);
  const std::string text = out.text();
  CHECK(count(text, "\r\033[K") == 2);  // the first step and the last
  CHECK(text.find("step 100/100") != std::string::npos);
}

TEST_CASE("Progress on a terminal: the live line is cut to the terminal's width") {
  Capture out;
  Progress p({false, true, 50, 3, 1, /*redraw_seconds=*/0.0, /*columns=*/20}, out.file);
  LossTally losses;
  step(p, losses, 1, 0, 1.0, 0.1, 10);
  CHECK(out.text() == "\r\033[Kepoch 1/1  step 1/3");  // 19 characters: no wrap
}

TEST_CASE("Progress quiet: no progress, only results; silent: nothing at all") {
  Capture out;
  Progress p({true, false, 1, 10, 1}, out.file);
  LossTally losses;
  step(p, losses, 1, 0, 1.0, 0.1, 10);
  p.line("hidden");
  p.result("epoch 1 ... accuracy 0.9");
  p.finish();
  CHECK(out.text() == "epoch 1 ... accuracy 0.9\n");
  Capture none;
  ProgressSettings silent{true, false, 1, 10, 1};
  silent.silent = true;
  Progress q(silent, none.file);
  q.result("not on this rank");
  CHECK(none.text().empty());
}
