// Dataset helpers: gathering, held-out splits, label checks.
#include "blox/data/dataset.h"

#include <ATen/ops/aminmax.h>
#include <ATen/ops/argmax.h>
#include <ATen/ops/index_select.h>
#include <ATen/ops/randperm.h>
#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/core/rng.h"
#include "blox/core/shape.h"

namespace bx {

Batch Dataset::gather(const at::Tensor& indices) const {
  if (stream) throw Error(fmt::format("{}: a streamed dataset is read through its stream", source));
  return {inputs.index_select(0, indices), targets.index_select(0, indices)};
}

Dataset Dataset::subset(const at::Tensor& indices, std::string name) const {
  if (stream) return {at::Tensor(), targets.index_select(0, indices), std::move(name), stream->subset(indices)};
  return {inputs.index_select(0, indices), targets.index_select(0, indices), std::move(name), nullptr};
}

Dataset make_dataset(at::Tensor inputs, at::Tensor targets, std::string source) {
  if (inputs.dim() < 1 || targets.dim() < 1 || inputs.size(0) != targets.size(0)) {
    throw DataError(fmt::format("{}: {} inputs but {} targets; expected the same count", source,
                                inputs.dim() ? inputs.size(0) : 0, targets.dim() ? targets.size(0) : 0));
  }
  return {std::move(inputs), std::move(targets), std::move(source), nullptr};
}

std::pair<Dataset, Dataset> split_holdout(const Dataset& data, double fraction, uint64_t seed) {
  if (!(fraction > 0 && fraction < 1)) {
    throw ConfigError(fmt::format("{}: held-out fraction must be in (0, 1), got {}", data.source, fraction));
  }
  const int64_t n = data.size();
  const int64_t held = static_cast<int64_t>(static_cast<double>(n) * fraction);
  if (held == 0 || held == n) {
    throw DataError(fmt::format("{}: holding out {} of {} examples leaves an empty split", data.source, fraction, n));
  }
  at::Generator gen = make_generator(fold_in(Key{seed}, 0x5eed5ca1));
  const at::Tensor order = at::randperm(n, gen, at::kLong);
  const at::Tensor train_idx = std::get<0>(order.narrow(0, held, n - held).sort());
  const at::Tensor held_idx = std::get<0>(order.narrow(0, 0, held).sort());
  return {data.subset(train_idx, data.source + " (train part)"), data.subset(held_idx, data.source + " (held-out part)")};
}

void check_labels(const at::Tensor& targets, int64_t classes, const std::string& source) {
  if (at::isFloatingType(targets.scalar_type())) {
    throw DataError(fmt::format("{}: labels must be integers, got {}", source, c10::toString(targets.scalar_type())));
  }
  if (targets.numel() == 0) return;
  const at::Tensor flat = targets.flatten().to(at::kLong);
  auto [low, high] = at::aminmax(flat);
  const int64_t lo = low.item<int64_t>(), hi = high.item<int64_t>();
  if (lo < 0 || hi >= classes) {
    const int64_t bad = lo < 0 ? lo : hi;
    const int64_t index = flat.eq(bad).to(at::kByte).argmax().item<int64_t>();
    throw DataError(fmt::format("{}: label {} at index {} is out of range [0, {})", source, bad, index, classes));
  }
}

}  // namespace bx
