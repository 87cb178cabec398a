#include "blox/config/schema_markdown.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "blox/core/errors.h"

using namespace bx;

namespace {
std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}
}  // namespace

TEST_CASE("schema markdown: rows come from the settings' field lists and the registries") {
  const std::string md = schema_markdown();
  // A section key: type, default, rule and help from TrainConfig::fields.
  CHECK(md.find("| `epochs` | integer | 1 | > 0 | passes over the training data |") != std::string::npos);
  CHECK(md.find("| `batch_size` | integer | 128 | > 0 | examples per step |") != std::string::npos);
  // A layer type with a required size, an optimizer whose default differs from its settings'
  // (adamw), a schedule, a loss.
  CHECK(md.find("| `linear` | y = x W + b | `output_size` required, > 0, or `classes`: output features<br>") !=
        std::string::npos);
  CHECK(md.find("`weight_decay` 0.01, >= 0") != std::string::npos);
  CHECK(md.find("| `cosine` |") != std::string::npos);
  CHECK(md.find("| `mse` |") != std::string::npos);
}

TEST_CASE("schema markdown: configs/README.md holds exactly the generated tables") {
  const std::string readme = read_text(std::string(BLOX_SOURCE_DIR) + "/configs/README.md");
  INFO("configs/README.md drifted from the settings: run `blox schema --update configs/README.md`");
  CHECK(readme == with_generated_schema(readme));
  CHECK_THROWS_AS(with_generated_schema("# no markers"), ConfigError);
}
