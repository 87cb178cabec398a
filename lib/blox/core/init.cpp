// Initializers, following JAX's definitions (the seeds' semantics), drawn on the CPU.
#include "blox/core/init.h"

#include <cmath>
#include <map>

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "blox/core/errors.h"
#include "blox/core/suggest.h"

namespace bx {

Fans fans_of(const Shape& shape) {
  if (shape.empty()) return {1, 1};
  if (shape.size() == 1) return {static_cast<double>(shape[0]), static_cast<double>(shape[0])};
  double receptive = 1;
  for (size_t i = 0; i + 2 < shape.size(); ++i) receptive *= static_cast<double>(shape[i]);
  return {shape[shape.size() - 2] * receptive, shape[shape.size() - 1] * receptive};
}

Init::Init(std::string name, bool is_random, Sampler sampler)
    : name_(std::move(name)), is_random_(is_random), sampler_(std::move(sampler)) {}

at::Tensor Init::operator()(const Shape& shape, at::Generator& generator) const {
  for (int64_t d : shape) {
    if (d < 0) throw ShapeError(fmt::format("init {}: negative dimension in shape {}", name_, format_shape(shape)));
  }
  return sampler_(shape, fans_ ? *fans_ : fans_of(shape), generator);
}

Init Init::with_fans(Fans fans) const {
  Init copy = *this;
  copy.fans_ = fans;
  return copy;
}

namespace init {
namespace {

at::Tensor empty(const Shape& shape) { return at::empty(shape, at::kFloat); }

// Inverse-CDF sampling: uniform in [Phi(lower), Phi(upper)], mapped back through Phi^-1.
at::Tensor sample_truncated_standard(const Shape& shape, double lower, double upper, at::Generator& generator) {
  auto phi = [](double x) { return 0.5 * (1.0 + std::erf(x / std::sqrt(2.0))); };
  at::Tensor u = empty(shape).uniform_(phi(lower), phi(upper), generator);
  at::Tensor x = u.mul_(2.0).sub_(1.0).erfinv_().mul_(std::sqrt(2.0));
  return x.clamp_(lower, upper);  // guards the last ulp at the bounds
}

void check_positive(const char* what, double value) {
  if (!(value > 0)) throw ConfigError(fmt::format("init: {} must be > 0, got {}", what, value));
}

}  // namespace

Init zeros() {
  return Init("zeros", false, [](const Shape& s, const Fans&, at::Generator&) { return at::zeros(s, at::kFloat); });
}

Init ones() {
  return Init("ones", false, [](const Shape& s, const Fans&, at::Generator&) { return at::ones(s, at::kFloat); });
}

Init constant(double value) {
  return Init(fmt::format("constant({})", value), false,
              [value](const Shape& s, const Fans&, at::Generator&) { return at::full(s, value, at::kFloat); });
}

Init normal(double stddev, double mean) {
  check_positive("normal stddev", stddev);
  return Init(fmt::format("normal(stddev={}, mean={})", stddev, mean), true,
              [=](const Shape& s, const Fans&, at::Generator& g) { return empty(s).normal_(mean, stddev, g); });
}

Init truncated_normal(double stddev, double mean, double lower, double upper) {
  check_positive("truncated_normal stddev", stddev);
  if (!(lower < upper)) throw ConfigError(fmt::format("init truncated_normal: lower {} must be < upper {}", lower, upper));
  return Init(fmt::format("truncated_normal(stddev={}, mean={})", stddev, mean), true,
              [=](const Shape& s, const Fans&, at::Generator& g) {
                return sample_truncated_standard(s, lower, upper, g).mul_(stddev).add_(mean);
              });
}

Init uniform(double low, double high) {
  if (!(low < high)) throw ConfigError(fmt::format("init uniform: low {} must be < high {}", low, high));
  return Init(fmt::format("uniform({}, {})", low, high), true,
              [=](const Shape& s, const Fans&, at::Generator& g) { return empty(s).uniform_(low, high, g); });
}

namespace {
Init named_variance_scaling(std::string name, double scale, FanMode mode, Distribution distribution) {
  check_positive("variance_scaling scale", scale);
  return Init(std::move(name), true, [=](const Shape& s, const Fans& fans, at::Generator& g) {
    const double fan = mode == FanMode::fan_in    ? fans.in
                       : mode == FanMode::fan_out ? fans.out
                                                  : (fans.in + fans.out) / 2.0;
    const double variance = scale / std::max(1.0, fan);
    if (distribution == Distribution::truncated_normal) {
      // Std of a standard normal truncated to [-2, 2]; dividing by it restores the variance.
      constexpr double kTruncatedStd = 0.87962566103423978;
      return sample_truncated_standard(s, -2.0, 2.0, g).mul_(std::sqrt(variance) / kTruncatedStd);
    }
    if (distribution == Distribution::normal) return empty(s).normal_(0.0, std::sqrt(variance), g);
    const double limit = std::sqrt(3.0 * variance);
    return empty(s).uniform_(-limit, limit, g);
  });
}
}  // namespace

Init variance_scaling(double scale, FanMode mode, Distribution distribution) {
  return named_variance_scaling(fmt::format("variance_scaling(scale={})", scale), scale, mode, distribution);
}
Init glorot_uniform() { return named_variance_scaling("glorot_uniform", 1.0, FanMode::fan_avg, Distribution::uniform); }
Init glorot_normal() { return named_variance_scaling("glorot_normal", 1.0, FanMode::fan_avg, Distribution::truncated_normal); }
Init he_uniform() { return named_variance_scaling("he_uniform", 2.0, FanMode::fan_in, Distribution::uniform); }
Init he_normal() { return named_variance_scaling("he_normal", 2.0, FanMode::fan_in, Distribution::truncated_normal); }
Init lecun_normal() { return named_variance_scaling("lecun_normal", 1.0, FanMode::fan_in, Distribution::truncated_normal); }
Init lecun_uniform() { return named_variance_scaling("lecun_uniform", 1.0, FanMode::fan_in, Distribution::uniform); }

Init orthogonal(double gain) {
  return Init(fmt::format("orthogonal(gain={})", gain), true, [gain](const Shape& s, const Fans&, at::Generator& g) {
    if (s.size() < 2) throw ShapeError(fmt::format("init orthogonal: needs at least 2 dims, got shape {}", format_shape(s)));
    const int64_t cols = s.back();
    const int64_t rows = num_elements(s) / std::max<int64_t>(cols, 1);
    const bool tall = rows >= cols;
    at::Tensor a = empty(tall ? Shape{rows, cols} : Shape{cols, rows}).normal_(0.0, 1.0, g);
    auto [q, r] = at::linalg_qr(a);
    // Sign fix makes the result uniformly distributed over orthogonal matrices.
    q = q * at::sign(r.diagonal());
    if (!tall) q = q.t();
    return q.contiguous().reshape(s).mul_(gain);
  });
}

namespace {
const std::map<std::string, std::function<Init()>>& table() {
  static const std::map<std::string, std::function<Init()>> kTable = {
      {"zeros", [] { return zeros(); }},
      {"ones", [] { return ones(); }},
      {"normal", [] { return normal(); }},
      {"truncated_normal", [] { return truncated_normal(); }},
      {"uniform", [] { return uniform(); }},
      {"glorot_uniform", glorot_uniform},
      {"xavier_uniform", glorot_uniform},
      {"glorot_normal", glorot_normal},
      {"xavier_normal", glorot_normal},
      {"he_uniform", he_uniform},
      {"kaiming_uniform", he_uniform},
      {"he_normal", he_normal},
      {"kaiming_normal", he_normal},
      {"lecun_normal", lecun_normal},
      {"lecun_uniform", lecun_uniform},
      {"orthogonal", [] { return orthogonal(); }},
  };
  return kTable;
}
}  // namespace

std::vector<std::string> known_names() {
  std::vector<std::string> names;
  for (const auto& [name, make] : table()) names.push_back(name);
  return names;
}

Init by_name(const std::string& name) {
  auto it = table().find(name);
  if (it == table().end()) {
    throw ConfigError(fmt::format("unknown initializer '{}' (known: {}){}", name, fmt::join(known_names(), ", "),
                                  did_you_mean(name, known_names())));
  }
  return it->second();
}

}  // namespace init
}  // namespace bx
