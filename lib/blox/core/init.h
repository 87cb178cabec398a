// Initializers: how a lazily created param gets its first value.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include "blox/core/shape.h"

namespace bx {

/// Fan-in and fan-out of a param, as variance-scaling initializers use them.
struct Fans {
  double in = 1;
  double out = 1;
};

/// Fans under blox's layout convention `[..., in, out]` (Linear `[in, out]`, and any leading
/// receptive-field dims multiply both): in = shape[-2] * receptive, out = shape[-1] * receptive.
/// A 1-D shape gives in = out = shape[0]; a scalar gives 1, 1.
Fans fans_of(const Shape& shape);

/// A named initializer. It draws float32 CPU tensors from a generator, so an init is the same
/// on every device. `with_fans` overrides the layout convention for params stored otherwise.
class Init {
 public:
  using Sampler = std::function<at::Tensor(const Shape& shape, const Fans& fans, at::Generator& generator)>;

  Init(std::string name, bool is_random, Sampler sampler);

  at::Tensor operator()(const Shape& shape, at::Generator& generator) const;
  Init with_fans(Fans fans) const;

  const std::string& name() const { return name_; }
  /// False for zeros/ones/constant: these work without an Rng.
  bool is_random() const { return is_random_; }

 private:
  std::string name_;
  bool is_random_;
  Sampler sampler_;
  std::optional<Fans> fans_;
};

namespace init {

enum class FanMode { fan_in, fan_out, fan_avg };
enum class Distribution { truncated_normal, normal, uniform };

Init zeros();
Init ones();
Init constant(double value);
Init normal(double stddev = 1.0, double mean = 0.0);
/// Normal(mean, stddev) restricted to [mean + lower * stddev, mean + upper * stddev].
Init truncated_normal(double stddev = 1.0, double mean = 0.0, double lower = -2.0, double upper = 2.0);
Init uniform(double low = 0.0, double high = 1.0);
/// JAX's variance_scaling: variance = scale / fan; truncated normal is rescaled so the drawn
/// values have that variance.
Init variance_scaling(double scale, FanMode mode, Distribution distribution);
Init glorot_uniform();  // = xavier_uniform
Init glorot_normal();   // = xavier_normal (truncated, as in JAX)
Init he_uniform();      // = kaiming_uniform
Init he_normal();       // = kaiming_normal (truncated, as in JAX)
Init lecun_normal();
Init lecun_uniform();
/// (Semi-)orthogonal matrix over [prod(shape[:-1]), shape[-1]], times `gain`.
Init orthogonal(double gain = 1.0);

/// Every initializer by its config name ("glorot_uniform", "xavier_uniform", "he_normal", ...),
/// with default arguments. Throws ConfigError listing the known names, with a "did you mean".
Init by_name(const std::string& name);
std::vector<std::string> known_names();

}  // namespace init
}  // namespace bx
