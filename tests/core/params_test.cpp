// Params: immutability, order, locking, split/merge, freeze, counts and donation ownership.
#include "support/helpers.h"

using namespace bx;

namespace {
Params three_params() {
  return Params()
      .with("net/a/kernel", Param{at::ones({2, 3}), true, {}})
      .with("net/rng/counter", Param{at::scalar_tensor(int64_t{5}, at::kLong), false, {{"tag", "rng_counter"}}})
      .with("net/a/bias", Param{at::zeros({3}), true, {}});
}
}  // namespace

TEST_CASE("Params: every operation returns a new container and leaves the input unchanged") {
  const Params p = three_params();
  const Params q = p.with_value("net/a/bias", at::ones({3}));
  CHECK(p["net/a/bias"].value.sum().item<float>() == 0.0f);
  CHECK(q["net/a/bias"].value.sum().item<float>() == 3.0f);
  const Params r = p.with("net/b/kernel", Param{at::ones({1}), true, {}});
  CHECK(p.size() == 3);
  CHECK(r.size() == 4);
  const Params frozen = p.freeze("net/a");
  CHECK(p["net/a/kernel"].trainable);
  CHECK_FALSE(frozen["net/a/kernel"].trainable);
  const Params locked = p.locked();
  CHECK_FALSE(p.is_locked());
  CHECK(locked.is_locked());
}

TEST_CASE("Params: copies share tensors instead of copying them") {
  const Params p = three_params();
  const Params copy = p;
  const Params relocked = p.locked();
  CHECK(copy["net/a/kernel"].value.data_ptr() == p["net/a/kernel"].value.data_ptr());
  CHECK(relocked["net/a/kernel"].value.data_ptr() == p["net/a/kernel"].value.data_ptr());
}

TEST_CASE("Params: insertion order is kept, replacing a value keeps its position") {
  const Params p = three_params().with_value("net/a/kernel", at::zeros({2, 3}));
  CHECK(p.keys() == std::vector<std::string>{"net/a/kernel", "net/rng/counter", "net/a/bias"});
}

TEST_CASE("Params: adding to locked params throws naming the path; replacing is allowed") {
  const Params locked = three_params().locked();
  CHECK_THROWS_WITH_AS(locked.with("net/new/kernel", Param{at::ones({1}), true, {}}),
                       doctest::Contains("missing param 'net/new/kernel': params locked"), ParamsError);
  const Params replaced = locked.with_value("net/a/bias", at::ones({3}));
  CHECK(replaced.is_locked());
  CHECK(replaced["net/a/bias"].value.sum().item<float>() == 3.0f);
  const Params grown = locked.unlocked().with("net/new/kernel", Param{at::ones({1}), true, {}});
  CHECK(grown.size() == 4);
}

TEST_CASE("Params: a missing path names the path and suggests the closest one") {
  const Params p = three_params();
  CHECK_THROWS_WITH_AS(p.at("net/a/kernal"), doctest::Contains("did you mean 'net/a/kernel'?"), ParamsError);
  CHECK(p.find("net/nothing") == nullptr);
  CHECK_THROWS_AS(p.with_value("net/nothing", at::ones({1})), ParamsError);
}

TEST_CASE("Params: split puts trainable entries first and merge round-trips") {
  const Params p = three_params().locked();
  auto [trainable, state] = p.split();
  CHECK(trainable.keys() == std::vector<std::string>{"net/a/kernel", "net/a/bias"});
  CHECK(state.keys() == std::vector<std::string>{"net/rng/counter"});
  CHECK(trainable.is_locked());
  CHECK(state.is_locked());
  const Params merged = trainable.merge(state);
  CHECK(merged.keys() == std::vector<std::string>{"net/a/kernel", "net/a/bias", "net/rng/counter"});
  CHECK(merged["net/rng/counter"].meta.at("tag") == "rng_counter");
  CHECK(bitwise_equal(merged.filter([](const std::string&, const Param& x) { return !x.trainable; }), state));
}

TEST_CASE("Params: merge rejects overlapping paths and mixed locked flags") {
  auto [trainable, state] = three_params().split();
  CHECK_THROWS_WITH_AS(trainable.merge(trainable), doctest::Contains("path 'net/a/kernel' is in both"), ParamsError);
  CHECK_THROWS_WITH_AS(trainable.locked().merge(state), doctest::Contains("locked and unlocked"), ParamsError);
}

TEST_CASE("Params: split on an rvalue releases the source so the halves own their buffers") {
  Params p = three_params();
  auto [trainable, state] = std::move(p).split();
  CHECK(p.empty());  // NOLINT(bugprone-use-after-move): the release is the contract under test
  CHECK(trainable.owns_buffer(0));
}

TEST_CASE("Params: freeze and unfreeze by glob move params between the split halves") {
  const Params p = three_params();
  const Params frozen = p.freeze("net/a/ker*");
  CHECK(frozen.split().first.keys() == std::vector<std::string>{"net/a/bias"});
  CHECK(frozen.split().second.keys() == std::vector<std::string>{"net/a/kernel", "net/rng/counter"});
  CHECK(frozen.unfreeze("net/a").split().first.keys() == std::vector<std::string>{"net/a/kernel", "net/a/bias"});
  CHECK_THROWS_WITH_AS(p.freeze("net/b/*"), doctest::Contains("freeze pattern 'net/b/*' selects no param"),
                       ParamsError);
}

TEST_CASE("Params: element and byte counts") {
  const Params p = three_params();
  CHECK(p.num_elements() == 6 + 1 + 3);
  CHECK(p.num_elements(true) == 9);
  CHECK(p.num_elements(false) == 1);
  CHECK(p.num_bytes() == 9 * 4 + 8);
}

TEST_CASE("Params: owns_buffer is false while another container or tensor shares the buffer") {
  Params p = Params().with("w", Param{at::ones({4}), true, {}});
  CHECK(p.owns_buffer(0));
  {
    const Params copy = p;
    CHECK_FALSE(p.owns_buffer(0));
  }
  CHECK(p.owns_buffer(0));
  {
    at::Tensor view = p["w"].value.view({2, 2});
    CHECK_FALSE(p.owns_buffer(0));
  }
  {
    const Params other = Params().with("w", p["w"]);
    CHECK_FALSE(p.owns_buffer(0));
  }
  CHECK(p.owns_buffer(0));
}

TEST_CASE("Params: requiring_grad detaches and marks only floating values") {
  const Params p = three_params();
  const Params g = p.requiring_grad();
  CHECK(g["net/a/kernel"].value.requires_grad());
  CHECK_FALSE(g["net/rng/counter"].value.requires_grad());
  CHECK_FALSE(p["net/a/kernel"].value.requires_grad());
  CHECK_FALSE(g.detached()["net/a/kernel"].value.requires_grad());
}

TEST_CASE("Params: bitwise_equal compares bytes, flags and order") {
  const Params p = three_params();
  CHECK(bitwise_equal(p, p.detached()));
  CHECK_FALSE(bitwise_equal(p, p.freeze("net/a/bias")));
  CHECK_FALSE(bitwise_equal(p, p.with_value("net/a/bias", at::full({3}, -0.0f))));
  const at::Tensor nan = at::full({3}, std::nanf(""));
  CHECK(bitwise_equal(p.with_value("net/a/bias", nan), p.with_value("net/a/bias", nan.clone())));
}

TEST_CASE("Params: a moved-from container is empty, unlocked and usable") {
  Params p = three_params().locked();
  Params q = std::move(p);
  CHECK(q.size() == 3);
  CHECK(p.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is part of the contract
  CHECK_FALSE(p.is_locked());
  CHECK(p.with("x", Param{at::ones({1}), true, {}}).size() == 1);
  CHECK(q.owns_buffer(0));
}
