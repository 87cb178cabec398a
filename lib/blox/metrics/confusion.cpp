// Cells are exact counts: sums of ones in double, far below 2^53, so reading them back as
// integers loses nothing.
#include "blox/metrics/confusion.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "blox/core/errors.h"

namespace bx {

ConfusionMatrix confusion_matrix(const EvalSums& sums) {
  const size_t classes = sums.hits.size();
  if (sums.confusion.empty() || sums.confusion.size() != classes * classes) {
    throw Error("no confusion matrix in these evaluation sums: it needs a classification loss and was not asked for");
  }
  ConfusionMatrix matrix(classes, std::vector<int64_t>(classes));
  for (size_t t = 0; t < classes; ++t) {
    for (size_t p = 0; p < classes; ++p) matrix[t][p] = std::llround(sums.confusion[t * classes + p]);
  }
  return matrix;
}

std::string format_confusion(const ConfusionMatrix& matrix, const std::vector<std::string>& names) {
  const auto name = [&](size_t c) { return c < names.size() ? names[c] : std::to_string(c); };
  std::string corner = "true \\ predicted";
  size_t width = 1;
  for (size_t c = 0; c < matrix.size(); ++c) {
    width = std::max(width, name(c).size());
    corner.resize(std::max(corner.size(), name(c).size()), ' ');
    for (int64_t cell : matrix[c]) width = std::max(width, std::to_string(cell).size());
  }
  std::string out = corner;
  for (size_t p = 0; p < matrix.size(); ++p) out += fmt::format("  {:>{}}", name(p), width);
  out += "\n";
  for (size_t t = 0; t < matrix.size(); ++t) {
    out += fmt::format("{:>{}}", name(t), corner.size());
    for (int64_t cell : matrix[t]) out += fmt::format("  {:>{}}", cell, width);
    out += "\n";
  }
  return out;
}

}  // namespace bx
