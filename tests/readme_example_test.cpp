// The README's library example: it must compile, train, and stay identical to the README.
#include <fstream>
#include <sstream>

#include "support/helpers.h"

namespace {

std::pair<double, double> readme_example() {
  // README-EXAMPLE-BEGIN
  // A static graph of modules: names and settings only, no tensors.
  bx::Graph net("net");
  auto rng = std::make_shared<bx::Rng>(net.child("rng"));
  bx::Graph mlp = net.child("mlp");
  bx::Sequential model(mlp, {std::make_shared<bx::Linear>(mlp.child("hidden"), bx::LinearSettings{64}, rng),
                             std::make_shared<bx::Activation>(mlp.child("relu"), bx::ActivationSettings{"relu"}),
                             std::make_shared<bx::Linear>(mlp.child("out"), bx::LinearSettings{10}, rng)});
  // Lazy init: a dummy pass creates every param with its inferred shape; then lock.
  bx::Params params = rng->seed(bx::Params(), /*seed=*/0);
  std::tie(std::ignore, params) = model(params, at::zeros({1, 784}));
  params = params.locked();
  // SGD steps on one batch: gradients for the trainable half, state carried forward.
  const at::Tensor x = at::randn({128, 784}), y = at::randint(10, {128});
  const bx::Sgd sgd({/*learning_rate=*/0.1});
  auto [trainable, state] = params.split();
  bx::Params optimizer_state = sgd.init(trainable);
  std::vector<double> losses;
  for (int step = 0; step < 50; ++step) {
    bx::Params t = std::move(trainable).requiring_grad();
    auto [logits, after] = model(t.merge(state), x, bx::Mode::train);
    const at::Tensor loss = at::cross_entropy_loss(logits, y);
    const bx::Params grads = bx::grad(loss, t);
    state = std::move(after).split().second;  // Rng counters, batch-norm statistics, ...
    auto updated = sgd.step(std::move(t), grads, std::move(optimizer_state));
    trainable = std::move(updated.params);
    optimizer_state = std::move(updated.state);
    losses.push_back(loss.item<double>());
  }
  // README-EXAMPLE-END
  return {losses.front(), losses.back()};
}

std::string between(const std::string& text, const std::string& begin, const std::string& end) {
  const size_t b = text.find(begin);
  const size_t e = text.find(end, b);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  return text.substr(b + begin.size(), e - b - begin.size());
}

std::string strip_indent(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    const size_t first = line.find_first_not_of(' ');
    if (first != std::string::npos) out += line.substr(first) + "\n";
  }
  return out;
}

std::string read_required(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("README example: builds an MLP, inits lazily, locks, and SGD lowers the loss") {
  at::manual_seed(0);
  auto [first, last] = readme_example();
  CHECK(last < 0.2 * first);
}

TEST_CASE("README example: the README shows exactly the tested code") {
  const std::string source = read_required(std::string(BLOX_SOURCE_DIR) + "/tests/readme_example_test.cpp");
  const std::string readme = read_required(std::string(BLOX_SOURCE_DIR) + "/README.md");
  const std::string tested = between(source, "// README-EXAMPLE-" "BEGIN\n", "  // README-EXAMPLE-" "END");
  const std::string shown = between(readme, "int main() {\n", "  return 0;\n}\n```");
  CHECK(strip_indent(shown) == strip_indent(tested));
}
