// Rule: which values a setting takes beyond its type (a range, a list of choices, required).
// Settings structs declare one per field (see settings.h); the reader, the constructors' checks
// and the generated schema tables all read the same rule.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace bx {

class Rule {
 public:
  /// Anything of the field's type.
  Rule() = default;

  static Rule positive() { return Rule().above(0); }       ///< > 0
  static Rule non_negative() { return Rule().at_least(0); }  ///< >= 0
  static Rule fraction() { return Rule().at_least(0).below(1); }  ///< [0, 1)
  static Rule one_of(std::vector<std::string> choices);
  /// A required integer > 0 that may also be written `classes` (the dataset's class count).
  static Rule size();

  Rule at_least(double low) const;  ///< >= low
  Rule above(double low) const;     ///< > low
  Rule at_most(double high) const;  ///< <= high
  Rule below(double high) const;    ///< < high
  /// The key must be written (it has no default).
  Rule required() const;
  /// An integer that may also be written `classes` (the dataset's class count).
  Rule or_classes() const;
  /// A resume may change the value (blox train --resume): it steers how long a run goes on,
  /// what it records or where it computes, never what it trains.
  Rule resumable() const;

  bool is_required() const { return required_; }
  bool takes_classes() const { return classes_; }
  bool is_resumable() const { return resumable_; }
  const std::vector<std::string>& choices() const { return choices_; }

  /// What the rule asks for, e.g. "> 0", "in [0, 1)", "one of a, b"; "" when anything goes.
  std::string describe() const;
  /// "expected a value > 0, got -1" when `value` breaks the bounds; nothing when it keeps them.
  /// NaN and infinities break every rule (no setting means them).
  std::optional<std::string> violation(double value, bool integer) const;
  /// "expected one of a, b, got 'c'" when `value` is not among the choices.
  std::optional<std::string> violation(const std::string& value) const;

 private:
  struct Bound {
    double value = 0;
    bool open = false;
  };
  std::optional<Bound> low_, high_;
  std::vector<std::string> choices_;
  bool required_ = false;
  bool classes_ = false;
  bool resumable_ = false;
};

}  // namespace bx
