// `blox bench`: how long the phases of a training step take on one real batch (like `caffe time`).
#pragma once

#include <cstdint>
#include <string>

#include "blox/config/model_builder.h"
#include "blox/data/loader.h"

namespace bx {

/// Median milliseconds per phase over the timed iterations.
struct StepTimings {
  double forward_ms = 0;           ///< train-mode forward and loss
  double forward_backward_ms = 0;  ///< the same plus the gradient
  double step_ms = 0;              ///< a whole train_step: forward, backward, optimizer update
  double eval_forward_ms = 0;      ///< eval-mode forward without gradients
  int64_t batch_size = 0;
  int iterations = 0;
  std::string precision;  ///< the config's train.precision, which every phase used
  std::string device;     ///< "cpu", "cuda:0"
};

/// Times each phase on the first training batch of `prepared` (its data, transforms, loss and
/// optimizer) on `device` at the config's precision, `warmup` untimed iterations first. A GPU
/// is synchronized before and after each timed call. Changes no file.
StepTimings time_training_step(const PreparedRun& prepared, int iterations, int warmup, c10::Device device = c10::kCPU);

}  // namespace bx
