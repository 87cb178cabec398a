// IDX reader over gzip_file.h, which reads raw and gzip files alike.
#include "blox/data/idx.h"

#include <array>
#include <cstring>
#include <filesystem>
#include <memory>

#include <ATen/ops/empty.h>
#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/core/shape.h"
#include "blox/data/dataset.h"
#include "blox/data/gzip_file.h"

namespace bx {
namespace {

constexpr unsigned char kUnsignedByte = 0x08;
constexpr int kMaxDims = 8;
constexpr int64_t kMaxElements = int64_t{1} << 34;  // 16 GiB: far above any IDX file, below overflow
constexpr double kMaxDeflateRatio = 1032;           // deflate's largest expansion: bytes out per byte in

// Opens `path` and reads its header, leaving the file at the first data byte.
std::pair<GzFile, Shape> open_idx(const std::string& path) {
  GzFile file = open_gz(path);

  std::array<unsigned char, 4> magic{};
  if (read_gz_bytes(file.get(), magic.data(), 4, path) != 4) {
    throw DataError(fmt::format("{}: truncated: the file ends inside the 4-byte IDX magic number", path));
  }
  const int dims = magic[3];
  if (magic[0] != 0 || magic[1] != 0 || dims == 0 || dims > kMaxDims) {
    throw DataError(fmt::format("{}: bad magic number {:02x} {:02x} {:02x} {:02x}; expected 00 00 <type> <dims 1..{}>, "
                                "hint: is this an IDX file (MNIST format)?",
                                path, magic[0], magic[1], magic[2], magic[3], kMaxDims));
  }
  if (magic[2] != kUnsignedByte) {
    throw DataError(fmt::format("{}: IDX type code 0x{:02x} is not supported; expected 0x08 (unsigned byte)", path,
                                magic[2]));
  }
  Shape shape(static_cast<size_t>(dims));
  int64_t count = 1;
  for (int d = 0; d < dims; ++d) {
    std::array<unsigned char, 4> be{};
    if (read_gz_bytes(file.get(), be.data(), 4, path) != 4) {
      throw DataError(fmt::format("{}: truncated: the header declares {} dimensions but ends after {}", path, dims, d));
    }
    shape[d] = (int64_t{be[0]} << 24) | (int64_t{be[1]} << 16) | (int64_t{be[2]} << 8) | int64_t{be[3]};
    // Checked before multiplying: two 32-bit sizes overflow int64.
    if (shape[d] > 0 && count > kMaxElements / shape[d]) {
      throw DataError(fmt::format("{}: header declares an impossible size (over 2^34 elements)", path));
    }
    count *= std::max<int64_t>(shape[d], 1);
  }
  return {std::move(file), shape};
}

}  // namespace

std::vector<int64_t> read_idx_dims(const std::string& path) { return open_idx(path).second; }

at::Tensor read_idx(const std::string& path) {
  auto [file, shape] = open_idx(path);
  const int64_t expected = num_elements(shape);
  // A header may claim more than the file can hold: refuse before allocating for it.
  std::error_code ec;
  const auto file_size = static_cast<double>(std::filesystem::file_size(path, ec));
  const double most = gzdirect(file.get()) ? file_size : file_size * kMaxDeflateRatio;
  if (!ec && static_cast<double>(expected) > most) {
    throw DataError(fmt::format("{}: truncated: header shape {} needs {} bytes of data, more than this {}-byte file "
                                "can hold", path, format_shape(shape), expected, file_size));
  }
  at::Tensor out = at::empty(shape, at::kByte);
  const size_t got = read_gz_bytes(file.get(), out.data_ptr(), static_cast<size_t>(expected), path);
  if (got != static_cast<size_t>(expected)) {
    throw DataError(fmt::format("{}: truncated: header shape {} needs {} bytes of data, the file has {}", path,
                                format_shape(shape), expected, got));
  }
  unsigned char extra = 0;
  if (read_gz_bytes(file.get(), &extra, 1, path) != 0) {
    throw DataError(fmt::format("{}: extra bytes of data follow the {} that header shape {} declares", path, expected,
                                format_shape(shape)));
  }
  return out;
}

at::Tensor read_idx_images(const std::string& path) {
  at::Tensor images = read_idx(path);
  if (images.dim() != 3) {
    throw DataError(fmt::format("{}: expected images (N, H, W), got shape {}", path, format_shape(images.sizes())));
  }
  return images.unsqueeze(1);
}

Dataset read_idx_classification(const std::string& images_path, const std::string& labels_path, int64_t classes) {
  at::Tensor images = read_idx_images(images_path);
  at::Tensor labels = read_idx(labels_path);
  if (labels.dim() != 1) {
    throw DataError(fmt::format("{}: expected labels (N), got shape {}", labels_path, format_shape(labels.sizes())));
  }
  if (images.size(0) != labels.size(0)) {
    throw DataError(fmt::format("{} holds {} images but {} holds {} labels", images_path, images.size(0), labels_path,
                                labels.size(0)));
  }
  check_labels(labels, classes, labels_path);
  return make_dataset(images, labels.to(at::kLong), images_path);
}

}  // namespace bx
