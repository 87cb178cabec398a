// The shipped language models start where a language model should: a first loss near
// ln(vocabulary) (uniform guesses), not the loss of confidently wrong logits.
#include <cmath>

#include <doctest/doctest.h>

#include "blox/config/model_builder.h"
#include "blox/data/loader.h"
#include "blox/optim/loss.h"
#include "blox/train/run_data.h"
#include "support/files.h"

using namespace bx;

namespace {

// The loss of the freshly initialized model on the first training batch (eval mode).
double initial_loss(const std::string& config, double* uniform) {
  const PreparedRun prepared = prepare_run(test::source_path(config));
  const RunData data = load_run_data(prepared.run.data, static_cast<uint64_t>(prepared.run.seed));
  REQUIRE(data.vocabulary);
  *uniform = std::log(static_cast<double>(data.vocabulary->size()));
  LoaderSettings settings = prepared.run.data.loader;
  settings.prefetch = 0;
  Loader loader(data.train, settings);
  const auto batch = loader.next();
  REQUIRE(batch);
  const at::Tensor logits = (*prepared.model.layer)(prepared.model.params, batch->inputs, Mode::eval).first;
  return make_loss(prepared.run.loss)(logits, batch->targets).item<double>();
}

}  // namespace

TEST_CASE("configs/char_transformer.yaml: the first loss is within 10 % of ln(vocabulary)") {
  double uniform = 0;
  const double loss = initial_loss("configs/char_transformer.yaml", &uniform);
  CAPTURE(uniform);
  CHECK(std::abs(loss - uniform) < 0.1 * uniform);
}

TEST_CASE("configs/char_lstm.yaml: the first loss is within 10 % of ln(vocabulary)") {
  double uniform = 0;
  const double loss = initial_loss("configs/char_lstm.yaml", &uniform);
  CAPTURE(uniform);
  CHECK(std::abs(loss - uniform) < 0.1 * uniform);
}
