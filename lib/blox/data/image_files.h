// Image datasets: a folder with one subfolder per class (torchvision's ImageFolder) or a
// manifest of `path,label` rows, streamed: each batch's files read and decoded by workers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "blox/data/dataset.h"
#include "blox/data/image_decode.h"
#include "blox/data/transforms.h"

namespace bx {

/// File names blox takes as images (case-insensitive): .jpg, .jpeg, .png.
bool is_image_file_name(const std::string& name);

/// An image dataset's files and their class indices.
struct ImageFiles {
  std::vector<std::string> paths;
  std::vector<int64_t> labels;
  std::vector<std::string> class_names;
};

/// `root`/<class>/... : the classes are the subfolders, sorted by name (as torchvision); each
/// class's image files are found recursively and sorted by path. With `class_names` given (a
/// trained model's), the subfolders must be those. Throws DataError naming the folder: no
/// subfolders, a class without images, a subfolder not among `class_names`.
ImageFiles list_image_folder(const std::string& root, const std::vector<std::string>& class_names = {});

/// A CSV (or TSV: a tab in the header) manifest with a header naming columns `path` and
/// `label`; paths relative to the manifest's folder; labels class names (mapped through
/// `class_names`, or fitted: the sorted distinct names) or integer indices. Throws DataError
/// with file:line.
ImageFiles read_image_list(const std::string& manifest, const std::vector<std::string>& class_names = {});

/// How files are read: the channels and the decoding workers.
struct ImageReading {
  int64_t channels = 3;
  int64_t workers = 0;  ///< threads decoding each batch's files; 0: the loader's thread alone
  bool skip_bad_files = false;  ///< leave out (and count) files that cannot be read or decoded
};

/// The files as a streamed dataset: targets the labels, inputs read per batch as float
/// (B, C, H, W) in [0, 1] (then the transforms). An image's first geometric transform decides
/// what is decoded: only its box, at a 1/2, 1/4 or 1/8 JPEG scale when that stays at least as
/// large as its output.
Dataset image_dataset(ImageFiles files, const ImageReading& reading, std::string source);

/// Images to predict on: an image file, a folder of images (found recursively, sorted by path;
/// labels all 0, unlabelled), or a folder of class folders / a manifest, read with the model's
/// `class_names` (labelled). The bool says whether the labels are real.
std::pair<ImageFiles, bool> list_images_to_predict(const std::string& path, const std::vector<std::string>& class_names);

/// An image's 8-bit pixels (H, W, C) after its leading transforms: a geometric one (only its box
/// decoded) and the flips after it; `transforms_done` says how many that was.
struct ImagePixels {
  at::Tensor pixels;
  size_t transforms_done = 0;
};
ImagePixels read_image_pixels(const std::string& bytes, const std::string& source, int64_t channels,
                              const std::vector<std::shared_ptr<const Transform>>& transforms, at::Generator& generator);

/// One image through `transforms` as the loader reads it (float (1, C, H, W)): the first
/// geometric transform's box decoded (at a reduced JPEG scale), then the rest.
at::Tensor read_image_example(const std::string& bytes, const std::string& source, int64_t channels,
                              const std::vector<std::shared_ptr<const Transform>>& transforms, at::Generator& generator);

}  // namespace bx
