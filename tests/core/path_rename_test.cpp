// Rename rules: prefix renames keep the rest of the path; glob rules give a whole new path.
#include <doctest/doctest.h>

#include "blox/core/path_rename.h"

using namespace bx;

TEST_CASE("apply_rename: a prefix rule swaps the prefix and keeps the rest") {
  CHECK(is_prefix_rename("model/encoder/**", "model/backbone/**"));
  CHECK(apply_rename("model/encoder/**", "model/backbone/**", "model/encoder/conv1/kernel") ==
        "model/backbone/conv1/kernel");
  CHECK_FALSE(apply_rename("model/encoder/**", "model/backbone/**", "model/encoder2/kernel").has_value());
  CHECK_FALSE(apply_rename("model/encoder/**", "model/backbone/**", "model/encoder/").has_value());
}

TEST_CASE("apply_rename: a glob rule maps every match to one path") {
  CHECK_FALSE(is_prefix_rename("model/*/kernel", "model/head/kernel"));
  CHECK(apply_rename("model/logits*/kernel", "model/head/kernel", "model/logits10/kernel") == "model/head/kernel");
  CHECK_FALSE(apply_rename("model/logits*/kernel", "model/head/kernel", "model/logits/bias").has_value());
}

TEST_CASE("is_prefix_rename: wildcards in the prefixes are not a prefix rule") {
  CHECK_FALSE(is_prefix_rename("model/*/**", "model/x/**"));
  CHECK_FALSE(is_prefix_rename("model/a/**", "model/*/**"));
  CHECK_FALSE(is_prefix_rename("model/a/**", "model/b"));
}
