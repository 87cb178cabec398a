// IDX files (the MNIST / Fashion-MNIST format), raw or gzip-compressed.
#pragma once

#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace bx {

/// Reads an IDX file of unsigned bytes (type code 0x08) into a uint8 tensor whose shape is
/// the file's dimensions, e.g. [60000, 28, 28] for images, [60000] for labels. Gzip files are
/// recognised by content, not by name. Throws DataError naming the file for a missing file,
/// a bad magic number, an unsupported type, or data shorter or longer than the header says.
at::Tensor read_idx(const std::string& path);

/// Only the dimensions from an IDX file's header (cheap: no data is read).
std::vector<int64_t> read_idx_dims(const std::string& path);

struct Dataset;

/// Images (N, H, W) from an IDX file as uint8 (N, 1, H, W). Throws DataError for another shape.
at::Tensor read_idx_images(const std::string& path);

/// An image classification set from an images file (N, H, W) and a labels file (N): inputs
/// uint8 (N, 1, H, W), targets int64 (N). Throws DataError for mismatched counts or a label
/// outside [0, classes).
Dataset read_idx_classification(const std::string& images_path, const std::string& labels_path, int64_t classes);

}  // namespace bx
