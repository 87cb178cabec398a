// IDX reader: the shipped Fashion-MNIST subset, and each corruption's own error.
#include <cstdio>
#include <fstream>

#include "support/files.h"
#include "support/helpers.h"

using namespace bx;

namespace {
const std::string kSubset = std::string(BLOX_SOURCE_DIR) + "/datasets/fashion-mnist-subset/";

std::string write_file(const std::string& name, const std::vector<unsigned char>& bytes) {
  const std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/blox_idx_" + name;
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return path;
}
}  // namespace

TEST_CASE("read_idx: the shipped training subset has the documented shapes and values") {
  const at::Tensor images = read_idx(kSubset + "train-images-idx3-ubyte.gz");
  const at::Tensor labels = read_idx(kSubset + "train-labels-idx1-ubyte.gz");
  CHECK(images.sizes() == c10::IntArrayRef{1000, 28, 28});
  CHECK((images.scalar_type() == at::kByte));
  CHECK(labels.sizes() == c10::IntArrayRef{1000});
  CHECK(at::equal(labels.slice(0, 0, 10), at::tensor({9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, at::kByte)));
  CHECK(labels.max().item<int>() == 9);
  CHECK(images.max().item<int>() == 255);
  // The first image (an ankle boot) is dark in its top-left corner and bright in its middle.
  CHECK(images[0][0][0].item<int>() == 0);
  CHECK(images[0].sum().item<int64_t>() > 50000);
}

TEST_CASE("read_idx: the shipped test subset") {
  const at::Tensor labels = read_idx(kSubset + "t10k-labels-idx1-ubyte.gz");
  CHECK(labels.sizes() == c10::IntArrayRef{500});
  CHECK(at::equal(labels.slice(0, 0, 10), at::tensor({9, 2, 1, 1, 6, 1, 4, 6, 5, 7}, at::kByte)));
}

TEST_CASE("read_idx: a raw (uncompressed) file reads the same") {
  const std::string path = write_file("raw", {0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6});
  CHECK(at::equal(read_idx(path), at::tensor({1, 2, 3, 4, 5, 6}, at::kByte).reshape({2, 3})));
  std::remove(path.c_str());
}

TEST_CASE("read_idx: each corruption has its own error naming the file") {
  const std::string missing = "/nonexistent/labels.idx";
  CHECK_THROWS_WITH_AS(read_idx(missing), doctest::Contains("/nonexistent/labels.idx: cannot open"), DataError);
  const std::string magic = write_file("magic", {'P', 'K', 3, 4, 0, 0});
  CHECK_THROWS_WITH_AS(read_idx(magic), doctest::Contains("bad magic number 50 4b 03 04"), DataError);
  const std::string type = write_file("type", {0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0});
  CHECK_THROWS_WITH_AS(read_idx(type), doctest::Contains("type code 0x0d is not supported"), DataError);
  const std::string header = write_file("header", {0, 0, 8, 3, 0, 0, 0, 2});
  CHECK_THROWS_WITH_AS(read_idx(header), doctest::Contains("declares 3 dimensions but ends after 1"), DataError);
  const std::string data = write_file("data", {0, 0, 8, 1, 0, 0, 0, 5, 1, 2});
  CHECK_THROWS_WITH_AS(read_idx(data), doctest::Contains("header shape [5] needs 5 bytes of data, the file has 2"),
                       DataError);
  const std::string extra = write_file("extra", {0, 0, 8, 1, 0, 0, 0, 1, 7, 7});
  CHECK_THROWS_WITH_AS(read_idx(extra), doctest::Contains("extra bytes of data follow"), DataError);
  CHECK_THROWS_WITH_AS(read_idx(write_file("empty", {})), doctest::Contains("truncated"), DataError);
  // 65536 x 65536 bytes claimed by a 12-byte file: refused before allocating 4 GiB.
  const std::string overflow = write_file("overflow", {0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  CHECK_THROWS_WITH_AS(read_idx(overflow), doctest::Contains("impossible size"), DataError);  // a fuzzer finding
  std::remove(overflow.c_str());
  const std::string huge = write_file("huge", {0, 0, 8, 2, 0, 1, 0, 0, 0, 1, 0, 0});
  CHECK_THROWS_WITH_AS(read_idx(huge), doctest::Contains("needs 4294967296 bytes of data, more than this 12-byte file can hold"),
                       DataError);
  for (const auto& p : {magic, type, header, data, extra, huge}) std::remove(p.c_str());
}

TEST_CASE("read_idx: a gzip file cut short (its 8-byte trailer missing) or with a wrong check is refused") {
  std::ifstream in(test::source_path("datasets/fashion-mnist-subset/t10k-labels-idx1-ubyte.gz"), std::ios::binary);
  const std::string gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const test::TempFile cut("cut.gz", gz.substr(0, gz.size() - 8));
  CHECK_THROWS_WITH_AS(read_idx(cut.path()), doctest::Contains("cut.gz: damaged gzip data: unexpected end of file"),
                       DataError);
  std::string flipped = gz;
  flipped[flipped.size() - 6] = static_cast<char>(flipped[flipped.size() - 6] ^ 1);  // a bit of the stored CRC
  const test::TempFile check("check.gz", flipped);
  CHECK_THROWS_WITH_AS(read_idx(check.path()), doctest::Contains("check.gz: damaged gzip data: incorrect data check"),
                       DataError);
}
