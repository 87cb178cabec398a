// A run's splits as load_run_data reads them: text held out as its contiguous tail.
#include <fmt/format.h>

#include "blox/config/model_builder.h"
#include "blox/data/text.h"
#include "blox/train/run_data.h"
#include "support/run_helpers.h"

using namespace bx;
using namespace bx::test;

TEST_CASE("text splits: the held-out part is the text's tail in non-overlapping windows; training windows overlap") {
  RunDir run;
  std::string text;
  for (int i = 0; i < 50; ++i) text += fmt::format("line {} of the corpus.\n", i);
  write(run.path / "corpus.txt", text);
  write(run.path / "lm.yaml",
        "data: {format: text, train: corpus.txt, sequence_length: 16, window_stride: 4, validation_fraction: 0.25}\n"
        "model: {layers: [{type: embedding, features: 8}, {type: linear, output_size: classes}]}\n");
  const PreparedRun prepared = prepare_run((run.path / "lm.yaml").string());
  const RunData data = load_run_data(prepared.run.data, 0);
  REQUIRE(data.vocabulary);
  REQUIRE(data.evaluation);
  const at::Tensor ids = data.vocabulary->encode(read_utf8_file((run.path / "corpus.txt").string()), "corpus");
  const int64_t n = ids.numel(), held = n / 4, kept = n - held;
  // The held-out windows tile the tail, one after the other.
  CHECK(data.evaluation->size() == (held - 1) / 16);
  CHECK(at::equal(data.evaluation->inputs.flatten(), ids.narrow(0, kept, data.evaluation->size() * 16)));
  // Training windows start every 4 characters and never reach into the tail.
  CHECK(data.train.size() == (kept - 1 - 16) / 4 + 1);
  CHECK(at::equal(data.train.inputs[1], ids.narrow(0, 4, 16)));
  CHECK(at::equal(data.train.targets[data.train.size() - 1], ids.narrow(0, (data.train.size() - 1) * 4 + 1, 16)));
  CHECK((data.train.size() - 1) * 4 + 16 + 1 <= kept);
  CHECK((data.train.size()) * 4 + 16 + 1 > kept);  // one more window would reach into the tail
}
