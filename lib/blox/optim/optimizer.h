// Optimizer: the shared mechanics of every update rule; state is a Params mirroring the params.
#pragma once

#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "blox/core/params.h"
#include "blox/schema/rule.h"

namespace bx {

/// The rule of every optimizer's learning_rate: >= 0, and at most 100 (a larger rate is a typo,
/// such as 1e30, and only diverges).
inline Rule learning_rate_rule() { return Rule::non_negative().at_most(100); }

/// State layout: `optim/<name>/step` (int64 scalar on the CPU: the number of updates done) and
/// one slot per trainable param per slot name, `optim/<name>/<slot>/<param path>`, all
/// non-trainable. So optimizer state checkpoints, inspects and restores like any params.
///
/// `step` takes params and state by rvalue and takes them over: a buffer the step alone holds
/// is updated in place (donation); one still held elsewhere (a copy the caller kept) is left
/// as it was and replaced by a new tensor.
/// A learning-rate multiplier for the params a glob selects (optimizer.lr_mult, Caffe's
/// lr_mult; PyTorch's param groups): a param's rate is the step's rate times the mult of the
/// first entry selecting it, 1 when none does.
struct LrMult {
  std::string params;  ///< a glob (see glob_selects)
  double mult = 1;     ///< >= 0
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;

  const std::string& name() const { return name_; }
  /// The rate `step` uses when no schedule passes one.
  double learning_rate() const { return learning_rate_; }

  /// Fresh state for these trainable params.
  Params init(const Params& trainable) const;

  struct Result {
    Params params;
    Params state;
  };
  /// One update of every param in `params` from `grads` (same paths, same order) at
  /// `learning_rate` (< 0: this optimizer's own).
  Result step(Params&& params, const Params& grads, Params&& state, double learning_rate = -1) const;

  /// "optim/<name>/<slot>/<param path>".
  std::string slot_path(const std::string& slot, const std::string& param_path) const;
  /// "optim/<name>/step".
  const std::string& step_path() const { return step_path_; }
  /// The globs of params that get no weight decay (optimizer.no_decay).
  const std::vector<std::string>& no_decay() const { return no_decay_; }
  /// The learning-rate multipliers (optimizer.lr_mult), first match wins.
  const std::vector<LrMult>& lr_mult() const { return lr_mult_; }
  /// Set once, as the registry builds the optimizer (before it is shared).
  void set_lr_mult(std::vector<LrMult> lr_mult) { lr_mult_ = std::move(lr_mult); }
  /// The multiplier of the param at `path`.
  double lr_mult_for(const std::string& path) const;

 protected:
  /// `no_decay`: globs (see glob_selects) of params that get no weight decay, e.g. biases.
  Optimizer(std::string name, std::vector<std::string> slots, double learning_rate, std::vector<std::string> no_decay);

  /// Updates `param` and its `slots` (ordered as the slot names) in place. `step` counts this
  /// update (1 for the first); `decay` is false for params matched by no_decay.
  virtual void update(at::Tensor& param, const at::Tensor& grad, std::vector<at::Tensor>& slots, int64_t step,
                      double learning_rate, bool decay) const = 0;
  /// Initial value of slot i (0 unless an optimizer says otherwise).
  virtual double slot_initial_value(size_t slot) const;

  /// Throws SettingError(field, "optimizer <name>: <message>") unless ok: for rules between
  /// fields (each field's own range is its settings' Rule, see check_settings).
  void require(bool ok, const std::string& field, const std::string& message) const;

 private:
  std::string name_;
  std::vector<std::string> slots_;
  double learning_rate_;
  std::vector<std::string> no_decay_;
  std::vector<LrMult> lr_mult_;
  std::string step_path_;
};

}  // namespace bx
