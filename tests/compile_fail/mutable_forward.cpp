// Must NOT compile: forwards are const, so a layer cannot mutate itself while running.
// ctest passes when the compiler rejects the override below.
#include "blox/core/module.h"

class Counter final : public bx::Layer {
 public:
  using bx::Layer::Layer;

 protected:
  Output forward(bx::Params params, const at::Tensor& x, bx::Mode mode) override {  // not const
    ++calls_;
    return {x, std::move(params)};
  }

 private:
  int calls_ = 0;
};
