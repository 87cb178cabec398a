#include "blox/schema/type_registry.h"

#include <doctest/doctest.h>

#include "schema/yaml_options.h"

using namespace bx;

TEST_CASE("TypeRegistry: sorted types, docs, duplicates refused, unknown types located with a hint") {
  TypeRegistry<int> r("widget");
  r.add("b", {"the b", {}}, 2);
  r.add("a", {"the a", {}}, 1);
  CHECK(r.types() == std::vector<std::string>{"a", "b"});
  CHECK(r.docs()[1].second.summary == "the b");
  CHECK(*r.get("b") == 2);
  CHECK(r.get("c") == nullptr);
  CHECK_THROWS_WITH_AS(r.add("a", {"again", {}}, 3), "widget 'a' is registered twice", Error);

  ConfigDocument doc = test::yaml_document("type: bb\n");
  Options root = doc.root();
  CHECK(r.find(root, "type", "bb") == nullptr);
  CHECK(doc.diagnostics()->report().find(":1:7: error: type: unknown widget 'bb' (known types: a, b) "
                                         "(hint: did you mean 'b'?)") != std::string::npos);
}
