// The param summaries' memory estimate: a warning once training would take over half the memory.
#include "blox/io/param_table.h"
#include "support/helpers.h"

using namespace bx;

TEST_CASE("training_memory_warning: params, and per trainable param a gradient and two moments, against half the memory") {
  Params params;
  params = params.with("model/fc/kernel", Param{at::zeros({1000}), true, {}});   // 4,000 bytes, trainable
  params = params.with("model/bn/mean", Param{at::zeros({1000}), false, {}});    // 4,000 bytes
  // 8,000 + 3 x 4,000 = 20,000 bytes.
  CHECK(training_memory_warning(params, 40000).empty());
  const std::string warning = training_memory_warning(params, 30000);
  CHECK_MESSAGE(warning.find("needs about 2e-05 GB (params 8e-06 GB") != std::string::npos, warning);
  CHECK(warning.find("67 % of this machine's 3e-05 GB") != std::string::npos);
  CHECK(training_memory_warning(params.freeze("model/fc/kernel"), 16001).empty());  // frozen: 8,000 bytes
}
