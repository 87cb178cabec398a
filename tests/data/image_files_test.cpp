// Image folders and manifests listed, and the stream: each example's augmentation a function of
// (seed, epoch, its id) alone, whatever batch or shard it is read in.
#include <filesystem>

#include <ATen/ops/arange.h>
#include <ATen/ops/tensor.h>

#include "blox/core/errors.h"
#include "blox/data/image_files.h"
#include "blox/data/image_transforms.h"
#include "blox/data/loader.h"
#include "blox/data/open_dataset.h"
#include "support/helpers.h"
#include "support/files.h"
#include "support/temp_dir.h"

using namespace bx;
using namespace bx::test;
namespace fs = std::filesystem;

namespace {

const std::string kShipped = "datasets/fashion-mnist-images";

std::vector<std::shared_ptr<const Transform>> augmentation() {
  return {std::make_shared<RandomResizedCrop>(20, std::make_pair(0.3, 1.0), std::make_pair(0.75, 1.333)),
          std::make_shared<RandomHorizontalFlip>(0.5), std::make_shared<ColorJitter>(0.4, 0.4, 0.4)};
}

}  // namespace

TEST_CASE("image_folder: classes are the sorted subfolders; files sorted within each; labels by folder") {
  const ImageFiles files = list_image_folder(source_path(kShipped + "/train"));
  REQUIRE(files.class_names.size() == 10);
  CHECK(files.class_names.front() == "0-t-shirt");
  CHECK(files.class_names.back() == "9-ankle-boot");
  REQUIRE(files.paths.size() == 600);
  CHECK(files.labels.front() == 0);
  CHECK(files.labels.back() == 9);
  for (size_t i = 0; i < files.paths.size(); ++i) {
    CAPTURE(files.paths[i]);
    CHECK(fs::path(files.paths[i]).parent_path().filename().string() == files.class_names[files.labels[i]]);
    if (i > 0 && files.labels[i] == files.labels[i - 1]) CHECK(files.paths[i - 1] < files.paths[i]);
  }
  CHECK(is_image_file_name("a.JPEG"));
  CHECK(is_image_file_name("b.png"));
  CHECK_FALSE(is_image_file_name("notes.txt"));
  CHECK_FALSE(is_image_file_name(".png"));
  // A model's classes: every folder must be one of them.
  CHECK_THROWS_WITH_AS(list_image_folder(source_path(kShipped + "/train"), {"0-t-shirt", "1-trouser"}),
                       doctest::Contains("class folder '2-pullover' is not one of the model's classes"), DataError);
  TempDir dir("folders");
  fs::create_directories(dir.path / "cats");
  dir.write("cats/readme.txt", "no images here");
  CHECK_THROWS_WITH_AS(list_image_folder(dir.path.string()), doctest::Contains("class folder 'cats' holds no .jpg"), DataError);
  CHECK_THROWS_WITH_AS(list_image_folder((dir.path / "cats").string()), doctest::Contains("no class subfolders"), DataError);
  CHECK_THROWS_WITH_AS(list_image_folder((dir.path / "dogs").string()), doctest::Contains("not a folder"), DataError);
}

TEST_CASE("image_list: a manifest of path,label (CSV or TSV), paths relative to it, labels names or indices") {
  TempDir dir("manifest");
  const ImageFiles shipped = list_image_folder(source_path(kShipped + "/train"));
  const std::string a = shipped.paths.back(), b = shipped.paths.front();
  dir.write("named.csv", "path,label\n" + a + ",dress\n" + b + ",\"t-shirt\"\n" + a + ",dress\n");
  const ImageFiles named = read_image_list((dir.path / "named.csv").string());
  CHECK(named.class_names == std::vector<std::string>{"dress", "t-shirt"});
  CHECK(named.labels == std::vector<int64_t>{0, 1, 0});
  fs::create_directories(dir.path / "sub");
  fs::copy_file(a, dir.path / "sub" / "x.png");
  dir.write("indices.tsv", "label\tpath\n4\tsub/x.png\n");
  const ImageFiles indices = read_image_list((dir.path / "indices.tsv").string());
  CHECK(indices.class_names.empty());
  CHECK(indices.labels == std::vector<int64_t>{4});
  CHECK(indices.paths == std::vector<std::string>{(dir.path / "sub" / "x.png").string()});
  // Index labels are checked against the class count when the dataset is opened.
  DataSource source{DataFormat::image_list, (dir.path / "indices.tsv").string(), "", 3};
  CHECK_THROWS_WITH_AS(open_dataset(source), doctest::Contains("indices.tsv: label 4 at index 0 is out of range [0, 3)"),
                       DataError);
  source.classes = 5;
  CHECK(open_dataset(source).targets[0].item<int64_t>() == 4);
  CHECK_THROWS_WITH_AS(read_image_list((dir.path / "named.csv").string(), {"dress"}),
                       doctest::Contains("named.csv:3: label 't-shirt' is not one of the classes (dress)"), DataError);
  dir.write("nolabel.csv", "file,class\nx.png,1\n");
  CHECK_THROWS_WITH_AS(read_image_list((dir.path / "nolabel.csv").string()),
                       doctest::Contains("nolabel.csv:1: the header has no 'path' column"), DataError);
}

TEST_CASE("image stream: an example's augmentation depends on (seed, epoch, its id), not on its batch or shard") {
  ImageFiles files = list_image_folder(source_path(kShipped + "/train"));
  const Dataset data = image_dataset(files, {3, 2}, "train");
  REQUIRE(data.stream);
  CHECK(data.size() == 600);
  const auto transforms = augmentation();
  const at::Tensor batch = data.stream->read(at::tensor({5, 17, 300}, at::kLong), 3, 11, transforms).inputs;
  REQUIRE(batch.sizes() == at::IntArrayRef({3, 3, 20, 20}));
  CHECK(batch.min().item<float>() >= 0.0f);
  CHECK(batch.max().item<float>() <= 1.0f);
  // Alone, or in another batch of a subset holding it: the same pixels.
  const at::Tensor alone = data.stream->read(at::tensor({17}, at::kLong), 3, 11, transforms).inputs;
  CHECK(at::equal(alone[0], batch[1]));
  const Dataset shard = data.subset(at::arange(10, 20, at::kLong), "shard");
  CHECK(at::equal(shard.stream->read(at::tensor({7}, at::kLong), 3, 11, transforms).inputs[0], batch[1]));
  CHECK(at::equal(shard.targets, data.targets.narrow(0, 10, 10)));
  // Another epoch or seed draws again.
  CHECK_FALSE(at::equal(data.stream->read(at::tensor({17}, at::kLong), 4, 11, transforms).inputs, alone));
  CHECK_FALSE(at::equal(data.stream->read(at::tensor({17}, at::kLong), 3, 12, transforms).inputs, alone));
  // Through a loader: batches are pure functions of their position, one rank of two sees the
  // pixels one rank of one does for the same example.
  LoaderSettings one;
  one.batch_size = 8;
  one.seed = 11;
  LoaderSettings two = one;
  two.world_size = 2;
  two.rank = 1;
  Loader whole(data, one, transforms), half(data, two, transforms);
  const Batch first = whole.batch_at({2, 0});
  CHECK(at::equal(first.inputs, whole.batch_at({2, 0}).inputs));
  const at::Tensor ids = half.epoch_order(2).narrow(0, 0, 8);
  const Batch shard_batch = half.batch_at({2, 0});
  for (int64_t i = 0; i < 8; ++i) {
    const at::Tensor same = data.stream->read(ids.narrow(0, i, 1), 2, 11, transforms).inputs;
    CHECK(at::equal(shard_batch.inputs[i], same[0]));
    CHECK(shard_batch.targets[i].item<int64_t>() == data.targets[ids[i].item<int64_t>()].item<int64_t>());
  }
}

TEST_CASE("image stream: images of different sizes in one batch are an error naming two of them, with the fix") {
  TempDir dir("sizes");
  const std::string train = source_path(kShipped + "/train");
  ImageFiles files = list_image_folder(train);
  fs::create_directories(dir.path / "a");
  // The shipped images are 28 x 28; tests/data/odd_size.png is 30 wide, 20 high.
  const Dataset data = image_dataset(files, {1, 0}, "train");
  const at::Tensor plain = data.stream->read(at::tensor({0, 1}, at::kLong), 0, 0, {}).inputs;
  CHECK(plain.sizes() == at::IntArrayRef({2, 1, 28, 28}));
  ImageFiles mixed;
  mixed.paths = std::vector<std::string>{files.paths[0], dir.write("a/odd.png", read_text(source_path("tests/data/odd_size.png")))};
  mixed.labels = {0, 0};
  const Dataset odd = image_dataset(mixed, {1, 0}, "mixed");
  CHECK_THROWS_WITH_AS(odd.stream->read(at::tensor({0, 1}, at::kLong), 0, 0, {}).inputs,
                       doctest::Contains("odd.png is 30x20 after the transforms: a batch needs one size; hint: add a "
                                         "resize and center_crop"),
                       DataError);
  // A file that is not an image, named.
  mixed.paths[1] = dir.write("a/bad.png", "not a png");
  const Dataset bad = image_dataset(mixed, {1, 1}, "bad");
  CHECK_THROWS_WITH_AS(bad.stream->read(at::tensor({0, 1}, at::kLong), 0, 0, {}).inputs,
                       doctest::Contains("bad.png: not a JPEG or PNG image"), DataError);
}

TEST_CASE("image stream: 4 channels keep alpha (255 where none); a batch still held is never filled again") {
  ImageFiles files = list_image_folder(source_path(kShipped + "/train"));
  const Dataset rgba = image_dataset(files, {4, 1}, "train");
  const at::Tensor four = rgba.stream->read(at::tensor({0, 1}, at::kLong), 0, 0, {}).inputs;
  REQUIRE(four.sizes() == at::IntArrayRef({2, 4, 28, 28}));
  CHECK(at::equal(four.select(1, 0), four.select(1, 2)));  // grey files: R = G = B
  CHECK(four.select(1, 3).min().item<float>() == 1.0f);     // opaque
  const Dataset grey = image_dataset(files, {1, 1}, "train");
  CHECK(at::equal(four.narrow(1, 0, 1), grey.stream->read(at::tensor({0, 1}, at::kLong), 0, 0, {}).inputs));

  // Batches in use (held, or a view of one held) keep their values while more are read; a
  // batch let go is filled again with the right values.
  const auto read = [&](std::vector<int64_t> ids) {
    return grey.stream->read(at::tensor(ids, at::kLong), 0, 0, {}).inputs;
  };
  const at::Tensor held = read({0, 1}), expected_held = held.clone();
  const at::Tensor view = read({2, 3}).narrow(0, 1, 1), expected_view = view.clone();
  const at::Tensor expected_next = read({4, 5}).clone();
  for (int round = 0; round < 6; ++round) CHECK(at::equal(read({4, 5}), expected_next));
  CHECK(at::equal(held, expected_held));
  CHECK(at::equal(view, expected_view));
}
