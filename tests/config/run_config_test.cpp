// read_run_config: the sections read through their declared settings, with the run's defaults.
#include "blox/config/run_config.h"

#include <doctest/doctest.h>

#include "support/files.h"
#include "schema/yaml_options.h"

using namespace bx;

namespace {
std::string data_section() {
  const std::string s = test::source_path("datasets/fashion-mnist-subset/");
  return "data:\n  train: " + s + "train-images-idx3-ubyte.gz\n  train_labels: " + s + "train-labels-idx1-ubyte.gz\n";
}
}  // namespace

TEST_CASE("read_run_config: every section, defaults filled in, types built from their registries") {
  ConfigDocument doc = test::yaml_document(data_section() +
                                           "  batch_size: 32\n"
                                           "train: {epochs: 2, max_steps: 100}\n"
                                           "optimizer: {type: adamw, learning_rate: 0.01}\n"
                                           "schedule: {type: cosine, warmup_steps: 10}\n"
                                           "loss: {label_smoothing: 0.1}\n"
                                           "checkpoint: {keep_best: accuracy}\n");
  Options root = doc.root();
  const RunConfig c = read_run_config(root, ".");
  root.finish();
  INFO(doc.diagnostics()->report());
  REQUIRE(doc.diagnostics()->empty());
  CHECK(c.data.format == DataFormat::idx);
  CHECK(c.data.loader.batch_size == 32);
  CHECK(c.train.epochs == 2);
  CHECK(c.train.log_every_steps == 50);  // default
  REQUIRE(c.optimizer);
  CHECK(c.optimizer->name() == "adamw");
  REQUIRE(c.schedule);
  // Warmup: 10 steps rising to the peak, then cosine over the rest of the run (max_steps 100).
  const auto schedule = c.schedule(c.train.max_steps);
  CHECK(schedule->lr(0) == doctest::Approx(0.001));
  CHECK(schedule->lr(9) == doctest::Approx(0.01));
  CHECK(schedule->lr(10 + 45) == doctest::Approx(0.005));  // halfway through the 90 steps after the warmup
  CHECK(schedule->lr(100) == doctest::Approx(0.0));
  // The run's length is the default: a run of 1000 steps decays over 990 after the warmup.
  CHECK(c.schedule(1000)->lr(10 + 495) == doctest::Approx(0.005));
  CHECK(c.loss.type == "cross_entropy");
  CHECK(c.loss.label_smoothing == 0.1);
  CHECK(c.checkpoint.keep_best == "accuracy");
  CHECK(c.checkpoint.keep_last == 3);
  // The resolved document shows the defaults it used.
  CHECK(doc.dump().find("eval_every_epochs: 1") != std::string::npos);
  CHECK(doc.dump().find("weight_decay: 0.01") != std::string::npos);  // adamw's own default
}

TEST_CASE("read_run_config: a watched metric must be one the run computes; an unknown type is one error") {
  ConfigDocument doc = test::yaml_document(data_section() + "train: {early_stopping_metric: top5_accuracy}\n"
                                                            "schedule: {type: cosinus, total_steps: 5}\n");
  Options root = doc.root();
  read_run_config(root, ".");
  root.finish();
  const std::string report = doc.diagnostics()->report();
  CHECK(report.find("train.early_stopping_metric: 'top5_accuracy' is not among the run's metrics") != std::string::npos);
  CHECK(report.find("schedule.type: unknown schedule 'cosinus'") != std::string::npos);
  CHECK(report.find("2 errors in config") != std::string::npos);
}

TEST_CASE("read_run_config: fp16 on the CPU is a located error") {
  ConfigDocument doc = test::yaml_document(data_section() + "device: cpu\ntrain: {precision: fp16}\n");
  Options root = doc.root();
  read_run_config(root, ".");
  root.finish();
  const std::string report = doc.diagnostics()->report();
  CHECK_MESSAGE(report.find("train.precision: fp16 needs a GPU") != std::string::npos, report);
  CHECK(report.find("use bf16 on the CPU") != std::string::npos);
}

TEST_CASE("read_run_config: which data files go together depends on the format, each refusal located") {
  const std::string s = test::source_path("datasets/fashion-mnist-subset/");
  const auto report_of = [](const std::string& yaml) {
    ConfigDocument doc = test::yaml_document(yaml);
    Options root = doc.root();
    read_run_config(root, ".");
    root.finish();
    return doc.diagnostics()->report();
  };
  const std::string images = "  train: " + s + "train-images-idx3-ubyte.gz\n";
  std::string report = report_of("data:\n" + images);
  CHECK_MESSAGE(report.find("data: missing required key 'train_labels'") != std::string::npos, report);
  report = report_of(data_section() + "  test: " + s + "t10k-images-idx3-ubyte.gz\n");
  CHECK_MESSAGE(report.find("data: missing required key 'test_labels'") != std::string::npos, report);
  const std::string text = test::source_path("datasets/licenses-corpus/corpus.txt");
  report = report_of("data:\n  format: text\n  train: " + text + "\n  train_labels: " + text + "\n");
  CHECK_MESSAGE(report.find("data.train_labels: format text has no labels files") != std::string::npos, report);
  report = report_of("data:\n  format: text\n  train: " + text + "\n  classes: 10\n");
  CHECK_MESSAGE(report.find("data.classes: format text takes its classes from the vocabulary") != std::string::npos, report);
  report = report_of("data:\n  format: text\n  train: " + text + "\n  sequence_length: 16\n  window_stride: 17\n");
  CHECK_MESSAGE(report.find("data.window_stride: 17 is past sequence_length 16") != std::string::npos, report);
  report = report_of(data_section() + "  window_stride: 4\n");
  CHECK_MESSAGE(report.find("data.window_stride: window_stride is for format text") != std::string::npos, report);
  const std::string folder = test::source_path("datasets/fashion-mnist-images/train");
  report = report_of("data:\n  format: image_folder\n  train: " + folder + "\n  channels: 2\n");
  CHECK_MESSAGE(report.find("data.channels: expected 1, 3 or 4, got 2") != std::string::npos, report);
  report = report_of("data:\n  format: image_folder\n  train: " + folder +
                     "\n  channels: 4\n  transforms: [{type: color_jitter, brightness: 0.2}]\n");
  CHECK_MESSAGE(report.find("color_jitter takes images of 1 or 3 channels (torchvision's rule), not data.channels 4") !=
                    std::string::npos,
                report);
  report = report_of(data_section() + "  validation_fraction: 1.5\nseed: -1\nthreads: -2\ndevice: gpu\n");
  CHECK_MESSAGE(report.find("data.validation_fraction: expected a value in [0, 1), got 1.5") != std::string::npos, report);
  CHECK(report.find("seed: expected an integer >= 0, got -1") != std::string::npos);
  CHECK(report.find("threads: expected an integer >= 0, got -2") != std::string::npos);
  CHECK(report.find("device: expected one of cpu, cuda, auto, got 'gpu'") != std::string::npos);
}

TEST_CASE("precision_problem: fp16 on the CPU only, the one statement of the rule") {
  CHECK(precision_problem(Precision::fp16, c10::kCPU));
  CHECK_FALSE(precision_problem(Precision::bf16, c10::kCPU));
  CHECK_FALSE(precision_problem(Precision::fp32, c10::kCPU));
  CHECK_FALSE(precision_problem(Precision::fp16, c10::Device(c10::kCUDA, 0)));
}
