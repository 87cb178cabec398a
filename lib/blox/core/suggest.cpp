// Edit distance with one rolling row: names are short and candidate lists small.
#include "blox/core/suggest.h"

#include <algorithm>
#include <cctype>
#include <numeric>
#include <utility>

namespace bx {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

namespace {

std::string lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Names other libraries and habits give to settings blox spells otherwise (lowercase alias ->
// blox's name); one is suggested only where that name is a candidate.
constexpr std::pair<const char*, const char*> kAliases[] = {
    {"lr", "learning_rate"},        {"learningrate", "learning_rate"},   {"bs", "batch_size"},
    {"batch", "batch_size"},        {"batchsize", "batch_size"},         {"wd", "weight_decay"},
    {"epoch", "epochs"},            {"num_epochs", "epochs"},            {"n_epochs", "epochs"},
    {"steps", "max_steps"},         {"num_steps", "max_steps"},          {"num_classes", "classes"},
    {"n_classes", "classes"},       {"units", "output_size"},            {"out_features", "output_size"},
    {"filters", "output_channels"}, {"out_channels", "output_channels"}, {"kernel", "kernel_size"},
    {"strides", "stride"},          {"epsilon", "eps"},                  {"optim", "optimizer"},
    {"scheduler", "schedule"},      {"lr_schedule", "schedule"},         {"lr_scheduler", "schedule"},
    {"val_split", "validation_fraction"}, {"validation_split", "validation_fraction"},
    {"ckpt", "checkpoint"},         {"dropout", "rate"},                 {"heads", "num_heads"},
};

}  // namespace

std::optional<std::string> closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string lower = lowercase(word);
  for (const auto& candidate : candidates) {
    if (lowercase(candidate) == lower) return candidate;
  }
  for (const auto& [alias, name] : kAliases) {
    if (lower == alias && std::find(candidates.begin(), candidates.end(), name) != candidates.end()) return name;
  }
  const size_t limit = std::max<size_t>(2, word.size() / 3);
  std::optional<std::string> best;
  size_t best_distance = limit + 1;
  for (const auto& candidate : candidates) {
    const size_t d = edit_distance(lower, lowercase(candidate));
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  auto match = closest_match(word, candidates);
  return match ? "; hint: did you mean '" + *match + "'?" : std::string();
}

}  // namespace bx
