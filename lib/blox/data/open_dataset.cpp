#include "blox/data/open_dataset.h"

#include <ATen/ops/arange.h>
#include <ATen/ops/zeros.h>
#include <ATen/ops/zeros_like.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <thread>

#include <ATen/Parallel.h>

#include "blox/core/errors.h"
#include "blox/core/file_text.h"
#include "blox/core/rng.h"
#include "blox/data/idx.h"

namespace bx {

const std::vector<std::string>& data_format_names() {
  static const std::vector<std::string> kNames{"idx", "csv", "text", "image_folder", "image_list"};
  return kNames;
}

DataFormat data_format(const std::string& name) {
  const auto& names = data_format_names();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<DataFormat>(i);
  }
  throw ConfigError(fmt::format("unknown data format '{}' (known: {})", name, fmt::join(names, ", ")));
}

const std::string& data_format_name(DataFormat format) { return data_format_names().at(static_cast<size_t>(format)); }

ImageFiles list_image_files(const DataSource& s) {
  if (s.format == DataFormat::image_folder) return list_image_folder(s.path, s.class_names);
  if (s.format == DataFormat::image_list) return read_image_list(s.path, s.class_names);
  throw ConfigError(fmt::format("{}: format {} holds no image files", s.path, data_format_name(s.format)));
}

namespace {

ImageReading with_workers(ImageReading reading) {
  if (reading.workers == 0) {  // the cores the step's threads leave, at least one
    const int64_t cores = std::max<int64_t>(1, std::thread::hardware_concurrency());
    reading.workers = std::max<int64_t>(1, cores - at::get_num_threads());
  }
  return reading;
}

}  // namespace

Dataset open_dataset(const DataSource& s) {
  switch (s.format) {
    case DataFormat::image_folder:
    case DataFormat::image_list: {
      Dataset images = image_dataset(list_image_files(s), with_workers(s.images), s.path);
      if (s.classes > 0) check_labels(images.targets, s.classes, s.path);  // manifest indices
      return images;
    }
    case DataFormat::idx:
      if (s.labels.empty()) {
        const at::Tensor images = read_idx_images(s.path);
        return make_dataset(images, at::arange(images.size(0), at::kLong), s.path);
      }
      return read_idx_classification(s.path, s.labels, s.classes);
    case DataFormat::csv:
      return read_csv(s.path, s.csv, s.labels);
    case DataFormat::text:
      if (!s.vocabulary) throw ConfigError(fmt::format("{}: text data needs a vocabulary", s.path));
      return make_language_model_dataset(s.vocabulary->encode(read_utf8_file(s.path), s.path), s.sequence_length,
                                         s.sequence_length, s.path);
  }
  throw ConfigError("unknown data format");
}

at::Tensor example_input(const DataSource& s, const std::vector<std::shared_ptr<const Transform>>& transforms) {
  switch (s.format) {
    case DataFormat::image_folder:
    case DataFormat::image_list: {
      const ImageFiles files = list_image_files(s);
      std::string why;
      const std::optional<std::string> bytes = read_file_text(files.paths.front(), &why);
      if (!bytes) throw DataError(fmt::format("{}: cannot read: {}", files.paths.front(), why));
      at::Generator generator = make_generator(Key{0});
      return at::zeros_like(read_image_example(*bytes, files.paths.front(), s.images.channels, transforms, generator));
    }
    case DataFormat::idx: {
      const auto dims = read_idx_dims(s.path);
      if (dims.size() != 3) throw DataError(fmt::format("{}: expected images (N, H, W) in the IDX header", s.path));
      return at::zeros({1, 1, dims[1], dims[2]});
    }
    case DataFormat::csv:
      return at::zeros_like(read_csv(s.path, s.csv, s.labels).inputs.narrow(0, 0, 1));
    case DataFormat::text:
      return at::zeros({1, s.sequence_length}, at::kLong);
  }
  throw ConfigError("unknown data format");
}

}  // namespace bx
