// Rng: counter-based keys (fold_in(seed, counter)) so randomness is reproducible from params.
#include "blox/core/rng.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/scalar_tensor.h>
#include <fmt/format.h>
#ifdef BLOX_WITH_CUDA
#include <ATen/cuda/CUDAGeneratorImpl.h>
#endif

#include "blox/core/errors.h"

namespace bx {
namespace {

// SplitMix64's finalizer: a bijective mix with full avalanche, cheap enough for every draw.
uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Seeds and counters are uint64 stored bit-for-bit in int64 scalars (the widest integer dtype).
at::Tensor as_scalar(uint64_t v) { return at::scalar_tensor(static_cast<int64_t>(v), at::kLong); }
uint64_t read_scalar(const at::Tensor& t) { return static_cast<uint64_t>(t.item<int64_t>()); }

}  // namespace

Key fold_in(Key key, uint64_t data) { return Key{mix64(key.value ^ mix64(data))}; }

at::Generator make_generator(Key key, c10::Device device) {
  if (device.is_cpu()) return at::make_generator<at::CPUGeneratorImpl>(key.value);
#ifdef BLOX_WITH_CUDA
  if (device.is_cuda()) {
    at::Generator generator = at::cuda::detail::createCUDAGenerator(device.has_index() ? device.index() : 0);
    generator.set_current_seed(key.value);
    return generator;
  }
#endif
  throw Error(fmt::format("make_generator: no random generator for device '{}' in this build", device.str()));
}

Rng::Rng(Graph graph) : Module(std::move(graph), "Rng") {}

Params Rng::seed(Params params, uint64_t seed) const {
  const std::string seed_path = param_path("seed");
  if (params.contains(seed_path)) return params.with_value(seed_path, as_scalar(seed));
  params = params.with(seed_path, Param{as_scalar(seed), false, {{"tag", "rng_seed"}}});
  return params.with(param_path("counter"), Param{as_scalar(0), false, {{"tag", "rng_counter"}}});
}

Params Rng::seed(Params params, uint64_t seed, uint64_t counter) const {
  return set_counter(this->seed(std::move(params), seed), counter);
}

Params Rng::set_counter(Params params, uint64_t counter) const {
  get_seed(params);  // throws the "never seeded" error
  return set_param(params, "counter", as_scalar(counter));
}

uint64_t Rng::get_seed(const Params& params) const {
  const Param* seed = params.find(param_path("seed"));
  if (seed == nullptr) {
    throw ParamsError(fmt::format("Rng '{}' has no seed in these params; hint: call rng.seed(params, seed) first",
                                  path()));
  }
  return read_scalar(seed->value);
}

uint64_t Rng::get_counter(const Params& params) const {
  get_seed(params);
  return read_scalar(param_value(params, "counter"));
}

std::pair<Key, Params> Rng::next(Params params) const {
  const uint64_t seed = get_seed(params);
  const uint64_t counter = get_counter(params);
  return {fold_in(Key{seed}, counter), set_param(params, "counter", as_scalar(counter + 1))};
}

Params Rng::fold_in_seed(Params params, uint64_t data) const {
  const uint64_t folded = fold_in(Key{get_seed(params)}, data).value;
  return seed(std::move(params), folded);
}

}  // namespace bx
