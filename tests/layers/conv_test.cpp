// Conv1D, Conv2D, ConvTranspose2D against libtorch's functional convolutions.
#include <ATen/ops/conv1d.h>
#include <ATen/ops/conv2d.h>
#include <ATen/ops/conv_transpose2d.h>

#include "layers/layer_check.h"

using namespace bx;
using test::Net;
using test::Layout;


TEST_CASE("Conv2D: params [out, in/groups, kh, kw] and [out]; matches at::conv2d with stride, padding, dilation, groups") {
  Net n{"net", 3};
  ConvSettings s;
  s.output_channels = 6;
  s.kernel_size = {3, 2};
  s.stride = {2, 1};
  s.padding = Padding::of({1, 2});
  s.dilation = {1, 2};
  s.groups = 2;
  Conv2D conv(n.graph.child("conv"), s, n.rng);
  const at::Tensor x = test::randn({2, 4, 9, 8}, 1);
  const Params p = test::check_layer(conv, n.params, x, [](const auto& w, const at::Tensor& in) {
    return at::conv2d(in, w.at("net/conv/kernel"), w.at("net/conv/bias"), {2, 1}, {1, 2}, {1, 2}, 2);
  });
  CHECK(test::layout(p.split().first) ==
        Layout{"net/conv/kernel [6, 2, 3, 2] trainable", "net/conv/bias [6] trainable"});
}

TEST_CASE("Conv2D: computes in channels-last memory by default (also with 1 input channel), same values as NCHW") {
  Net n{"net", 3};
  ConvSettings s;
  s.output_channels = 8;
  s.padding = Padding::same();
  Conv2D fast(n.graph.child("fast"), s, n.rng);
  s.channels_last = false;
  Conv2D plain(n.graph.child("plain"), s, n.rng);
  const at::Tensor x = test::randn({4, 1, 6, 5}, 7);  // 1 channel: NCHW strides are ambiguous
  const Params p = test::check_layer(fast, n.params, x, [](const auto& w, const at::Tensor& in) {
    return at::conv2d(in, w.at("net/fast/kernel"), w.at("net/fast/bias"), {1, 1}, {1, 1});
  });
  auto [y_fast, p1] = fast(p, x);
  CHECK(y_fast.is_contiguous(at::MemoryFormat::ChannelsLast));
  CHECK_FALSE(y_fast.is_contiguous());
  // The kernel is created in NHWC strides, exactly (1 input channel: also where they are ambiguous),
  // so no step converts it; the NCHW layer's stays contiguous.
  const at::Tensor kernel = p1.at("net/fast/kernel").value;
  CHECK(kernel.strides() == c10::IntArrayRef(c10::get_channels_last_strides_2d(kernel.sizes())));
  CHECK(kernel.strides() != c10::IntArrayRef(at::empty(kernel.sizes()).strides()));
  // The same kernel through the NCHW path, in NCHW strides (as that layer creates its own).
  Param nchw_kernel = p.at("net/fast/kernel");
  nchw_kernel.value = nchw_kernel.value.clone(at::MemoryFormat::Contiguous);
  const Params both = p.unlocked().with("net/plain/kernel", nchw_kernel).with("net/plain/bias", p.at("net/fast/bias"));
  auto [y_plain, p2] = plain(both, x);
  CHECK(y_plain.is_contiguous());
  const at::Tensor plain_kernel = plain(n.params, x).second.at("net/plain/kernel").value;
  CHECK(plain_kernel.strides() == c10::IntArrayRef(at::empty(plain_kernel.sizes()).strides()));
  CHECK(at::allclose(y_fast, y_plain, 1e-5, 1e-6));
}

TEST_CASE("Conv2D: 'same' keeps the size at stride 1 and gives ceil(size/stride) with asymmetric padding") {
  Net n{"net", 3};
  ConvSettings s;
  s.output_channels = 3;
  s.kernel_size = {3};
  s.padding = Padding::same();
  Conv2D same1(n.graph.child("same1"), s, n.rng);
  auto [y1, p1] = same1(n.params, test::randn({1, 2, 7, 5}));
  CHECK(y1.sizes() == c10::IntArrayRef{1, 3, 7, 5});

  s.kernel_size = {2};
  s.stride = {2};
  Conv2D same2(n.graph.child("same2"), s, n.rng);
  const at::Tensor x = test::randn({2, 2, 7, 6}, 4);
  test::check_layer(same2, n.params, x, [](const auto& w, const at::Tensor& in) {
    // TensorFlow-style "same": total padding 1 on H (7 -> 4 outputs), 0 on W; the extra goes last.
    return at::conv2d(at::constant_pad_nd(in, {0, 0, 0, 1}), w.at("net/same2/kernel"), w.at("net/same2/bias"), {2, 2});
  });
  auto [y2, p2] = same2(n.params, x);
  CHECK(y2.sizes() == c10::IntArrayRef{2, 3, 4, 3});
}

TEST_CASE("Conv1D: matches at::conv1d, no bias") {
  Net n{"net", 3};
  ConvSettings s;
  s.output_channels = 4;
  s.kernel_size = {5};
  s.padding = Padding::of({2});
  s.use_bias = false;
  Conv1D conv(n.graph.child("conv"), s, n.rng);
  const Params p = test::check_layer(conv, n.params, test::randn({3, 2, 11}, 2), [](const auto& w, const at::Tensor& in) {
    return at::conv1d(in, w.at("net/conv/kernel"), {}, {1}, {2});
  });
  CHECK(test::layout(p.split().first) == Layout{"net/conv/kernel [4, 2, 5] trainable"});
}

TEST_CASE("ConvTranspose2D: params [in, out/groups, kh, kw]; matches at::conv_transpose2d; 'same' multiplies the size") {
  Net n{"net", 3};
  ConvSettings s;
  s.output_channels = 3;
  s.kernel_size = {3};
  s.stride = {2};
  s.padding = Padding::of({1});
  s.output_padding = {1};
  ConvTranspose2D up(n.graph.child("up"), s, n.rng);
  const at::Tensor x = test::randn({2, 4, 5, 6}, 5);
  const Params p = test::check_layer(up, n.params, x, [](const auto& w, const at::Tensor& in) {
    return at::conv_transpose2d(in, w.at("net/up/kernel"), w.at("net/up/bias"), {2, 2}, {1, 1}, {1, 1});
  });
  CHECK(test::layout(p.split().first) == Layout{"net/up/kernel [4, 3, 3, 3] trainable", "net/up/bias [3] trainable"});
  s.padding = Padding::same();
  s.kernel_size = {4};
  ConvTranspose2D same(n.graph.child("same"), s, n.rng);
  CHECK(same(n.params, x).first.sizes() == c10::IntArrayRef{2, 3, 10, 12});
}

TEST_CASE("Conv2D: bad settings and impossible shapes name the layer and both shapes") {
  Net n{"net", 3};
  ConvSettings s;
  CHECK_THROWS_WITH_AS(Conv2D(n.graph.child("a"), s, n.rng), doctest::Contains("output_channels: expected an integer > 0, got 0"), ConfigError);
  s.output_channels = 6;
  s.groups = 4;
  CHECK_THROWS_WITH_AS(Conv2D(n.graph.child("b"), s, n.rng), doctest::Contains("groups must divide output_channels 6, got 4"), ConfigError);
  s.groups = 1;
  s.kernel_size = {3, 3, 3};
  CHECK_THROWS_WITH_AS(Conv2D(n.graph.child("c"), s, n.rng), doctest::Contains("kernel_size needs 1 or 2 values, got 3"),
                       ConfigError);
  s.kernel_size = {5};
  Conv2D conv(n.graph.child("conv"), s, n.rng);
  CHECK_THROWS_WITH_AS(conv(n.params, test::randn({2, 9, 9})),
                       doctest::Contains("Conv2D 'net/conv': expected input (B, C, H, W), got shape [2, 9, 9]"), ShapeError);
  CHECK_THROWS_WITH_AS(conv(n.params, test::randn({1, 1, 3, 3})), doctest::Contains("smaller than the kernel [5, 5]"),
                       ShapeError);
  auto [y, p] = conv(n.params, test::randn({1, 2, 8, 8}));
  CHECK_THROWS_WITH_AS(conv(p.locked(), test::randn({1, 3, 8, 8})),
                       doctest::Contains("has shape [6, 2, 5, 5], but this input needs [6, 3, 5, 5]"), ShapeError);
}
