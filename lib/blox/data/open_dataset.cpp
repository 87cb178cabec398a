#include "blox/data/open_dataset.h"

#include <ATen/ops/arange.h>
#include <ATen/ops/zeros.h>
#include <ATen/ops/zeros_like.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "blox/core/errors.h"
#include "blox/data/idx.h"

namespace bx {

const std::vector<std::string>& data_format_names() {
  static const std::vector<std::string> kNames{"idx", "csv", "text"};
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

TensorDataset open_dataset(const DataSource& s) {
  switch (s.format) {
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
      return make_language_model_dataset(s.vocabulary->encode(read_utf8_file(s.path), s.path), s.sequence_length, s.path);
  }
  throw ConfigError("unknown data format");
}

at::Tensor example_input(const DataSource& s) {
  switch (s.format) {
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
