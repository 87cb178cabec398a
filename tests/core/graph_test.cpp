// Graph: paths, node names, and one module per node.
#include "support/helpers.h"

using namespace bx;

TEST_CASE("Graph: child paths join names with '/'") {
  Graph net("net");
  CHECK(net.path() == "net");
  CHECK(net.is_root());
  Graph hidden = net.child("mlp").child("hidden");
  CHECK(hidden.path() == "net/mlp/hidden");
  CHECK(hidden.name() == "hidden");
  CHECK_FALSE(hidden.is_root());
}

TEST_CASE("Graph: names with '/', globs or spaces are rejected") {
  CHECK_THROWS_AS(Graph(""), ConfigError);
  Graph net("net");
  CHECK_THROWS_WITH_AS(net.child("a/b"), doctest::Contains("'a/b' holds the character '/'"), ConfigError);
  CHECK_THROWS_AS(net.child("conv*"), ConfigError);
  CHECK_THROWS_AS(net.child("two words"), ConfigError);
  CHECK_THROWS_WITH_AS(net.child("r\xe9lu"), doctest::Contains("invalid UTF-8 at byte 1"), ConfigError);
  CHECK_NOTHROW(net.child("r\xc3\xa9lu"));
}

TEST_CASE("Graph: two modules on one node is an error naming the node") {
  Graph net("net");
  Linear first(net.child("linear"), {4}, nullptr);
  CHECK(net.child("linear").bound_kind() == "Linear");
  CHECK_THROWS_WITH_AS(Flatten(net.child("linear")),
                       doctest::Contains("graph node 'net/linear' is already bound to a Linear"), ConfigError);
  CHECK_THROWS_WITH_AS(Flatten(net.child("linear")), doctest::Contains("graph.child(\"name\")"), ConfigError);
}

TEST_CASE("Graph: a module cannot bind to the root node") {
  Graph net("net");
  CHECK_THROWS_WITH_AS(Flatten{net}, doctest::Contains("cannot bind a Flatten to the root graph node 'net'"),
                       ConfigError);
}

TEST_CASE("Graph: a node is free again once its module is destroyed") {
  Graph net("net");
  { Flatten first(net.child("flat")); }
  CHECK(net.child("flat").bound_kind().empty());
  Flatten second(net.child("flat"));
  CHECK(second.path() == "net/flat");
}

TEST_CASE("Graph: separate roots with the same name do not share bindings") {
  Flatten a(Graph("net").child("flat"));
  Flatten b(Graph("net").child("flat"));
  CHECK(a.path() == b.path());
}
