// Mode: how every forward learns whether it is training (dropout, batch norm) — one mechanism.
#pragma once

namespace bx {

/// Passed to every Layer forward. Eval-mode forwards are pure for dropout and batch norm:
/// no Rng tick, no state change.
enum class Mode { eval, train };

inline bool is_training(Mode mode) { return mode == Mode::train; }

}  // namespace bx
