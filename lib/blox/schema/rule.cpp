#include "blox/schema/rule.h"

#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace bx {

Rule Rule::one_of(std::vector<std::string> choices) {
  Rule r;
  r.choices_ = std::move(choices);
  return r;
}

Rule Rule::size() { return positive().required().or_classes(); }

Rule Rule::or_classes() const {
  Rule r = *this;
  r.classes_ = true;
  return r;
}

Rule Rule::at_least(double low) const {
  Rule r = *this;
  r.low_ = Bound{low, false};
  return r;
}

Rule Rule::above(double low) const {
  Rule r = *this;
  r.low_ = Bound{low, true};
  return r;
}

Rule Rule::at_most(double high) const {
  Rule r = *this;
  r.high_ = Bound{high, false};
  return r;
}

Rule Rule::below(double high) const {
  Rule r = *this;
  r.high_ = Bound{high, true};
  return r;
}

Rule Rule::required() const {
  Rule r = *this;
  r.required_ = true;
  return r;
}

Rule Rule::resumable() const {
  Rule r = *this;
  r.resumable_ = true;
  return r;
}

std::string Rule::describe() const {
  if (!choices_.empty()) return fmt::format("one of {}", fmt::join(choices_, ", "));
  if (low_ && high_) {
    return fmt::format("in {}{}, {}{}", low_->open ? "(" : "[", low_->value, high_->value, high_->open ? ")" : "]");
  }
  if (low_) return fmt::format("{} {}", low_->open ? ">" : ">=", low_->value);
  if (high_) return fmt::format("{} {}", high_->open ? "<" : "<=", high_->value);
  return "";
}

std::optional<std::string> Rule::violation(double value, bool integer) const {
  const bool low_ok = !low_ || (low_->open ? value > low_->value : value >= low_->value);
  const bool high_ok = !high_ || (high_->open ? value < high_->value : value <= high_->value);
  if (low_ok && high_ok && std::isfinite(value)) return std::nullopt;  // no setting means NaN or infinity
  const std::string shown = integer ? fmt::format("{}", static_cast<int64_t>(value)) : fmt::format("{}", value);
  const std::string wanted = describe();
  return fmt::format("expected {}{}{}, got {}", integer ? "an integer" : "a value", wanted.empty() ? "" : " ", wanted,
                     shown);
}

std::optional<std::string> Rule::violation(const std::string& value) const {
  if (choices_.empty()) return std::nullopt;
  for (const auto& c : choices_) {
    if (c == value) return std::nullopt;
  }
  return fmt::format("expected one of {}, got '{}'", fmt::join(choices_, ", "), value);
}

}  // namespace bx
