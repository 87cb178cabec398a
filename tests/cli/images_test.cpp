// Image folders end to end: train, resume bitwise under random_resized_crop + flip + jitter, eval
// and predict naming classes and files, bad files named.
#include <filesystem>

#include "blox/io/checkpoint.h"
#include "support/helpers.h"
#include "support/image_reference.h"
#include "support/run_helpers.h"

using namespace bx;
using namespace bx::test;

namespace {

// A small CNN on the shipped image folder, augmented as torchvision's ImageNet recipe is.
std::string image_config(const std::string& extra = "") {
  const std::string root = source_path("datasets/fashion-mnist-images");
  return "seed: 3\n"
         "data:\n"
         "  format: image_folder\n"
         "  train: " + root + "/train\n"
         "  test: " + root + "/test\n"
         "  channels: 1\n"
         "  batch_size: 64\n"
         "  workers: 2\n"
         "  transforms:\n"
         "    - {type: random_resized_crop, size: 24, scale: [0.5, 1.0]}\n"
         "    - {type: random_horizontal_flip}\n"
         "    - {type: color_jitter, brightness: 0.3, contrast: 0.3}\n"
         "    - {type: normalize, mean: [0.286], std: [0.353]}\n"
         "model:\n"
         "  layers:\n"
         "    - {type: conv2d, name: conv, output_channels: 8, kernel_size: 3, padding: same}\n"
         "    - {type: relu}\n"
         "    - {type: max_pool2d, window: 2}\n"
         "    - {type: flatten}\n"
         "    - {type: linear, name: logits, output_size: classes}\n"
         "loss: {type: cross_entropy}\n"
         "metrics: [loss, accuracy]\n"
         "optimizer: {type: adam, learning_rate: 0.003}\n"
         "train: {epochs: 3}\n"
         "checkpoint: {dir: run}\n" + extra;
}

}  // namespace

TEST_CASE("images: a run stopped and resumed under random augmentation is bitwise the straight run") {
  RunDir straight, stopped;
  write(straight.path / "img.yaml", image_config());
  write(stopped.path / "img.yaml", image_config());
  const Result a = blox(straight.path, "train img.yaml --quiet");
  REQUIRE_MESSAGE(a.exit_code == 0, a.output);
  REQUIRE(blox(stopped.path, "train img.yaml --quiet --set train.max_steps=13").exit_code == 0);
  const Result resumed = blox(stopped.path, "train --quiet --resume run --set train.max_steps=0");
  REQUIRE_MESSAGE(resumed.exit_code == 0, resumed.output);
  const Checkpoint x = last_checkpoint(straight.path / "run"), y = last_checkpoint(stopped.path / "run");
  CHECK(x.step == 30);  // 3 epochs of ceil(600 / 64)
  CHECK(x.step == y.step);
  CHECK(bitwise_equal(x.params, y.params));
  CHECK(bitwise_equal(x.optimizer, y.optimizer));
  // The class names are the folders', in the resolved config the checkpoint keeps.
  const std::string config = read(straight.path / "run" / "config.yaml");
  CHECK(config.find("class_names: [0-t-shirt, 1-trouser, 2-pullover") != std::string::npos);
  CHECK(config.find("classes: 10") != std::string::npos);
  // A different worker count reads the same pixels: the resumed run may change it.
  RunDir one_worker;
  write(one_worker.path / "img.yaml", image_config());
  REQUIRE(blox(one_worker.path, "train img.yaml --quiet --set data.workers=1").exit_code == 0);
  CHECK(bitwise_equal(last_checkpoint(one_worker.path / "run").params, x.params));
}

TEST_CASE("images: eval and predict on the folder, a file, a folder of files; evaluation crops the centre") {
  RunDir run;
  write(run.path / "img.yaml", image_config());
  REQUIRE(blox(run.path, "train img.yaml --quiet --set train.epochs=1").exit_code == 0);
  const Result eval = blox(run.path, "eval run/last.safetensors --confusion");
  REQUIRE_MESSAGE(eval.exit_code == 0, eval.output);
  CHECK(eval.output.find("test") != std::string::npos);
  CHECK(eval.output.find("9-ankle-boot") != std::string::npos);
  // One image file: one row naming it; a folder of class folders: labelled rows.
  const std::string test = source_path("datasets/fashion-mnist-images/test");
  const std::string file = test + "/1-trouser/" + fs::directory_iterator(test + "/1-trouser")->path().filename().string();
  const Result one = blox(run.path, "predict run/last.safetensors --input '" + file + "'");
  REQUIRE_MESSAGE(one.exit_code == 0, one.output);
  CHECK(one.output.find("index,file,prediction,probability,class\n0," + file + ",") != std::string::npos);
  const Result labelled = blox(run.path, "predict run/last.safetensors --input '" + test + "' --format jsonl");
  REQUIRE_MESSAGE(labelled.exit_code == 0, labelled.output);
  CHECK(labelled.output.find("\"label\":\"0-t-shirt\"") != std::string::npos);
  fs::create_directories(run.path / "loose");
  fs::copy_file(file, run.path / "loose" / "a.png");
  const Result loose = blox(run.path, "predict run/last.safetensors --input loose");
  REQUIRE_MESSAGE(loose.exit_code == 0, loose.output);
  CHECK(loose.output.find("loose/a.png") != std::string::npos);
  CHECK(loose.output.find(",label") == std::string::npos);
}

TEST_CASE("images: a manifest labelled by indices needs data.classes, and its labels must be below it") {
  RunDir run;
  const std::string file = source_path("datasets/fashion-mnist-images/train/0-t-shirt/00001.jpg");
  write(run.path / "list.csv", "path,label\n" + file + ",0\n" + file + ",7\n");
  const std::string base = edited(edited(image_config(), "  format: image_folder\n", "  format: image_list\n"),
                                  "  train: " + source_path("datasets/fashion-mnist-images") + "/train\n",
                                  "  train: list.csv\n");
  write(run.path / "img.yaml", edited(base, "  test: " + source_path("datasets/fashion-mnist-images/test") + "\n", ""));
  const Result unset = blox(run.path, "validate img.yaml");
  CHECK(unset.exit_code == 2);
  CHECK_MESSAGE(unset.output.find("data.classes: the manifest's labels are class indices: set data.classes") !=
                    std::string::npos,
                unset.output);
  const Result small = blox(run.path, "validate img.yaml --set data.classes=5");
  CHECK(small.exit_code == 2);
  CHECK_MESSAGE(small.output.find("label 7 at index 1 is out of range [0, 5)") != std::string::npos, small.output);
  const Result fits = blox(run.path, "validate img.yaml --set data.classes=8 --set data.batch_size=2");
  CHECK_MESSAGE(fits.exit_code == 0, fits.output);
}

TEST_CASE("images: a bad file stops training with its name, exit 2, the last checkpoint intact") {
  RunDir run;
  const std::string root = source_path("datasets/fashion-mnist-images/train");
  fs::copy(root, run.path / "train", fs::copy_options::recursive);
  write(run.path / "img.yaml",
        edited(edited(image_config(), root, (run.path / "train").string()), "  test: " + source_path("datasets/fashion-mnist-images/test") + "\n", ""));
  REQUIRE(blox(run.path, "train img.yaml --quiet --set train.epochs=1").exit_code == 0);
  const std::string before = read(run.path / "run" / "last.safetensors");
  write(run.path / "train" / "4-coat" / "zz-broken.png", "\x89PNG\r\n\x1a\nnot really");
  const Result broken = blox(run.path, "train --quiet --resume run --set train.epochs=2");
  CHECK(broken.exit_code == 2);  // bad data, as every data error
  CHECK_MESSAGE(broken.output.find("zz-broken.png: PNG:") != std::string::npos, broken.output);
  CHECK(read(run.path / "run" / "last.safetensors") == before);
  // validate reads every header and names every bad file at once.
  write(run.path / "train" / "7-sneaker" / "zz-text.jpg", "plain text");
  const Result checked = blox(run.path, "validate img.yaml");
  CHECK(checked.exit_code == 2);
  CHECK_MESSAGE(checked.output.find("2 bad image files:") != std::string::npos, checked.output);
  CHECK(checked.output.find("zz-broken.png: PNG:") != std::string::npos);
  CHECK(checked.output.find("zz-text.jpg: not a JPEG or PNG image") != std::string::npos);
  CHECK(checked.output.find("data.skip_bad_files: true") != std::string::npos);
  // data.skip_bad_files: validate says what will be left out; training leaves them out, saying so.
  const Result noted = blox(run.path, "validate img.yaml --set data.skip_bad_files=true");
  CHECK_MESSAGE(noted.exit_code == 0, noted.output);
  CHECK(noted.output.find("note: 2 bad image files will be left out") != std::string::npos);
  const Result skipped = blox(run.path, "train img.yaml --quiet --set data.skip_bad_files=true --set checkpoint.dir=skip");
  CHECK_MESSAGE(skipped.exit_code == 0, skipped.output);
  CHECK(skipped.output.find("note: 2 bad file reads left out this epoch (data.skip_bad_files); first:") !=
        std::string::npos);
}

TEST_CASE("images: streamed from disk, peak memory does not grow with the folder (twice the files: within 6 MiB)") {
#ifdef BLOX_UNDER_ASAN
  return skip_inapplicable("under AddressSanitizer peak RSS counts its quarantine of freed blocks (up to 256 MiB); the "
                           "Debian and PyPI flavours measure it");
#endif
  if (!image_reference_available()) return;
  // Folders of 300 and 600 links to one 500 x 375 JPEG: held in memory, the larger folder would
  // add at least its file bytes (300 x its size) and, decoded, 300 x 562 kB.
  const fs::path photo = image_fixtures().path / "big.jpg";
  const auto peak = [&](int files) {
    RunDir dir;
    for (int i = 0; i < files; ++i) {
      const fs::path cls = dir.path / "images" / (i % 2 ? "b" : "a");
      fs::create_directories(cls);
      fs::create_symlink(photo, cls / fmt::format("{:04d}.jpg", i));
    }
    write(dir.path / "img.yaml",
          "seed: 1\nthreads: 1\n"
          "data:\n  format: image_folder\n  train: images\n  channels: 3\n  batch_size: 16\n  workers: 1\n"
          "  transforms: [{type: random_resized_crop, size: 32}, {type: normalize, preset: imagenet}]\n"
          "model:\n  layers:\n"
          "    - {type: conv2d, name: conv, output_channels: 4, kernel_size: 3, padding: same}\n"
          "    - {type: max_pool2d, window: 4}\n    - {type: flatten}\n"
          "    - {type: linear, name: logits, output_size: classes}\n"
          "loss: {type: cross_entropy}\noptimizer: {type: adam, learning_rate: 0.003}\n"
          "train: {epochs: 1}\ncheckpoint: {dir: run}\n");
    const Finished run = finish(spawn_train(dir.path, "img.yaml"));
    REQUIRE_MESSAGE(run.exit_code == 0, read(dir.path / "output.txt"));
    REQUIRE(last_checkpoint(dir.path / "run").step == (files + 15) / 16);  // every file was read
    return run.peak_rss_kib;
  };
  const long small = peak(300), large = peak(600);
  CAPTURE(small);
  CAPTURE(large);
  CHECK(large - small < 6 * 1024);
  CHECK(fs::file_size(photo) * 300 > 6 * 1024 * 1024);  // a cache of the files would show
}
