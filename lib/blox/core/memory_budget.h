// What a model may ask of this machine's memory: a refusal before an allocation that cannot
// fit, and a tally of the activations a forward pass makes (the dummy pass's, scaled by the
// batch size, are the activation part of a training estimate).
#pragma once

#include <string>

namespace bx {

/// Throws ConfigError when `bytes` exceed this machine's physical memory: "`what` needs N GB,
/// more than this machine's M GB of memory; hint: `hint`". Counted in floating point, so a
/// product of huge sizes cannot wrap around.
void require_memory(const std::string& what, double bytes, const std::string& hint);

/// Counts the bytes of every layer output (and large temporaries, noted by the layers that
/// make them) produced on this thread while it lives. Tallies do not nest: an inner one
/// takes over until it ends.
class ActivationTally {
 public:
  ActivationTally();
  ~ActivationTally();
  ActivationTally(const ActivationTally&) = delete;
  ActivationTally& operator=(const ActivationTally&) = delete;

  double bytes() const { return bytes_; }

  /// Adds to this thread's live tally; nothing when none is live (inline: every layer of every
  /// training step comes here, to one thread-local read).
  static void add(double bytes) {
    if (live_) live_->bytes_ += bytes;
  }

 private:
  double bytes_ = 0;
  ActivationTally* outer_;
  static thread_local ActivationTally* live_;
};

}  // namespace bx
