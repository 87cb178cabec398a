// Collectives over loopback: two ranks as two threads of this process, on the real c10d/Gloo path.
#include "blox/dist/collectives.h"

#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <thread>

#include <ATen/ATen.h>

#include "blox/core/errors.h"
#include "support/loopback.h"

using namespace bx;
using namespace std::chrono_literals;

namespace {

// Runs `body(collectives)` as ranks 0 and 1 at once; returns both results.
template <class Body>
auto on_two_ranks(Body body, std::chrono::milliseconds timeout = 20s) {
  const int port = test::free_port();
  auto run = [&](int64_t rank) {
    Collectives c(test::loopback_rank(rank, port), timeout);
    return body(c);
  };
  auto one = std::async(std::launch::async, run, 1);
  auto zero = run(0);
  return std::make_pair(zero, one.get());
}

}  // namespace

TEST_CASE("Collectives: average is the mean over ranks, across several buckets and dtypes in order") {
  auto [a, b] = on_two_ranks([](Collectives& c) {
    const double r = static_cast<double>(c.rank());
    std::vector<at::Tensor> t{at::full({3, 2}, r + 1), at::full({5}, 10 * r), at::full({2}, r, at::kDouble)};
    c.average(t, /*bucket_bytes=*/24);  // one float tensor per bucket, then the double one
    return t;
  });
  for (const auto& t : {a, b}) {
    CHECK(at::equal(t[0], at::full({3, 2}, 1.5)));
    CHECK(at::equal(t[1], at::full({5}, 5.0)));
    CHECK(at::equal(t[2], at::full({2}, 0.5, at::kDouble)));
  }
}

TEST_CASE("Collectives: broadcast takes rank 0's values; sum, max and barrier agree") {
  auto [a, b] = on_two_ranks([](Collectives& c) {
    std::vector<at::Tensor> t{at::full({4}, static_cast<double>(c.rank() + 7))};
    c.broadcast(t);
    const auto sums = c.sum({1.0 + c.rank(), 0.25});
    const int64_t most = c.max(c.rank() == 1 ? 143 : 0);
    c.barrier();
    return std::make_tuple(t[0], sums, most);
  });
  for (const auto& [t, sums, most] : {a, b}) {
    CHECK(at::equal(t, at::full({4}, 7.0)));
    CHECK(sums == std::vector<double>{3.0, 0.5});
    CHECK(most == 143);
  }
}

TEST_CASE("Collectives: a peer that never joins the collective fails it within the timeout, naming it") {
  const int port = test::free_port();
  std::promise<void> done;
  auto quiet = std::async(std::launch::async, [&] {
    Collectives c(test::loopback_rank(1, port), 2s);
    done.get_future().wait();  // joined, but never reduces
  });
  {
    Collectives c(test::loopback_rank(0, port), 2s);
    const auto start = std::chrono::steady_clock::now();
    std::vector<at::Tensor> t{at::ones({3})};
    CHECK_THROWS_WITH_AS(c.average(t), doctest::Contains("rank 0 of 2: all-reduce of gradients failed"), DistError);
    CHECK(std::chrono::steady_clock::now() - start < 15s);
  }
  done.set_value();
  quiet.get();
}
