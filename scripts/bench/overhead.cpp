// Framework overhead: a training step of a 784-64-10 MLP through bx (Sequential, Params,
// train_step, Sgd) against a hand-written libtorch loop with the same ops, in one process.
// Rounds alternate between the two so drift in machine speed hits both alike.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <torch/csrc/autograd/autograd.h>

#include "blox/blox.h"

namespace {

int64_t kBatch = 128;  // B (set from the command line)
constexpr int64_t kInputs = 784;  // in
constexpr int64_t kHidden = 64;
constexpr int64_t kClasses = 10;
constexpr double kLearningRate = 0.01;
constexpr int kBatches = 32;

using Clock = std::chrono::steady_clock;

struct Data {
  std::vector<at::Tensor> x;  // each (B, in)
  std::vector<at::Tensor> y;  // each (B)
};

Data make_data() {
  at::Generator g = bx::make_generator(bx::Key{1});
  Data d;
  for (int i = 0; i < kBatches; ++i) {
    d.x.push_back(at::empty({kBatch, kInputs}).normal_(0, 1, g));
    d.y.push_back(at::randint(kClasses, {kBatch}, g, at::kLong));
  }
  return d;
}

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

template <typename Runner>
double seconds_per_step(Runner& runner, const Data& d, int steps) {
  const auto start = Clock::now();
  for (int i = 0; i < steps; ++i) runner.step(d.x[i % kBatches], d.y[i % kBatches]);
  return std::chrono::duration<double>(Clock::now() - start).count() / steps;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 15;
  const int steps = argc > 3 ? std::atoi(argv[3]) : 300;
  if (argc > 4) kBatch = std::atoll(argv[4]);
  at::set_num_threads(threads);
  const Data data = make_data();

  ThroughBlox blox(data.x[0]);
  HandWritten hand;
  for (const auto& t : blox.state.trainable.tensors()) hand.w.push_back(t.detach().clone().requires_grad_(true));

  seconds_per_step(hand, data, 100);  // warm-up: allocator caches, OpenBLAS buffers
  seconds_per_step(blox, data, 100);
  std::vector<double> hand_times, blox_times, ratios;
  for (int r = 0; r < rounds; ++r) {
    // Alternate which runs first, so neither always gets the warmer caches.
    double h = 0, b = 0;
    if (r % 2 == 0) {
      h = seconds_per_step(hand, data, steps);
      b = seconds_per_step(blox, data, steps);
    } else {
      b = seconds_per_step(blox, data, steps);
      h = seconds_per_step(hand, data, steps);
    }
    hand_times.push_back(h);
    blox_times.push_back(b);
    ratios.push_back(b / h);
  }
  const char* blas_threads = std::getenv("OPENBLAS_NUM_THREADS");
  fmt::print("overhead: MLP 784-64-10, batch {}, SGD, {} intra-op thread(s), OPENBLAS_NUM_THREADS={}\n", kBatch, threads,
             blas_threads ? blas_threads : "unset");
  fmt::print("  hand-written libtorch: {:8.1f} us/step (median of {} rounds x {} steps)\n", 1e6 * median(hand_times),
             rounds, steps);
  fmt::print("  blox train_step:       {:8.1f} us/step\n", 1e6 * median(blox_times));
  fmt::print("  fastest round: hand-written {:.1f} us/step, blox {:.1f} us/step\n",
             1e6 * *std::min_element(hand_times.begin(), hand_times.end()),
             1e6 * *std::min_element(blox_times.begin(), blox_times.end()));
  fmt::print("  ratio blox / hand-written: {:.3f} median of per-round ratios, {:.3f} fastest round vs fastest round "
             "(target <= 1.03)\n",
             median(ratios), *std::min_element(blox_times.begin(), blox_times.end()) /
                                 *std::min_element(hand_times.begin(), hand_times.end()));
  return 0;
}
