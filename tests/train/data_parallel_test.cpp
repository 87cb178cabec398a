// DataParallel's checks between ranks, as two threads of this process over loopback (the real
// c10d/Gloo path): the params-identical check fires on a one-ulp difference, and batch-norm
// statistics are averaged in place.
#include "blox/train/data_parallel.h"

#include <cmath>
#include <future>

#include "support/loopback.h"
#include "support/helpers.h"

using namespace bx;

namespace {

// Runs `body(data_parallel, rank)` as ranks 0 and 1 at once; an exception's message, or "", per rank.
template <class Body>
std::pair<std::string, std::string> on_two_ranks(Body body) {
  const int port = test::free_port();
  auto run = [&](int64_t rank) -> std::string {
    try {
      DistSettings settings;
      settings.timeout_seconds = 20;
      const DataParallel dp(test::loopback_rank(rank, port), settings, c10::kCPU);
      body(dp, rank);
      return "";
    } catch (const std::exception& e) {
      return e.what();
    }
  };
  auto one = std::async(std::launch::async, run, 1);
  std::string zero = run(0);
  return {zero, one.get()};
}

Params model_params(float bias) {
  return Params()
      .with("model/fc/kernel", Param{at::arange(6, at::kFloat).view({2, 3}) / 7, true, {}})
      .with("model/fc/bias", Param{at::full({2}, bias), true, {}});
}

}  // namespace

TEST_CASE("DataParallel: params bitwise equal on both ranks pass; one ulp of difference fails on every rank") {
  const auto same = on_two_ranks([](const DataParallel& dp, int64_t) { dp.require_identical(model_params(0.5f), 7); });
  CHECK(same.first.empty());
  CHECK(same.second.empty());
  const float next = std::nextafter(0.5f, 1.0f);
  const auto differ = on_two_ranks(
      [&](const DataParallel& dp, int64_t rank) { dp.require_identical(model_params(rank == 1 ? next : 0.5f), 7); });
  CHECK_MESSAGE(differ.first.find("rank 0: params differ between ranks at step 7") != std::string::npos, differ.first);
  CHECK_MESSAGE(differ.second.find("rank 1: params differ between ranks at step 7") != std::string::npos, differ.second);
}

TEST_CASE("DataParallel: batch-norm statistics are averaged over ranks in place; integer state is left alone") {
  std::vector<at::Tensor> means(2);
  std::vector<int64_t> counts(2);
  const auto result = on_two_ranks([&](const DataParallel& dp, int64_t rank) {
    const at::Tensor mean = rank == 0 ? at::tensor({1.0f, 2.0f}) : at::tensor({3.0f, 6.0f});
    const at::Tensor count = at::tensor({rank + 10}, at::kLong);
    const Params state = Params().with("model/bn/mean", Param{mean, false, {}}).with("model/bn/count", Param{count, false, {}});
    dp.average_state(state);
    means[static_cast<size_t>(rank)] = mean;
    counts[static_cast<size_t>(rank)] = count.item<int64_t>();
  });
  REQUIRE(result.first.empty());
  REQUIRE(result.second.empty());
  CHECK(at::equal(means[0], at::tensor({2.0f, 4.0f})));
  CHECK(at::equal(means[1], at::tensor({2.0f, 4.0f})));
  CHECK(counts == std::vector<int64_t>{10, 11});
}
