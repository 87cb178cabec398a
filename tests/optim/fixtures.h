// Params and gradients shared by the optimizer tests.
#pragma once

#include "support/helpers.h"

namespace bx::test {

/// Two small trainable params, "net/w" [5, 3] and "net/b" [3], with fixed random values.
inline Params two_params() {
  return Params().with("net/w", Param{randn({5, 3}, 1), true, {}}).with("net/b", Param{randn({3}, 2), true, {}});
}

}  // namespace bx::test
