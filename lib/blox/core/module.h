// Module and Layer: static configuration bound to a graph node; all state goes through Params.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include "blox/core/errors.h"
#include "blox/core/graph.h"
#include "blox/core/init.h"
#include "blox/core/memory_budget.h"
#include "blox/core/mode.h"
#include "blox/core/params.h"
#include "blox/core/shape.h"

namespace bx {

class Rng;

/// How get_param creates a missing param.
struct ParamOptions {
  bool trainable = true;
  c10::Device device = c10::kCPU;
  std::map<std::string, std::string> meta;
  /// Created with NHWC strides (a 4-D kernel of a channels-last convolution), so the layer does
  /// not convert it, and its gradient back, on every step. The values are the same either way.
  bool channels_last = false;
};

/// Owns one graph node and the param helpers every module shares. Built from static settings
/// only (never tensors); creates nothing until the first forward on unlocked params.
/// Neither copyable nor movable: the node binding is tied to the object's life.
class Module {
 public:
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  virtual ~Module();

  const Graph& graph() const { return graph_; }
  /// The node's path, e.g. "net/mlp/hidden".
  const std::string& path() const { return graph_.path(); }
  /// The module's type name, e.g. "Linear" (for messages and summaries).
  const std::string& kind() const { return kind_; }

  /// `path() + "/" + name`.
  std::string param_path(const std::string& name) const;

  /// The param `name` of this module. If it exists its shape must equal `shape` (else
  /// ShapeError naming both) and no randomness is consumed. If it is missing and params are
  /// unlocked it is created with `init` — one Rng tick when the module has an Rng, even for a
  /// constant init — on `options.device`; locked params throw ParamsError naming the path.
  std::pair<at::Tensor, Params> get_param(Params params, const std::string& name, c10::IntArrayRef shape,
                                          const Init& init, const ParamOptions& options = {}) const;

  /// Params with the existing param `name` replaced by `value` (allowed when locked).
  Params set_param(const Params& params, const std::string& name, at::Tensor value) const;

  /// The value of the existing param `name`; throws ParamsError if missing.
  const at::Tensor& param_value(const Params& params, const std::string& name) const;

 protected:
  /// Binds `graph` (must not be a root, nor bound already) for a module of type `kind`.
  Module(Graph graph, std::string kind, std::shared_ptr<const Rng> rng = nullptr);
  /// Binds the root node: only for a container that is a whole model (see Sequential).
  struct WholeModel {};
  Module(Graph root, std::string kind, WholeModel);

  const std::shared_ptr<const Rng>& rng() const { return rng_; }

 private:
  /// ConfigError naming the param when `shape` holds more bytes than this machine's memory
  /// (before libtorch's allocator fails on it).
  void require_fits_in_memory(const std::string& path, c10::IntArrayRef shape) const;

  Graph graph_;
  std::string kind_;
  std::shared_ptr<const Rng> rng_;
};

/// A module with a tensor forward: `(y, params) = layer(params, x, mode)`. The forward is
/// const, so the compiler guarantees the graph is static; all changes come back as params.
class Layer : public Module {
 public:
  using Output = std::pair<at::Tensor, Params>;

  /// A ShapeError leaving forward carries the innermost layer's path.
  /// Every output counts towards the live ActivationTally (core/memory_budget.h).
  Output operator()(Params params, const at::Tensor& x, Mode mode = Mode::eval) const {
    try {
      Output out = forward(std::move(params), x, mode);
      ActivationTally::add(static_cast<double>(out.first.nbytes()));
      return out;
    } catch (const ShapeError& e) {
      if (!e.layer().empty()) throw;
      throw ShapeError(path(), e.what());
    }
  }

 protected:
  using Module::Module;
  virtual Output forward(Params params, const at::Tensor& x, Mode mode) const = 0;
};

}  // namespace bx
