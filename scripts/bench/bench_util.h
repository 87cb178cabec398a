// Shared pieces of the C++ benchmarks: synthetic MLP batches and alternating timed rounds.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "blox/core/rng.h"

namespace bench {

struct Batches {
  std::vector<at::Tensor> x;  // each (B, in)
  std::vector<at::Tensor> y;  // each (B)
};

inline Batches make_batches(int64_t batch, int64_t inputs, int64_t classes, int count = 32) {
  at::Generator g = bx::make_generator(bx::Key{1});
  Batches d;
  for (int i = 0; i < count; ++i) {
    d.x.push_back(at::empty({batch, inputs}).normal_(0, 1, g));
    d.y.push_back(at::randint(classes, {batch}, g, at::kLong));
  }
  return d;
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Comparison {
  std::vector<double> reference;  // seconds per step, one per round
  std::vector<double> candidate;
  std::vector<double> ratios;     // candidate / reference, per round
};

/// Times `steps` steps of each runner per round, alternating which goes first so that neither
/// always gets the warmer caches; warms both up first.
inline Comparison compare(const std::function<void(int)>& reference, const std::function<void(int)>& candidate,
                          int rounds, int steps) {
  using Clock = std::chrono::steady_clock;
  auto time = [&](const std::function<void(int)>& run) {
    const auto start = Clock::now();
    for (int i = 0; i < steps; ++i) run(i);
    return std::chrono::duration<double>(Clock::now() - start).count() / steps;
  };
  for (int i = 0; i < 100; ++i) reference(i), candidate(i);
  Comparison c;
  for (int r = 0; r < rounds; ++r) {
    double ref = 0, cand = 0;
    if (r % 2 == 0) {
      ref = time(reference);
      cand = time(candidate);
    } else {
      cand = time(candidate);
      ref = time(reference);
    }
    c.reference.push_back(ref);
    c.candidate.push_back(cand);
    c.ratios.push_back(cand / ref);
  }
  return c;
}

inline double fastest(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

/// The figures every benchmark reports: both step times, and the ratio two ways (median of the
/// per-round ratios, and fastest round against fastest round: the least noisy on a busy host).
inline void print_comparison(const Comparison& c, const char* reference, const char* candidate, int rounds, int steps,
                             const char* target) {
  fmt::print("  {:<28} {:8.1f} us/step (median of {} rounds x {} steps)\n", reference, 1e6 * median(c.reference),
             rounds, steps);
  fmt::print("  {:<28} {:8.1f} us/step\n", candidate, 1e6 * median(c.candidate));
  fmt::print("  ratio: {:.3f} median of per-round ratios, {:.3f} fastest round vs fastest round (target {})\n",
             median(c.ratios), fastest(c.candidate) / fastest(c.reference), target);
}

}  // namespace bench
