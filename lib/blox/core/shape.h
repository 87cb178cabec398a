// Shapes as plain integer vectors, and their formatting for error messages.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <c10/util/ArrayRef.h>

namespace bx {

using Shape = std::vector<int64_t>;

/// "[2, 3]" — the form every shape takes in blox's messages.
std::string format_shape(c10::IntArrayRef shape);

/// Product of the dimensions (1 for a scalar).
int64_t num_elements(c10::IntArrayRef shape);

}  // namespace bx
