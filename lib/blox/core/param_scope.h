// ParamScope: a forward's view of its module's params, as flax's `self.param`. `get` returns a
// param's value, creating it on unlocked params; the scope threads the updated container, so a
// forward reads as a list of the params it uses instead of `std::tie(w, params) = ...` chains.
#pragma once

#include <string>
#include <utility>

#include "blox/core/module.h"

namespace bx {

class ParamScope {
 public:
  /// Params of `module`, created on `device` (the input's).
  ParamScope(const Module& module, Params params, c10::Device device)
      : module_(module), params_(std::move(params)), device_(device) {}

  /// The trainable param `name` (a path below the module's node: "kernel", "mlp/hidden/bias").
  at::Tensor get(const std::string& name, c10::IntArrayRef shape, const Init& init) {
    return get(name, shape, init, ParamOptions{true, device_, {}});
  }
  /// The param `name`, created as `options` say (non-trainable state, tags); its device is the scope's.
  at::Tensor get(const std::string& name, c10::IntArrayRef shape, const Init& init, ParamOptions options) {
    return get_of(module_, name, shape, init, std::move(options));
  }
  /// A trainable param of another module (a tied embedding's table), under that module's path.
  at::Tensor get_of(const Module& owner, const std::string& name, c10::IntArrayRef shape, const Init& init,
                    ParamOptions options = {}) {
    options.device = device_;
    at::Tensor value;
    std::tie(value, params_) = owner.get_param(std::move(params_), name, shape, init, options);
    return value;
  }
  /// Runs a child layer on the scope's params and keeps what it returns.
  at::Tensor apply(const Layer& layer, const at::Tensor& x, Mode mode) {
    at::Tensor y;
    std::tie(y, params_) = layer(std::move(params_), x, mode);
    return y;
  }
  /// Replaces the existing param `name` (e.g. updated running statistics).
  void set(const std::string& name, at::Tensor value) { params_ = module_.set_param(params_, name, std::move(value)); }

  /// The params, for the forward's Output; the scope is empty afterwards.
  Params release() { return std::move(params_); }

 private:
  const Module& module_;
  Params params_;
  c10::Device device_;
};

}  // namespace bx
