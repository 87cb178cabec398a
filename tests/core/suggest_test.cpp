// "Did you mean" suggestions.
#include "helpers.h"

using namespace bx;

TEST_CASE("suggest: edit distance and closest match") {
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(closest_match("lineer", {"linear", "conv2d"}) == std::optional<std::string>("linear"));
  CHECK_FALSE(closest_match("transformer", {"linear", "conv2d"}).has_value());
  CHECK(did_you_mean("relux", {"relu", "gelu"}) == "; hint: did you mean 'relu'?");
  CHECK(did_you_mean("zzzzzz", {"relu"}).empty());
}
