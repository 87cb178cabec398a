// A trained model's params driving a separately built eval graph (seeds §4: train vs eval graphs).
#include <ATen/ops/cross_entropy_loss.h>

#include "support/helpers.h"

using namespace bx;

namespace {
// The CNN a config would build; `with_dropout` false gives the deployment graph.
std::shared_ptr<Sequential> build_cnn(Graph model, std::shared_ptr<const Rng> rng, bool with_dropout) {
  ConvSettings conv;
  conv.output_channels = 4;
  conv.padding = Padding::same();
  std::vector<std::shared_ptr<const Layer>> layers = {
      std::make_shared<Conv2D>(model.child("conv"), conv, rng),
      std::make_shared<BatchNorm>(model.child("bn")),
      std::make_shared<Activation>(model.child("relu"), ActivationSettings{"relu"}),
      std::make_shared<MaxPool2D>(model.child("pool"), PoolSettings{{2}}),
      std::make_shared<Flatten>(model.child("flatten"))};
  if (with_dropout) layers.push_back(std::make_shared<Dropout>(model.child("dropout"), DropoutSettings{0.5}, rng));
  layers.push_back(std::make_shared<Linear>(model.child("head"), LinearSettings{3}, rng));
  return std::make_shared<Sequential>(model, layers);
}
}  // namespace

TEST_CASE("Graph swap: a trained CNN's params run unchanged in a separately built eval graph") {
  Graph train_root("net");
  auto rng = std::make_shared<Rng>(train_root.child("rng"));
  auto train_model = build_cnn(train_root.child("cnn"), rng, true);
  const at::Tensor x = test::randn({8, 1, 6, 6}, 1);
  const at::Tensor y = at::tensor({0, 1, 2, 0, 1, 2, 0, 1}, at::kLong);
  Params params = rng->seed(Params(), 0);
  std::tie(std::ignore, params) = (*train_model)(params, x, Mode::train);
  const Sgd sgd({0.1, 0.9});
  TrainState state = make_train_state(params.locked(), sgd);
  const LossFn loss = [](const at::Tensor& logits, const at::Tensor& t) { return at::cross_entropy_loss(logits, t); };
  for (int i = 0; i < 5; ++i) state = train_step(*train_model, sgd, loss, std::move(state), x, y).next;
  const Params trained = state.trainable.merge(state.state);
  CHECK_FALSE(at::equal(trained["net/cnn/bn/mean"].value, at::zeros({4})));  // statistics were carried

  Graph eval_root("net");
  auto eval_model = build_cnn(eval_root.child("cnn"), nullptr, false);
  auto [eval_y, after] = (*eval_model)(trained, x, Mode::eval);
  CHECK(test::close(eval_y, (*train_model)(trained, x, Mode::eval).first, 0));
  CHECK(bitwise_equal(after, trained));
}
