// "Did you mean" suggestions for misspelled names (param paths, layer types, config keys).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace bx {

/// Levenshtein distance between two strings.
size_t edit_distance(const std::string& a, const std::string& b);

/// What `word` most likely meant among `candidates`: the candidate equal to it but for case
/// (`RELU` -> `relu`), else the one a common alias names (`lr` -> `learning_rate`, `bs` ->
/// `batch_size`, `wd` -> `weight_decay`, ...; see suggest.cpp), else the candidate closest to it
/// ignoring case when close enough to be a plausible typo (distance <= max(2, |word| / 3));
/// ties go to the earliest candidate.
std::optional<std::string> closest_match(const std::string& word, const std::vector<std::string>& candidates);

/// "; hint: did you mean 'x'?" or "" — ready to append to a message.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace bx
