// Optimizer cost: the same hand-written 784-64-10 MLP step, updated by bx::Adam (state in
// Params, donated buffers) against torch::optim::Adam, in one process, alternating rounds.
#include <cstdlib>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/optim/adam.h>

#include "bench_util.h"
#include "blox/blox.h"
#include "blox/runtime/host_allocator.h"

namespace {

constexpr int64_t kBatch = 128, kInputs = 784, kHidden = 64, kClasses = 10;
constexpr double kLearningRate = 1e-3;

// The forward and backward every runner shares: x (B, in) -> logits (B, 10) -> loss.
std::vector<at::Tensor> gradients(const std::vector<at::Tensor>& w, const at::Tensor& x, const at::Tensor& y) {
  const at::Tensor h = at::relu(at::addmm(w[1], x, w[0]));
  const at::Tensor loss = at::cross_entropy_loss(at::addmm(w[3], h, w[2]), y);
  return torch::autograd::grad({loss}, w);
}

std::vector<at::Tensor> initial_weights() {
  at::Generator g = bx::make_generator(bx::Key{2});
  std::vector<at::Tensor> w = {at::empty({kInputs, kHidden}).normal_(0, 0.03, g), at::zeros({kHidden}),
                               at::empty({kHidden, kClasses}).normal_(0, 0.1, g), at::zeros({kClasses})};
  for (auto& t : w) t.requires_grad_(true);
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  bx::keep_freed_memory_in_process();  // as the blox CLI does
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 40;
  const int steps = argc > 3 ? std::atoi(argv[3]) : 50;
  at::set_num_threads(threads);
  const bench::Batches data = bench::make_batches(kBatch, kInputs, kClasses);

  std::vector<at::Tensor> torch_w = initial_weights();
  torch::optim::Adam torch_adam(torch_w, torch::optim::AdamOptions(kLearningRate));
  auto torch_step = [&](int i) {
    const auto g = gradients(torch_w, data.x[i % data.x.size()], data.y[i % data.y.size()]);
    for (size_t k = 0; k < g.size(); ++k) torch_w[k].mutable_grad() = g[k];
    torch_adam.step();
  };

  const std::vector<std::string> names = {"w1", "b1", "w2", "b2"};
  bx::Params params;
  for (const auto& [name, t] : {std::pair{names[0], 0}, {names[1], 1}, {names[2], 2}, {names[3], 3}}) {
    params = params.with("mlp/" + name, bx::Param{initial_weights()[static_cast<size_t>(t)], true, {}});
  }
  const bx::Adam adam({kLearningRate});
  bx::Params state = adam.init(params);
  auto blox_step = [&](int i) {
    const auto g = gradients(params.tensors(), data.x[i % data.x.size()], data.y[i % data.y.size()]);
    const bx::Params grads = params.with_values(g);
    auto r = adam.step(std::move(params), grads, std::move(state));
    params = std::move(r.params);
    state = std::move(r.state);
  };

  const bench::Comparison c = bench::compare(torch_step, blox_step, rounds, steps);
  const char* blas_threads = std::getenv("OPENBLAS_NUM_THREADS");
  fmt::print("optimizer: MLP 784-64-10, batch {}, Adam, {} intra-op thread(s), OPENBLAS_NUM_THREADS={}\n", kBatch, threads,
             blas_threads ? blas_threads : "unset");
  bench::print_comparison(c, "step with torch::optim::Adam:", "step with bx::Adam:", rounds, steps, "<= 1.02");
  return 0;
}
