// Loader throughput (full Fashion-MNIST, with augmentation) against what the CNN's training
// step consumes, and the two together: the loader must not be the bottleneck.
#include <chrono>
#include <cstdlib>
#include <filesystem>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>

#include "blox/blox.h"
#include "blox/runtime/host_allocator.h"

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// 2 x (conv3x3 + BatchNorm + ReLU + maxpool), fc 128, dropout 0.25: the reference CNN.
std::shared_ptr<bx::Sequential> cnn(bx::Graph g, std::shared_ptr<const bx::Rng> rng) {
  auto conv = [&](const char* name, int64_t channels) {
    bx::ConvSettings s;
    s.output_channels = channels;
    s.padding = bx::Padding::same();
    return std::make_shared<bx::Conv2D>(g.child(name), s, rng);
  };
  auto relu = [&](const char* name) { return std::make_shared<bx::Activation>(g.child(name), bx::ActivationSettings{"relu"}); };
  return std::make_shared<bx::Sequential>(g, std::vector<std::shared_ptr<const bx::Layer>>{
      conv("conv1", 32), std::make_shared<bx::BatchNorm>(g.child("bn1")), relu("relu1"),
      std::make_shared<bx::MaxPool2D>(g.child("pool1"), bx::PoolSettings{{2}}),
      conv("conv2", 64), std::make_shared<bx::BatchNorm>(g.child("bn2")), relu("relu2"),
      std::make_shared<bx::MaxPool2D>(g.child("pool2"), bx::PoolSettings{{2}}),
      std::make_shared<bx::Flatten>(g.child("flatten")),
      std::make_shared<bx::Linear>(g.child("fc"), bx::LinearSettings{128}, rng), relu("relu3"),
      std::make_shared<bx::Dropout>(g.child("dropout"), bx::DropoutSettings{0.25}, rng),
      std::make_shared<bx::Linear>(g.child("logits"), bx::LinearSettings{10}, rng)});
}

}  // namespace

int main(int argc, char** argv) {
  bx::keep_freed_memory_in_process();  // as the blox CLI does
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const int steps = argc > 2 ? std::atoi(argv[2]) : 60;
  at::set_num_threads(threads);
  std::string dir = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(dir + "/train-images-idx3-ubyte.gz")) dir = std::string(BLOX_SOURCE_DIR) + "/datasets/fashion-mnist-subset";
  const bx::Dataset train =
      bx::read_idx_classification(dir + "/train-images-idx3-ubyte.gz", dir + "/train-labels-idx1-ubyte.gz", 10);
  const std::vector<std::shared_ptr<const bx::Transform>> augment = {
      std::make_shared<bx::RandomHorizontalFlip>(), std::make_shared<bx::RandomCrop>(2),
      std::make_shared<bx::Normalize>(std::vector<double>{0.2860}, std::vector<double>{0.3530})};
  bx::LoaderSettings settings;
  settings.batch_size = 128;

  // 1. The loader alone, one full epoch, the consumer taking batches as fast as they come.
  bx::Loader loader(train, settings, augment);
  auto start = Clock::now();
  int64_t examples = 0;
  while (auto b = loader.next()) examples += b->inputs.size(0);
  const double loader_rate = static_cast<double>(examples) / since(start);

  // 2. The CNN's training step alone, on one fixed batch.
  bx::Graph net("net");
  auto rng = std::make_shared<bx::Rng>(net.child("rng"));
  auto model = cnn(net.child("cnn"), rng);
  const bx::Batch fixed = loader.batch_at({0, 0});
  bx::Params params = rng->seed(bx::Params(), 0);
  std::tie(std::ignore, params) = (*model)(params, fixed.inputs, bx::Mode::train);
  const bx::Adam adam({1e-3});
  bx::TrainState state = bx::make_train_state(params.locked(), adam);
  const bx::LossFn loss = [](const at::Tensor& l, const at::Tensor& y) { return at::cross_entropy_loss(l, y); };
  for (int i = 0; i < 3; ++i) state = bx::train_step(*model, adam, loss, std::move(state), fixed.inputs, fixed.targets).next;
  start = Clock::now();
  for (int i = 0; i < steps; ++i) state = bx::train_step(*model, adam, loss, std::move(state), fixed.inputs, fixed.targets).next;
  const double step_rate = static_cast<double>(steps * settings.batch_size) / since(start);

  // 3. Both together: training fed by the loader's background thread.
  loader.seek({1, 0});
  start = Clock::now();
  for (int i = 0; i < steps; ++i) {
    auto b = loader.next();
    state = bx::train_step(*model, adam, loss, std::move(state), b->inputs, b->targets).next;
  }
  const double fed_rate = static_cast<double>(steps * settings.batch_size) / since(start);

  fmt::print("data: Fashion-MNIST train ({} examples) from {}, batch 128, flip + crop(2) + normalize, {} thread(s)\n",
             train.size(), dir, threads);
  fmt::print("  loader alone:             {:9.0f} examples/s (one epoch, background thread)\n", loader_rate);
  fmt::print("  CNN train step alone:     {:9.0f} examples/s ({} steps on a fixed batch)\n", step_rate, steps);
  fmt::print("  CNN fed by the loader:    {:9.0f} examples/s ({:.1f} % of the step alone)\n", fed_rate,
             100 * fed_rate / step_rate);
  fmt::print("  loader / step: {:.1f}x headroom\n", loader_rate / step_rate);
  return 0;
}
