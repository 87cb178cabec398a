// Trains an MLP on Fashion-MNIST with the library directly (no config): a worked example of the
// Params flow a trainer follows, and of a program built against blox (CMakeLists.txt beside it).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "blox/blox.h"

namespace {

struct Split {
  at::Tensor images;  // (N, 1, 28, 28) float, normalized
  at::Tensor labels;  // (N) int64
};

// Fashion-MNIST's training-set pixel mean and std, after scaling to [0, 1].
constexpr double kPixelMean = 0.2860;
constexpr double kPixelStd = 0.3530;

Split load_split(const std::string& dir, const std::string& prefix) {
  const at::Tensor raw = bx::read_idx(dir + "/" + prefix + "-images-idx3-ubyte.gz");
  const at::Tensor labels = bx::read_idx(dir + "/" + prefix + "-labels-idx1-ubyte.gz");
  at::Tensor images = raw.to(at::kFloat).div_(255.0).sub_(kPixelMean).div_(kPixelStd).unsqueeze(1);
  return {images.contiguous(), labels.to(at::kLong)};
}

double accuracy(const bx::Layer& model, const bx::Params& params, const Split& split) {
  at::NoGradGuard no_grad;
  int64_t correct = 0;
  const int64_t n = split.images.size(0);
  for (int64_t start = 0; start < n; start += 1000) {
    const int64_t len = std::min<int64_t>(1000, n - start);
    const at::Tensor logits = model(params, split.images.narrow(0, start, len), bx::Mode::eval).first;
    correct += logits.argmax(1).eq(split.labels.narrow(0, start, len)).sum().item<int64_t>();
  }
  return static_cast<double>(correct) / static_cast<double>(n);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Train a 784-256-128-10 MLP on Fashion-MNIST with the blox library"};
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  int epochs = 10;
  int64_t batch_size = 128;
  std::string optimizer_name = "adam";
  double learning_rate = 1e-3;
  double momentum = 0.9;
  int threads = 0;
  uint64_t seed = 0;
  app.add_option("--data", data_dir, "folder with the four IDX files (falls back to the shipped subset)");
  app.add_option("--epochs", epochs, "passes over the training set")->check(CLI::PositiveNumber);
  app.add_option("--batch-size", batch_size, "examples per step")->check(CLI::PositiveNumber);
  app.add_option("--optimizer", optimizer_name, "adam or sgd")->check(CLI::IsMember({"adam", "sgd"}));
  app.add_option("--lr", learning_rate, "learning rate")->check(CLI::NonNegativeNumber);
  app.add_option("--momentum", momentum, "SGD momentum")->check(CLI::NonNegativeNumber);
  app.add_option("--threads", threads, "libtorch intra-op threads (0: libtorch's default)");
  app.add_option("--seed", seed, "seed of init, dropout and shuffling");
  CLI11_PARSE(app, argc, argv);

  try {
    if (threads > 0) at::set_num_threads(threads);
    if (!std::filesystem::exists(data_dir + "/train-images-idx3-ubyte.gz")) {
      const std::string subset = std::string(BLOX_DATASETS_DIR) + "/fashion-mnist-subset";
      std::cerr << "note: no Fashion-MNIST in " << data_dir << "; using the shipped subset " << subset << "\n";
      data_dir = subset;
    }
    const Split train = load_split(data_dir, "train");
    const Split test = load_split(data_dir, "t10k");

    // The model: a static graph; params are created lazily by a dummy pass, then locked.
    bx::Graph net("net");
    auto rng = std::make_shared<bx::Rng>(net.child("rng"));
    bx::Graph body = net.child("mlp");
    bx::Sequential model(body, {std::make_shared<bx::Flatten>(body.child("flatten")),
                                std::make_shared<bx::Linear>(body.child("hidden1"), bx::LinearSettings{256}, rng),
                                std::make_shared<bx::Activation>(body.child("relu1"), bx::ActivationSettings{"relu"}),
                                std::make_shared<bx::Linear>(body.child("hidden2"), bx::LinearSettings{128}, rng),
                                std::make_shared<bx::Activation>(body.child("relu2"), bx::ActivationSettings{"relu"}),
                                std::make_shared<bx::Linear>(body.child("logits"), bx::LinearSettings{10}, rng)});
    bx::Params params = rng->seed(bx::Params(), seed);
    std::tie(std::ignore, params) = model(params, train.images.narrow(0, 0, 1));
    params = params.locked();
    fmt::print("model: {} trainable params, {} threads, {} training / {} test examples from {}, {} lr {}\n",
               params.num_elements(true), at::get_num_threads(), train.images.size(0), test.images.size(0), data_dir,
               optimizer_name, learning_rate);

    std::unique_ptr<bx::Optimizer> optimizer;
    if (optimizer_name == "adam") {
      bx::AdamSettings adam;
      adam.learning_rate = learning_rate;
      optimizer = std::make_unique<bx::Adam>(adam);
    } else {
      optimizer = std::make_unique<bx::Sgd>(bx::SgdSettings{learning_rate, momentum});
    }
    const bx::LossFn cross_entropy = [](const at::Tensor& logits, const at::Tensor& y) {
      return at::cross_entropy_loss(logits, y);
    };
    bx::TrainState state = bx::make_train_state(params, *optimizer);
    const int64_t n = train.images.size(0);
    const auto start = std::chrono::steady_clock::now();
    for (int epoch = 0; epoch < epochs; ++epoch) {
      const auto epoch_start = std::chrono::steady_clock::now();
      // Epoch order is a pure function of (seed, epoch); one gather per epoch, then views.
      at::Generator gen = bx::make_generator(bx::fold_in(bx::Key{seed}, 1000 + static_cast<uint64_t>(epoch)));
      const at::Tensor order = at::randperm(n, gen, at::kLong);
      const at::Tensor images = train.images.index_select(0, order);
      const at::Tensor labels = train.labels.index_select(0, order);
      double loss_sum = 0;
      int64_t steps = 0;
      for (int64_t b = 0; b + batch_size <= n; b += batch_size, ++steps) {
        bx::StepResult r = bx::train_step(model, *optimizer, cross_entropy, std::move(state),
                                          images.narrow(0, b, batch_size), labels.narrow(0, b, batch_size));
        loss_sum += r.loss.item<double>();
        state = std::move(r.next);
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
      const bx::Params current = state.trainable.merge(state.state);
      fmt::print("epoch {:2d}  loss {:.4f}  test accuracy {:.2f} %  {:.1f} s  {:.0f} examples/s\n", epoch + 1,
                 loss_sum / static_cast<double>(std::max<int64_t>(steps, 1)), 100 * accuracy(model, current, test),
                 seconds, static_cast<double>(steps * batch_size) / seconds);
      std::fflush(stdout);
    }
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print("trained {} epochs in {:.1f} s\n", epochs, total);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
