// Glob patterns over param paths.
#include "support/helpers.h"

using namespace bx;

TEST_CASE("glob_match: '*' stays within a path segment, '**' crosses segments") {
  CHECK(glob_match("net/*/kernel", "net/linear/kernel"));
  CHECK_FALSE(glob_match("net/*/kernel", "net/a/b/kernel"));
  CHECK(glob_match("net/**/kernel", "net/a/b/kernel"));
  CHECK(glob_match("net/conv?", "net/conv1"));
  CHECK_FALSE(glob_match("net/conv?", "net/conv12"));
  CHECK_FALSE(glob_match("net/?", "net//"));
  CHECK(glob_match("exact", "exact"));
  CHECK_FALSE(glob_match("exact", "exactly"));
}

TEST_CASE("glob_selects: a pattern naming a node selects every path below it") {
  CHECK(glob_selects("net/backbone", "net/backbone/conv1/kernel"));
  CHECK(glob_selects("net/conv*", "net/conv2/bias"));
  CHECK_FALSE(glob_selects("net/conv*", "net/head/kernel"));
  CHECK_FALSE(glob_selects("net/back", "net/backbone/kernel"));  // whole segments only
}
