// Params: the one immutable container of all model state (weights, statistics, RNG counters).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "blox/core/param_index.h"

namespace bx {

/// One entry of Params: a tensor, whether it receives gradients, and small string metadata
/// (e.g. {"tag": "rng_counter"}).
struct Param {
  at::Tensor value;
  bool trainable = true;
  std::map<std::string, std::string> meta;
};

/// A flat, immutable, insertion-ordered map from path ("net/mlp/hidden/kernel") to Param.
///
/// Every operation returns a new container and never changes its input; copies share the key
/// index and the tensors, so they cost a few reference counts. Tensors are never written in
/// place by blox except through donation (see `owns_buffer`): a function taking `Params&&` may
/// update a buffer that no other container or tensor shares.
///
/// Unlocked (the default) params accept new paths; locked params refuse them with a
/// ParamsError naming the path, while values of existing paths can still be replaced.
class Params {
 public:
  Params();
  Params(const Params&) = default;
  Params& operator=(const Params&) = default;
  /// A moved-from Params is empty and unlocked (never dangling), so "give up by moving" is a
  /// safe way to hand buffers to a donating function.
  Params(Params&& other) noexcept;
  Params& operator=(Params&& other) noexcept;

  size_t size() const { return values_->size(); }
  bool empty() const { return size() == 0; }
  bool is_locked() const { return locked_; }
  bool contains(const std::string& path) const { return index_of(path) != npos; }

  /// The param at `path`, or nullptr.
  const Param* find(const std::string& path) const;
  /// The param at `path`; throws ParamsError naming the path, with a "did you mean".
  const Param& at(const std::string& path) const;
  const Param& operator[](const std::string& path) const { return at(path); }

  /// Paths in insertion order.
  const std::vector<std::string>& keys() const;
  /// The i-th path / param in insertion order.
  const std::string& key(size_t i) const;
  const Param& param(size_t i) const { return (*values_)[i]; }
  /// All values in insertion order (e.g. the inputs of torch::autograd::grad).
  std::vector<at::Tensor> tensors() const;

  /// Adds `path` (at the end) or replaces it (in place in the order). Adding to locked params
  /// throws ParamsError: "missing param 'p': params locked".
  Params with(const std::string& path, Param param) const;
  /// Replaces the value of an existing path, keeping its flags. Allowed when locked.
  Params with_value(const std::string& path, at::Tensor value) const;
  /// Same keys and flags, values replaced in order; throws ParamsError on a count mismatch.
  Params with_values(std::vector<at::Tensor> values) const;
  /// Same keys and flags, each value replaced by fn(path, param).
  Params map(const std::function<at::Tensor(const std::string&, const Param&)>& fn) const;
  /// The entries for which pred(path, param) holds, in order, with the same locked flag.
  Params filter(const std::function<bool(const std::string&, const Param&)>& pred) const;

  Params locked() const;
  Params unlocked() const;

  /// (trainable, non-trainable), each in insertion order, both with this container's locked flag.
  std::pair<Params, Params> split() const&;
  /// As above, and releases this container's references, so the halves are the only holders
  /// of their tensors (what donation needs).
  std::pair<Params, Params> split() &&;
  /// Union of two disjoint containers (this one's entries first). Throws ParamsError on a
  /// shared path or when one is locked and the other not.
  Params merge(const Params& other) const;

  /// Marks every param selected by the glob `pattern` (see glob_selects) non-trainable /
  /// trainable. Throws ParamsError when the pattern selects nothing (a typo would otherwise
  /// silently train everything).
  Params freeze(const std::string& pattern) const;
  Params unfreeze(const std::string& pattern) const;

  /// Values detached from any autograd graph; floating-point ones marked requires_grad, so a
  /// forward on them records the graph that bx::grad differentiates.
  Params requiring_grad() const&;
  /// As above, releasing this container's references (see split() &&).
  Params requiring_grad() &&;
  /// Values detached from any autograd graph.
  Params detached() const;

  /// Number of scalar elements / bytes, over all params or only the (non-)trainable ones.
  int64_t num_elements() const;
  int64_t num_elements(bool trainable) const;
  int64_t num_bytes() const;

  /// True when entry i's buffer is reachable only through this container: no other Params
  /// shares the entry list, no other handle shares the tensor, and no other tensor (a view, a
  /// detached copy, an autograd graph) shares the storage. A function that received this
  /// container by rvalue may then write the buffer in place (donation).
  bool owns_buffer(size_t i) const;

  static constexpr size_t npos = static_cast<size_t>(-1);
  size_t index_of(const std::string& path) const;

 private:
  static const std::shared_ptr<const std::vector<Param>>& empty_values();
  Params(std::shared_ptr<const ParamIndex> keys, std::shared_ptr<const std::vector<Param>> values, bool locked);
  Params with_trainable(const std::string& pattern, bool trainable) const;
  void release();

  std::shared_ptr<const ParamIndex> keys_;
  std::shared_ptr<const std::vector<Param>> values_;
  bool locked_ = false;
};

/// True when both hold the same paths in the same order with bitwise-equal values and flags.
bool bitwise_equal(const Params& a, const Params& b);

}  // namespace bx
