// The confusion matrix of a classification evaluation, and the table `blox eval --confusion`
// prints.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "blox/metrics/evaluation.h"

namespace bx {

/// Rows: the true class, columns: the predicted class.
using ConfusionMatrix = std::vector<std::vector<int64_t>>;

/// The matrix evaluation_sums(..., confusion = true) added up. Throws Error when `sums` hold
/// none (not asked for, or no classification outputs).
ConfusionMatrix confusion_matrix(const EvalSums& sums);

/// A right-aligned text table, one line per true class, a header of predicted classes:
///   true \ predicted   0   1
///                  0  12   3
///                  1   0   9
/// Classes are named by `names` (data.class_names) where given, else by index.
std::string format_confusion(const ConfusionMatrix& matrix, const std::vector<std::string>& names = {});

}  // namespace bx
