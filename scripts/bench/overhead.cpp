// Framework overhead: a training step of a 784-64-10 MLP through bx (Sequential, Params,
// train_step, Sgd) against a hand-written libtorch loop with the same ops, in one process.
// Rounds alternate between the two so drift in machine speed hits both alike.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <vector>

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <torch/csrc/autograd/autograd.h>

#include "bench_util.h"
#include "blox/blox.h"
#include "blox/runtime/host_allocator.h"

namespace {

int64_t kBatch = 128;  // B (set from the command line)
constexpr int64_t kInputs = 784;  // in
constexpr int64_t kHidden = 64;
constexpr int64_t kClasses = 10;
constexpr double kLearningRate = 0.01;

// The reference: plain tensors, autograd::grad, in-place SGD. Same ops as bx's Linear/ReLU.
struct HandWritten {
  std::vector<at::Tensor> w;  // W1 (in, 64), b1 (64), W2 (64, 10), b2 (10)

  void step(const at::Tensor& x, const at::Tensor& y) {
    const at::Tensor h = at::relu(at::addmm(w[1], x, w[0]));
    const at::Tensor loss = at::cross_entropy_loss(at::addmm(w[3], h, w[2]), y);
    const std::vector<at::Tensor> grads = torch::autograd::grad({loss}, w);
    at::NoGradGuard no_grad;
    for (size_t i = 0; i < w.size(); ++i) w[i].sub_(grads[i], kLearningRate);
  }
};

struct ThroughBlox {
  bx::Graph net{"net"};
  std::shared_ptr<bx::Rng> rng = std::make_shared<bx::Rng>(net.child("rng"));
  bx::Graph body = net.child("mlp");
  bx::Sequential model{body,
                       {std::make_shared<bx::Linear>(body.child("hidden"), bx::LinearSettings{kHidden}, rng),
                        std::make_shared<bx::Activation>(body.child("relu"), bx::ActivationSettings{"relu"}),
                        std::make_shared<bx::Linear>(body.child("out"), bx::LinearSettings{kClasses}, rng)}};
  bx::Sgd sgd{{kLearningRate}};
  bx::LossFn loss = [](const at::Tensor& logits, const at::Tensor& y) { return at::cross_entropy_loss(logits, y); };
  bx::TrainState state;

  explicit ThroughBlox(const at::Tensor& dummy) {
    bx::Params p = rng->seed(bx::Params(), 0);
    std::tie(std::ignore, p) = model(p, dummy);
    state = bx::make_train_state(p.locked(), sgd);
  }

  void step(const at::Tensor& x, const at::Tensor& y) {
    state = bx::train_step(model, sgd, loss, std::move(state), x, y).next;
  }
};

}  // namespace

int main(int argc, char** argv) {
  bx::keep_freed_memory_in_process();  // as the blox CLI does
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 15;
  const int steps = argc > 3 ? std::atoi(argv[3]) : 300;
  if (argc > 4) kBatch = std::atoll(argv[4]);
  at::set_num_threads(threads);
  const bench::Batches data = bench::make_batches(kBatch, kInputs, kClasses);

  ThroughBlox blox(data.x[0]);
  HandWritten hand;
  for (const auto& t : blox.state.trainable.tensors()) hand.w.push_back(t.detach().clone().requires_grad_(true));
  const auto batch = [&](int i) { return static_cast<size_t>(i) % data.x.size(); };
  const bench::Comparison c = bench::compare([&](int i) { hand.step(data.x[batch(i)], data.y[batch(i)]); },
                                             [&](int i) { blox.step(data.x[batch(i)], data.y[batch(i)]); }, rounds, steps);
  const char* blas_threads = std::getenv("OPENBLAS_NUM_THREADS");
  fmt::print("overhead: MLP 784-64-10, batch {}, SGD, {} intra-op thread(s), OPENBLAS_NUM_THREADS={}\n", kBatch, threads,
             blas_threads ? blas_threads : "unset");
  bench::print_comparison(c, "hand-written libtorch:", "blox train_step:", rounds, steps, "<= 1.03");
  return 0;
}
