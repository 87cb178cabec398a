// The one place that turns a data file of a given format into examples.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "blox/data/csv.h"
#include "blox/data/dataset.h"
#include "blox/data/image_files.h"
#include "blox/data/text.h"

namespace bx {

enum class DataFormat { idx, csv, text, image_folder, image_list };

/// "idx", "csv", "text", "image_folder", "image_list", in that order.
const std::vector<std::string>& data_format_names();
/// Throws ConfigError for a name not in data_format_names().
DataFormat data_format(const std::string& name);
const std::string& data_format_name(DataFormat format);

/// A data file and what reading it needs.
struct DataSource {
  DataFormat format = DataFormat::idx;
  std::string path;
  std::string labels;             ///< idx: the labels file, "": unlabelled images (targets: their indices);
                                  ///< csv: a file of target columns, "": a label column in `path`
  int64_t classes = 0;            ///< idx / csv: the class count (0: unchecked / float targets)
  CsvSettings csv;                ///< csv only
  int64_t sequence_length = 64;   ///< text only
  const Vocabulary* vocabulary = nullptr;  ///< text only: the ids to encode with
  std::vector<std::string> class_names;    ///< images: the classes (a trained model's), or empty: fitted
  ImageReading images;                     ///< images: channels and decoding workers
};

/// True for the formats whose examples are image files, read per batch.
inline bool is_image_format(DataFormat format) {
  return format == DataFormat::image_folder || format == DataFormat::image_list;
}

/// The files and class names of an image_folder or image_list source (no pixels read).
ImageFiles list_image_files(const DataSource& source);

/// Reads `source` (text: in non-overlapping windows); throws DataError naming the file for bad data.
Dataset open_dataset(const DataSource& source);

/// One all-zero example shaped like `source`'s inputs, read cheaply (an IDX header only), for
/// the dummy pass. Text needs `source.vocabulary` only for the sequence length's dtype. Images:
/// the first file through `transforms` (the evaluation ones: their output size).
at::Tensor example_input(const DataSource& source, const std::vector<std::shared_ptr<const Transform>>& transforms = {});

}  // namespace bx
