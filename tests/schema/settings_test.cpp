// The three things derived from one field list: reading, checking, documenting.
#include "blox/schema/settings.h"

#include <doctest/doctest.h>

#include "blox/core/errors.h"
#include "schema/yaml_options.h"

using namespace bx;

namespace {

struct Example {
  int64_t size = 0;
  double rate = 0.5;
  bool flag = true;
  std::string mode = "a";
  std::vector<int64_t> dims{1, 2};
  Init init = init::zeros();

  template <class Visit>
  void fields(Visit& visit) {
    visit("size", size, Rule::size(), "how many");
    visit("rate", rate, Rule::fraction(), "how often");
    visit("flag", flag, Rule(), "whether");
    visit("mode", mode, Rule::one_of({"a", "b"}), "which");
    visit("dims", dims, Rule::positive(), "per axis");
    visit("init", init, Rule(), "start value");
  }
};

}  // namespace

TEST_CASE("read_settings: values over defaults, 'classes' sizes, defaults written back") {
  ConfigDocument doc = test::yaml_document("size: classes\nrate: 0.25\ndims: [3, 4, 5]\ninit: ones\n");
  Options root = doc.root();
  const auto s = read_settings(root, Example{}, /*classes=*/10);
  REQUIRE(s);
  CHECK(s->size == 10);
  CHECK(s->rate == 0.25);
  CHECK(s->flag);
  CHECK(s->mode == "a");
  CHECK(s->dims == std::vector<int64_t>{3, 4, 5});
  CHECK(s->init.name() == "ones");
  root.finish();
  CHECK(doc.diagnostics()->empty());
  // --print-config shows the defaults of keys not written.
  CHECK(doc.dump().find("mode: a") != std::string::npos);
  CHECK(doc.dump().find("flag: true") != std::string::npos);
}

TEST_CASE("read_settings: every broken field is a located diagnostic, and no settings come back") {
  ConfigDocument doc = test::yaml_document("rate: 1.5\nmode: c\ndims: [2, 0]\n");
  Options root = doc.root();
  CHECK_FALSE(read_settings(root, Example{}, 10));
  const std::string report = doc.diagnostics()->report();
  CHECK(report.find(":1:1: error: size: missing required key 'size'") == std::string::npos);  // the mapping's own place
  CHECK(report.find("error: missing required key 'size'") != std::string::npos);
  CHECK(report.find(":1:7: error: rate: expected a value in [0, 1), got 1.5") != std::string::npos);
  CHECK(report.find(":2:7: error: mode: expected one of a, b, got 'c'") != std::string::npos);
  CHECK(report.find(":3:7: error: dims: expected an integer > 0, got 0") != std::string::npos);
  CHECK(report.find("4 errors in config") != std::string::npos);
}

TEST_CASE("read_settings: a missing required key is reported once, however many readers ask for it") {
  ConfigDocument doc = test::yaml_document("rate: 0.25\n");
  Options root = doc.root();
  CHECK_FALSE(read_settings(root, Example{}, 10));
  CHECK_FALSE(read_settings(root, Example{}, 10));  // each reader still learns the section is broken
  root.required_integer("size");
  const std::string report = doc.diagnostics()->report();
  CHECK(report.find("missing required key 'size'\n1 error in config") != std::string::npos);
  CHECK(report.find("missing required key 'size'") == report.rfind("missing required key 'size'"));
}

TEST_CASE("check_settings: the first field out of its rule throws SettingError naming it") {
  Example ok;
  ok.size = 3;
  CHECK_NOTHROW(check_settings(ok, "Example 'x'"));
  Example bad = ok;
  bad.rate = -0.1;
  try {
    check_settings(bad, "Example 'x'");
    FAIL("expected a SettingError");
  } catch (const SettingError& e) {
    CHECK(e.field() == "rate");
    CHECK(std::string(e.what()) == "Example 'x': rate: expected a value in [0, 1), got -0.1");
  }
  bad = ok;
  bad.mode = "z";
  CHECK_THROWS_WITH_AS(check_settings(bad, "E"), "E: mode: expected one of a, b, got 'z'", SettingError);
}

TEST_CASE("settings_doc: one row per field with type, default, rule and help") {
  const auto rows = settings_doc(Example{});
  REQUIRE(rows.size() == 6);
  CHECK(rows[0].key == "size");
  CHECK(rows[0].fallback == "");  // required: no default shown
  CHECK(rows[0].rule == "required, > 0, or `classes`");
  CHECK(rows[1].type == "number");
  CHECK(rows[1].fallback == "0.5");
  CHECK(rows[1].rule == "in [0, 1)");
  CHECK(rows[1].help == "how often");
  CHECK(rows[2].fallback == "true");
  CHECK(rows[3].rule == "one of a, b");
  CHECK(rows[4].fallback == "[1, 2]");
  CHECK(rows[5].type == "initializer");
  CHECK(rows[5].fallback == "zeros");
}
