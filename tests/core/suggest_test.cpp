// "Did you mean" suggestions.
#include "support/helpers.h"

using namespace bx;

TEST_CASE("suggest: edit distance and closest match") {
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(closest_match("lineer", {"linear", "conv2d"}) == std::optional<std::string>("linear"));
  CHECK_FALSE(closest_match("transformer", {"linear", "conv2d"}).has_value());
  CHECK(did_you_mean("relux", {"relu", "gelu"}) == "; hint: did you mean 'relu'?");
  CHECK(did_you_mean("zzzzzz", {"relu"}).empty());
}

TEST_CASE("suggest: case does not matter, and common aliases name blox's setting") {
  CHECK(closest_match("RELU", {"gelu", "relu"}) == std::optional<std::string>("relu"));
  CHECK(closest_match("Lineer", {"linear", "conv2d"}) == std::optional<std::string>("linear"));
  CHECK(did_you_mean("LR", {"momentum", "learning_rate"}) == "; hint: did you mean 'learning_rate'?");
  for (const char* batch : {"bs", "batch", "BatchSize"}) {
    CHECK(closest_match(batch, {"shuffle", "batch_size"}) == std::optional<std::string>("batch_size"));
  }
  CHECK(closest_match("wd", {"learning_rate", "weight_decay"}) == std::optional<std::string>("weight_decay"));
  CHECK(closest_match("epoch", {"epochs", "max_steps"}) == std::optional<std::string>("epochs"));
  // An alias suggests only a name that is there.
  CHECK_FALSE(closest_match("lr", {"rate", "delta"}).has_value());
}
