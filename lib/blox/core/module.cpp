// Module mechanics shared by every layer: node binding and lazy param creation.
#include "blox/core/module.h"

#include <ATen/core/grad_mode.h>
#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/core/memory_budget.h"
#include "blox/core/memory_layout.h"
#include "blox/core/rng.h"
#include "blox/core/shape.h"

namespace bx {

void Module::require_fits_in_memory(const std::string& path, c10::IntArrayRef shape) const {
  double bytes = 4;  // float32
  for (int64_t d : shape) bytes *= static_cast<double>(d);
  require_memory(fmt::format("{} '{}': param '{}' of shape {}", kind_, this->path(), path, format_shape(shape)), bytes,
                 "check the layer's sizes");
}

Module::Module(Graph graph, std::string kind, std::shared_ptr<const Rng> rng)
    : graph_(std::move(graph)), kind_(std::move(kind)), rng_(std::move(rng)) {
  graph_.bind(kind_);
}

Module::Module(Graph root, std::string kind, WholeModel) : graph_(std::move(root)), kind_(std::move(kind)) {
  graph_.bind_whole_model(kind_);
}

Module::~Module() { graph_.unbind(); }

std::string Module::param_path(const std::string& name) const { return graph_.path() + "/" + name; }

std::pair<at::Tensor, Params> Module::get_param(Params params, const std::string& name, c10::IntArrayRef shape,
                                                const Init& init, const ParamOptions& options) const {
  // The lookup runs for every param on every forward: build the path in a reused buffer.
  thread_local std::string lookup;
  lookup.assign(this->path()).append(1, '/').append(name);
  if (const Param* existing = params.find(lookup)) {
    if (existing->value.sizes() != shape) {
      throw ShapeError(fmt::format("{} '{}': param '{}' has shape {}, but this input needs {}", kind_, this->path(),
                                   lookup, format_shape(existing->value.sizes()), format_shape(shape)));
    }
    return {existing->value, std::move(params)};
  }
  const std::string path = lookup;
  if (params.is_locked()) {
    // Let Params produce the one wording of the locked error.
    params.with(path, Param{});
  }
  Key key;
  if (rng_) {
    std::tie(key, params) = rng_->next(std::move(params));
  } else if (init.is_random()) {
    throw ConfigError(fmt::format("{} '{}': param '{}' needs randomness (init {}) but the module has no Rng; "
                                  "hint: pass an Rng to its constructor",
                                  kind_, this->path(), path, init.name()));
  }
  require_fits_in_memory(path, shape);
  at::Tensor value;
  {
    at::NoGradGuard no_grad;
    at::Generator generator = make_generator(key);
    value = init(shape.vec(), generator).to(options.device);
  }
  if (options.channels_last) value = with_channels_last_strides(value);
  Params out = params.with(path, Param{value, options.trainable, options.meta});
  return {std::move(value), std::move(out)};
}

Params Module::set_param(const Params& params, const std::string& name, at::Tensor value) const {
  return params.with_value(param_path(name), std::move(value));
}

const at::Tensor& Module::param_value(const Params& params, const std::string& name) const {
  return params.at(param_path(name)).value;
}

}  // namespace bx
