// Params: copy-on-write containers. The key index and the value list are shared separately, so
// replacing values (every training step) never rebuilds the index.
#include "blox/core/params.h"

#include <cstring>

#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/core/glob.h"
#include "blox/core/suggest.h"
#include "blox/core/tensor_ownership.h"

namespace bx {

namespace {

std::shared_ptr<const std::vector<Param>> share(std::vector<Param> values) {
  return std::make_shared<const std::vector<Param>>(std::move(values));
}

}  // namespace

// Shared empty key index and value list: a default-constructed or moved-from Params costs no
// allocation.
const std::shared_ptr<const std::vector<Param>>& Params::empty_values() {
  static const std::shared_ptr<const std::vector<Param>> kEmpty = share({});
  return kEmpty;
}

Params::Params() : keys_(ParamIndex::empty()), values_(empty_values()), locked_(false) {}

Params::Params(Params&& other) noexcept
    : keys_(std::exchange(other.keys_, ParamIndex::empty())),
      values_(std::exchange(other.values_, empty_values())),
      locked_(std::exchange(other.locked_, false)) {}

Params& Params::operator=(Params&& other) noexcept {
  if (this != &other) {
    keys_ = std::exchange(other.keys_, ParamIndex::empty());
    values_ = std::exchange(other.values_, empty_values());
    locked_ = std::exchange(other.locked_, false);
  }
  return *this;
}

Params::Params(std::shared_ptr<const ParamIndex> keys, std::shared_ptr<const std::vector<Param>> values, bool locked)
    : keys_(std::move(keys)), values_(std::move(values)), locked_(locked) {}

size_t Params::index_of(const std::string& path) const { return keys_->find(path); }

const Param* Params::find(const std::string& path) const {
  const size_t i = index_of(path);
  return i == npos ? nullptr : &(*values_)[i];
}

const Param& Params::at(const std::string& path) const {
  if (const Param* p = find(path)) return *p;
  throw ParamsError(fmt::format("no param '{}' among {} params{}", path, size(), did_you_mean(path, keys_->paths())));
}

const std::vector<std::string>& Params::keys() const { return keys_->paths(); }
const std::string& Params::key(size_t i) const { return keys_->paths()[i]; }

std::vector<at::Tensor> Params::tensors() const {
  std::vector<at::Tensor> out;
  out.reserve(size());
  for (const auto& p : *values_) out.push_back(p.value);
  return out;
}

Params Params::with(const std::string& path, Param param) const {
  const size_t i = index_of(path);
  if (i != npos) {
    std::vector<Param> values = *values_;
    values[i] = std::move(param);
    return Params(keys_, share(std::move(values)), locked_);
  }
  if (locked_) {
    throw ParamsError(fmt::format(
        "missing param '{}': params locked, new params cannot be created; "
        "hint: create every param on the dummy pass, or call params.unlocked() to add layers",
        path));
  }
  std::vector<std::string> paths = keys_->paths();
  paths.push_back(path);
  std::vector<Param> values = *values_;
  values.push_back(std::move(param));
  return Params(ParamIndex::make(std::move(paths)), share(std::move(values)), locked_);
}

Params Params::with_value(const std::string& path, at::Tensor value) const {
  const size_t i = index_of(path);
  if (i == npos) {
    throw ParamsError(fmt::format("cannot set param '{}': no such path{}", path, did_you_mean(path, keys_->paths())));
  }
  std::vector<Param> values = *values_;
  values[i].value = std::move(value);
  return Params(keys_, share(std::move(values)), locked_);
}

Params Params::with_values(std::vector<at::Tensor> new_values) const {
  if (new_values.size() != size()) {
    throw ParamsError(fmt::format("with_values: expected {} tensors, got {}", size(), new_values.size()));
  }
  std::vector<Param> values = *values_;
  for (size_t i = 0; i < values.size(); ++i) values[i].value = std::move(new_values[i]);
  return Params(keys_, share(std::move(values)), locked_);
}

Params Params::map(const std::function<at::Tensor(const std::string&, const Param&)>& fn) const {
  std::vector<at::Tensor> out;
  out.reserve(size());
  for (size_t i = 0; i < size(); ++i) out.push_back(fn(key(i), param(i)));
  return with_values(std::move(out));
}

Params Params::filter(const std::function<bool(const std::string&, const Param&)>& pred) const {
  std::vector<bool> mask(size());
  std::vector<Param> values;
  for (size_t i = 0; i < size(); ++i) {
    mask[i] = pred(key(i), param(i));
    if (mask[i]) values.push_back(param(i));
  }
  return Params(keys_->subset(mask), share(std::move(values)), locked_);
}

Params Params::locked() const { return Params(keys_, values_, true); }
Params Params::unlocked() const { return Params(keys_, values_, false); }

void Params::release() {
  keys_ = ParamIndex::empty();
  values_ = empty_values();
}

std::pair<Params, Params> Params::split() && {
  auto halves = static_cast<const Params&>(*this).split();
  release();
  return halves;
}

std::pair<Params, Params> Params::split() const& {
  auto is_trainable = [](const std::string&, const Param& p) { return p.trainable; };
  auto is_state = [](const std::string&, const Param& p) { return !p.trainable; };
  return {filter(is_trainable), filter(is_state)};
}

Params Params::merge(const Params& other) const {
  if (locked_ != other.locked_) {
    throw ParamsError(fmt::format("cannot merge locked and unlocked params (this: {}, other: {})",
                                  locked_ ? "locked" : "unlocked", other.locked_ ? "locked" : "unlocked"));
  }
  std::shared_ptr<const ParamIndex> keys = keys_->concat(other.keys_);
  std::vector<Param> values;
  values.reserve(size() + other.size());
  values.insert(values.end(), values_->begin(), values_->end());
  values.insert(values.end(), other.values_->begin(), other.values_->end());
  return Params(std::move(keys), share(std::move(values)), locked_);
}

Params Params::with_trainable(const std::string& pattern, bool trainable) const {
  std::vector<Param> values = *values_;
  size_t selected = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    if (!glob_selects(pattern, key(i))) continue;
    values[i].trainable = trainable;
    ++selected;
  }
  if (selected == 0) {
    throw ParamsError(fmt::format("{} pattern '{}' selects no param among {}{}", trainable ? "unfreeze" : "freeze",
                                  pattern, size(), did_you_mean(pattern, keys_->paths())));
  }
  return Params(keys_, share(std::move(values)), locked_);
}

Params Params::freeze(const std::string& pattern) const { return with_trainable(pattern, false); }
Params Params::unfreeze(const std::string& pattern) const { return with_trainable(pattern, true); }

Params Params::requiring_grad() && {
  Params out = static_cast<const Params&>(*this).requiring_grad();
  release();
  return out;
}

Params Params::requiring_grad() const& {
  return map([](const std::string&, const Param& p) {
    // A leaf that already requires grad (e.g. updated in place by the last step) has no history
    // to cut: reuse it rather than pay for a detached alias every step.
    if (p.value.requires_grad() && p.value.is_leaf()) return p.value;
    at::Tensor t = p.value.detach();
    if (t.is_floating_point()) t.requires_grad_(true);
    return t;
  });
}

Params Params::detached() const {
  return map([](const std::string&, const Param& p) { return p.value.detach(); });
}

int64_t Params::num_elements() const {
  int64_t n = 0;
  for (const auto& p : *values_) n += p.value.numel();
  return n;
}

int64_t Params::num_elements(bool trainable) const {
  int64_t n = 0;
  for (const auto& p : *values_) n += p.trainable == trainable ? p.value.numel() : 0;
  return n;
}

int64_t Params::num_bytes() const {
  int64_t n = 0;
  for (const auto& p : *values_) n += p.value.numel() * static_cast<int64_t>(p.value.element_size());
  return n;
}

bool Params::owns_buffer(size_t i) const {
  if (values_.use_count() != 1) return false;
  const at::Tensor& t = (*values_)[i].value;
  return sole_handle(t);
}

bool bitwise_equal(const Params& a, const Params& b) {
  if (a.keys() != b.keys()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const Param& x = a.param(i);
    const Param& y = b.param(i);
    if (x.trainable != y.trainable || x.meta != y.meta) return false;
    if (x.value.scalar_type() != y.value.scalar_type() || x.value.sizes() != y.value.sizes()) return false;
    // Compare bytes, not values: NaN == NaN and -0.0 != 0.0 here, as a bitwise check must.
    const at::Tensor cx = x.value.contiguous().cpu();
    const at::Tensor cy = y.value.contiguous().cpu();
    if (std::memcmp(cx.data_ptr(), cy.data_ptr(), cx.nbytes()) != 0) return false;
  }
  return true;
}

}  // namespace bx
