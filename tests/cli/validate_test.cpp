// blox validate refuses exactly what blox train refuses, with the same words: after "OK" from
// validate, train starts.
#include "support/run_helpers.h"

using namespace bx::test;

TEST_CASE("blox validate refuses what train refuses: a split that makes no batch, a gzip cut short, a CSV value past float32") {
  RunDir run;
  // An IDX pair declaring 0 images: readable, but no batch.
  write(run.path / "images.idx", std::string("\x00\x00\x08\x03\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x1c", 16));
  write(run.path / "labels.idx", std::string("\x00\x00\x08\x01\x00\x00\x00\x00", 8));
  const std::string subset = source_path("datasets/fashion-mnist-subset/");
  const std::string empty = "data: {train: images.idx, train_labels: labels.idx, classes: 10, batch_size: 8}\n"
                            "model: {layers: [{type: flatten}, {type: linear, output_size: classes}]}\n";
  write(run.path / "empty.yaml", empty);
  const Result validated = blox(run.path, "validate empty.yaml");
  const Result trained = blox(run.path, "train empty.yaml --quiet");
  CHECK(validated.exit_code == 2);
  CHECK(trained.exit_code == 2);
  const std::string why = "images.idx: 0 examples per rank make no batch of 8";
  CHECK_MESSAGE(validated.output.find(why) != std::string::npos, validated.output);
  CHECK_MESSAGE(trained.output.find(why) != std::string::npos, trained.output);
  CHECK_FALSE(fs::exists(run.path / "runs"));  // a failed start leaves no folder behind

  // A gzip file without its trailer; a CSV value float32 cannot hold.
  const std::string gz = read(subset + "train-labels-idx1-ubyte.gz");
  write(run.path / "cut.gz", gz.substr(0, gz.size() - 8));
  write(run.path / "cut.yaml", "data: {train: " + subset + "train-images-idx3-ubyte.gz, train_labels: cut.gz, classes: 10}\n"
                               "model: {layers: [{type: flatten}, {type: linear, output_size: classes}]}\n");
  write(run.path / "big.csv", "a,b,y\n1,2,0\n3,1e300,1\n");
  write(run.path / "big.yaml", "data: {format: csv, train: big.csv, label: y, classes: 2, batch_size: 1}\n"
                               "model: {layers: [{type: linear, output_size: classes}]}\n");
  for (const auto& [config, expected] : {std::pair<std::string, std::string>{"cut.yaml", "cut.gz: damaged gzip data"},
                                         {"big.yaml", "big.csv:3: column 2 ('b') is not a number: '1e300'"}}) {
    const std::string name = config;  // CAPTURE takes a variable, not a binding (clang)
    CAPTURE(name);
    for (const std::string command : {"validate ", "train --quiet "}) {
      const Result r = blox(run.path, command + config);
      CHECK(r.exit_code == 2);
      CHECK_MESSAGE(r.output.find(expected) != std::string::npos, r.output);
    }
  }
}
