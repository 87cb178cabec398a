// Image folders and manifests, and the stream that reads their files a batch at a time.
#include "blox/data/image_files.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <mutex>
#include <system_error>

#include <ATen/ops/arange.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "blox/core/errors.h"
#include "blox/core/file_text.h"
#include "blox/core/rng.h"
#include "blox/core/utf8.h"
#include "blox/data/csv.h"
#include "blox/data/image_pixels.h"
#include "blox/data/image_transforms.h"
#include "blox/data/worker_pool.h"
#include "blox/core/tensor_ownership.h"

namespace fs = std::filesystem;

namespace bx {
namespace {

// The augmentation stream of image examples, beside the loader's shuffling and batch streams.
constexpr uint64_t kImageStream = 0x1a9e;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> sorted_images_under(const fs::path& folder) {
  std::vector<std::string> found;
  std::error_code error;
  fs::recursive_directory_iterator it(folder, fs::directory_options::follow_directory_symlink, error), end;
  if (error) throw DataError(fmt::format("{}: cannot list: {}", folder.string(), error.message()));
  for (; it != end; it.increment(error)) {
    if (error) throw DataError(fmt::format("{}: cannot list: {}", folder.string(), error.message()));
    if (it->is_regular_file(error) && is_image_file_name(it->path().filename().string())) {
      found.push_back(it->path().string());
      // Names go into predictions (JSON) and messages: UTF-8 only.
      if (invalid_utf8_at(found.back())) {
        throw DataError(fmt::format("{}: a file name here is not valid UTF-8; rename it", it->path().parent_path().string()));
      }
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

ImageFiles with_labels_checked(ImageFiles files, const std::string& where) {
  if (files.paths.empty()) throw DataError(fmt::format("{}: no images", where));
  return files;
}

// Float batches, each used again once nothing else holds it: a fresh allocation per batch
// (38 MB at 64 x 3 x 224 x 224) costs page faults and the kernel's zeroing, a tenth of the
// loader's time. A batch held anywhere (the queue, a step, a view) is never handed out again.
class BatchBuffers {
 public:
  at::Tensor get(at::IntArrayRef sizes) {
    std::lock_guard<std::mutex> lock(mutex_);
    at::Tensor* idle = nullptr;
    for (at::Tensor& t : kept_) {
      if (!sole_handle(t)) continue;
      if (t.sizes() == sizes) return t;
      idle = &t;
    }
    at::Tensor fresh = at::empty(sizes, at::kFloat);
    if (kept_.size() < kKept) {
      kept_.push_back(fresh);
    } else if (idle) {
      *idle = fresh;
    }
    return fresh;
  }

 private:
  static constexpr size_t kKept = 4;  // the prefetch queue, the batch in use, the one being made
  std::mutex mutex_;
  std::vector<at::Tensor> kept_;
};

// The examples a stream holds: shared by its subsets (splits, shards), with one decoding pool,
// the batches it fills and the record of files skipped.
struct ImageSet {
  std::vector<std::string> paths;
  ImageReading reading;
  mutable WorkerPool pool;
  mutable BatchBuffers batches;
  mutable std::mutex skipped_mutex;
  mutable std::vector<std::string> skipped;
  ImageSet(std::vector<std::string> p, ImageReading r) : paths(std::move(p)), reading(r), pool(r.workers) {}
};

std::string read_image_bytes(const std::string& path) {
  std::string why;
  std::optional<std::string> bytes = read_file_text(path, &why);
  if (!bytes) throw DataError(fmt::format("{}: cannot read: {}", path, why));
  return std::move(*bytes);
}

class ImageStream final : public ExampleStream {
 public:
  ImageStream(std::shared_ptr<const ImageSet> set, at::Tensor ids) : set_(std::move(set)), ids_(std::move(ids)) {}

  int64_t size() const override { return ids_.numel(); }

  StreamRead read(const at::Tensor& indices, int64_t epoch, uint64_t seed,
                  const std::vector<std::shared_ptr<const Transform>>& transforms) const override {
    const at::Tensor chosen = ids_.index_select(0, indices).contiguous();
    const int64_t* id = chosen.data_ptr<int64_t>();
    const size_t n = static_cast<size_t>(chosen.numel());
    std::vector<at::Tensor> images(n);
    std::vector<std::string> bad(n);
    const Key epoch_key = fold_in(fold_in(Key{seed}, kImageStream), static_cast<uint64_t>(epoch));
    const bool skip = set_->reading.skip_bad_files;
    // Each example through the transforms up to the last random one (its own draws); the
    // deterministic rest (normalize) once over the batch: the same values, fewer operations.
    size_t own = transforms.size();
    while (own > 0 && !transforms[own - 1]->random() && !dynamic_cast<const ImageGeometry*>(transforms[own - 1].get())) {
      --own;
    }
    const std::vector<std::shared_ptr<const Transform>> per_example(transforms.begin(), transforms.begin() + own);
    // The common recipe (a geometric transform, flips, then normalize): 8-bit pixels per example,
    // then one pass to the normalized float batch.
    const Normalize* last_normalize =
        own + 1 == transforms.size() ? dynamic_cast<const Normalize*>(transforms[own].get()) : nullptr;
    const bool eight_bit = (own == transforms.size() || last_normalize) && [&] {
      for (size_t t = 0; t < own; ++t) {
        if (!dynamic_cast<const RandomHorizontalFlip*>(transforms[t].get()) &&
            !(t == 0 && dynamic_cast<const ImageGeometry*>(transforms[t].get()))) {
          return false;
        }
      }
      return true;
    }();
    set_->pool.run(chosen.numel(), [&](int64_t i) {
      const std::string& path = set_->paths[static_cast<size_t>(id[i])];
      try {
        at::Generator generator = make_generator(fold_in(epoch_key, static_cast<uint64_t>(id[i])));
        const std::string bytes = read_image_bytes(path);
        images[static_cast<size_t>(i)] =
            eight_bit ? read_image_pixels(bytes, path, set_->reading.channels, per_example, generator).pixels
                      : read_image_example(bytes, path, set_->reading.channels, per_example, generator);
      } catch (const DataError& e) {
        if (!skip) throw;
        bad[static_cast<size_t>(i)] = e.what();
      }
    });
    std::vector<at::Tensor> good;
    std::vector<int64_t> kept;
    for (size_t i = 0; i < n; ++i) {
      if (!bad[i].empty()) {
        std::lock_guard<std::mutex> lock(set_->skipped_mutex);
        set_->skipped.push_back(bad[i]);
        continue;
      }
      if (!good.empty() && images[i].sizes() != good[0].sizes()) {
        const int64_t w = eight_bit ? 1 : 3, h = eight_bit ? 0 : 2;  // (H, W, C) pixels or (1, C, H, W)
        throw DataError(fmt::format(
            "{} is {}x{} and {} is {}x{} after the transforms: a batch needs one size; hint: add a resize and "
            "center_crop, or random_resized_crop, to data.transforms",
            set_->paths[static_cast<size_t>(id[kept[0]])], good[0].size(w), good[0].size(h),
            set_->paths[static_cast<size_t>(id[i])], images[i].size(w), images[i].size(h)));
      }
      good.push_back(images[i]);
      kept.push_back(static_cast<int64_t>(i));
    }
    if (good.empty()) {
      throw DataError(fmt::format("every file of a batch is bad ({} of them; first: {}); data.skip_bad_files skips "
                                  "some, not all",
                                  n, bad[0]));
    }
    at::Tensor inputs;
    if (eight_bit) {  // each example's normalized planes written into its slot by the workers
      const int64_t h = good[0].size(0), w = good[0].size(1), c = good[0].size(2);
      const PixelScale scale = last_normalize ? PixelScale(c, last_normalize->mean(), last_normalize->std())
                                              : PixelScale(c, {}, {});
      inputs = set_->batches.get({static_cast<int64_t>(good.size()), c, h, w});
      float* out = inputs.data_ptr<float>();
      set_->pool.run(static_cast<int64_t>(good.size()),
                     [&](int64_t i) { scale.to_planes(good[static_cast<size_t>(i)], out + i * c * h * w); });
    } else {
      inputs = at::cat(good);
      at::Generator unused = make_generator(epoch_key);
      for (size_t t = own; t < transforms.size(); ++t) inputs = transforms[t]->apply(inputs, unused);
    }
    if (kept.size() == n) return {inputs, at::Tensor()};
    return {inputs, at::from_blob(kept.data(), {static_cast<int64_t>(kept.size())}, at::kLong).clone()};
  }

  std::vector<std::string> problems() const override {
    const at::Tensor ids = ids_.contiguous();
    const int64_t* id = ids.data_ptr<int64_t>();
    std::vector<std::string> found(static_cast<size_t>(ids.numel()));
    set_->pool.run(ids.numel(), [&](int64_t i) {
      const std::string& path = set_->paths[static_cast<size_t>(id[i])];
      try {
        read_image_header(read_image_bytes(path), path);
      } catch (const DataError& e) {
        found[static_cast<size_t>(i)] = e.what();
      }
    });
    found.erase(std::remove(found.begin(), found.end(), std::string()), found.end());
    return found;
  }

  std::vector<std::string> take_skipped() const override {
    std::lock_guard<std::mutex> lock(set_->skipped_mutex);
    std::vector<std::string> out;
    out.swap(set_->skipped);
    return out;
  }

  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    const at::Tensor ids = ids_.contiguous();
    for (int64_t i = 0; i < ids.numel(); ++i) out.push_back(set_->paths[static_cast<size_t>(ids.data_ptr<int64_t>()[i])]);
    return out;
  }

  std::shared_ptr<const ExampleStream> subset(const at::Tensor& indices) const override {
    return std::make_shared<ImageStream>(set_, ids_.index_select(0, indices));
  }

 private:
  std::shared_ptr<const ImageSet> set_;
  at::Tensor ids_;  // int64: each example's index in set_->paths
};

at::Tensor to_float_images(const at::Tensor& pixels) {  // uint8 (H, W, C) -> float (1, C, H, W) in [0, 255]
  return pixels.permute({2, 0, 1}).unsqueeze(0).to(at::kFloat);
}

}  // namespace

bool is_image_file_name(const std::string& name) {
  const std::string n = lower(name);
  for (const char* ext : {".jpg", ".jpeg", ".png"}) {
    const size_t len = std::char_traits<char>::length(ext);
    if (n.size() > len && n.compare(n.size() - len, len, ext) == 0) return true;
  }
  return false;
}

ImageFiles list_image_folder(const std::string& root, const std::vector<std::string>& class_names) {
  std::error_code error;
  if (!fs::is_directory(root, error)) throw DataError(fmt::format("{}: not a folder (image_folder: one subfolder per class)", root));
  std::vector<std::string> classes;
  for (fs::directory_iterator it(root, error), end; !error && it != end; it.increment(error)) {
    if (it->is_directory(error)) classes.push_back(it->path().filename().string());
  }
  if (error) throw DataError(fmt::format("{}: cannot list: {}", root, error.message()));
  std::sort(classes.begin(), classes.end());
  if (classes.empty()) throw DataError(fmt::format("{}: no class subfolders (image_folder: <root>/<class>/<image>)", root));
  if (!class_names.empty()) {
    for (const auto& c : classes) {
      if (std::find(class_names.begin(), class_names.end(), c) == class_names.end()) {
        throw DataError(fmt::format("{}: class folder '{}' is not one of the model's classes ({})", root, c,
                                    fmt::join(class_names, ", ")));
      }
    }
  }
  ImageFiles files;
  files.class_names = class_names.empty() ? classes : class_names;
  for (const auto& c : classes) {
    const std::vector<std::string> found = sorted_images_under(fs::path(root) / c);
    if (found.empty()) throw DataError(fmt::format("{}: class folder '{}' holds no .jpg, .jpeg or .png files", root, c));
    const int64_t label = std::find(files.class_names.begin(), files.class_names.end(), c) - files.class_names.begin();
    for (const auto& f : found) {
      files.paths.push_back(f);
      files.labels.push_back(label);
    }
  }
  return with_labels_checked(std::move(files), root);
}

ImageFiles read_image_list(const std::string& manifest, const std::vector<std::string>& class_names) {
  std::string why;
  const std::optional<std::string> head = read_file_text(manifest, &why);
  if (!head) throw DataError(fmt::format("{}: cannot read: {}", manifest, why));
  CsvSettings settings;
  const std::string first_line = head->substr(0, head->find('\n'));
  if (first_line.find('\t') != std::string::npos) settings.delimiter = "tab";
  const CsvTable table = read_csv_table(manifest, settings);
  const auto column = [&](const char* name) {
    const auto it = std::find(table.names.begin(), table.names.end(), name);
    if (it == table.names.end()) {
      throw DataError(fmt::format("{}:1: the header has no '{}' column (image_list: a header naming `path` and `label`)",
                                  manifest, name));
    }
    return static_cast<size_t>(it - table.names.begin());
  };
  const size_t path_at = column("path"), label_at = column("label");
  ImageFiles files;
  files.class_names = class_names;
  const bool indices = class_names.empty() && std::all_of(table.rows.begin(), table.rows.end(), [&](const auto& row) {
    const std::string& l = row[label_at];
    return !l.empty() && l.size() <= 9 &&
           std::all_of(l.begin(), l.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  });
  if (class_names.empty() && !indices) {  // class names fitted: the sorted distinct labels
    for (const auto& row : table.rows) files.class_names.push_back(row[label_at]);
    std::sort(files.class_names.begin(), files.class_names.end());
    files.class_names.erase(std::unique(files.class_names.begin(), files.class_names.end()), files.class_names.end());
  }
  const fs::path base = fs::path(manifest).parent_path();
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const std::string& p = table.rows[r][path_at];
    const std::string& l = table.rows[r][label_at];
    if (p.empty()) throw DataError(fmt::format("{}: an empty path", table.where(r)));
    if (indices) {
      files.labels.push_back(std::stoll(l));
    } else {
      const auto it = std::find(files.class_names.begin(), files.class_names.end(), l);
      if (it == files.class_names.end()) {
        throw DataError(fmt::format("{}: label '{}' is not one of the classes ({})", table.where(r), l,
                                    fmt::join(files.class_names, ", ")));
      }
      files.labels.push_back(it - files.class_names.begin());
    }
    files.paths.push_back(fs::path(p).is_absolute() ? p : (base / p).string());
  }
  return with_labels_checked(std::move(files), manifest);
}

std::pair<ImageFiles, bool> list_images_to_predict(const std::string& path, const std::vector<std::string>& class_names) {
  std::error_code error;
  if (fs::is_directory(path, error)) {
    bool flat = false;
    for (fs::directory_iterator it(path, error), end; !error && it != end; it.increment(error)) {
      if (it->is_regular_file(error) && is_image_file_name(it->path().filename().string())) flat = true;
    }
    if (!flat) return {list_image_folder(path, class_names), true};
    ImageFiles files;
    files.paths = sorted_images_under(path);
    files.labels.assign(files.paths.size(), 0);
    files.class_names = class_names;
    return {std::move(files), false};
  }
  if (!fs::exists(path, error)) throw DataError(fmt::format("{}: no such file or folder", path));
  if (!is_image_file_name(path)) return {read_image_list(path, class_names), true};  // a manifest
  ImageFiles one;
  one.paths = {path};
  one.labels = {0};
  one.class_names = class_names;
  return {std::move(one), false};
}

Dataset image_dataset(ImageFiles files, const ImageReading& reading, std::string source) {
  const int64_t n = static_cast<int64_t>(files.paths.size());
  at::Tensor labels = at::from_blob(files.labels.data(), {n}, at::kLong).clone();
  auto set = std::make_shared<const ImageSet>(std::move(files.paths), reading);
  return {at::Tensor(), std::move(labels), std::move(source),
          std::make_shared<ImageStream>(std::move(set), at::arange(n, at::kLong))};
}

ImagePixels read_image_pixels(const std::string& bytes, const std::string& source, int64_t channels,
                              const std::vector<std::shared_ptr<const Transform>>& transforms, at::Generator& generator) {
  auto first = transforms.begin();
  at::Tensor image;
  const auto* geometry = first != transforms.end() ? dynamic_cast<const ImageGeometry*>(first->get()) : nullptr;
  if (geometry) {
    // Only the box, at the smallest JPEG scale that keeps it at least its output size; resized
    // in 8 bits as PIL resizes (torchvision's transforms on PIL images).
    const ImageHeader header = read_image_header(bytes, source);
    const GeometryPlan plan = geometry->plan(header.height, header.width, generator);
    const PixelBox& b = plan.box;
    const int64_t x0 = std::max<int64_t>(0, b.x), y0 = std::max<int64_t>(0, b.y);
    const int64_t x1 = std::min(header.width, b.x + b.width), y1 = std::min(header.height, b.y + b.height);
    if (x1 <= x0 || y1 <= y0) throw DataError(fmt::format("{}: the transform's box misses the image", source));
    DecodeRequest request{channels, PixelBox{x0, y0, x1 - x0, y1 - y0},
                          plan.width * (x1 - x0) / b.width, plan.height * (y1 - y0) / b.height};
    const DecodedImage decoded = decode_image(bytes, source, request);
    const auto at_scale = [&](int64_t v) { return (2 * v + decoded.scale) / (2 * decoded.scale); };
    image = realize_plan_pixels(decoded.pixels, plan, at_scale(y0), at_scale(x0), decoded.scale);
    ++first;
  } else {
    image = decode_image(bytes, source, {channels, std::nullopt, 0, 0}).pixels;
  }
  // Flips right after: on the 8-bit pixels, one draw each.
  for (; first != transforms.end(); ++first) {
    const auto* flip = dynamic_cast<const RandomHorizontalFlip*>(first->get());
    if (!flip) break;
    if (draw_uniform(generator, 0.0, 1.0) < flip->p()) {
      image = image.contiguous();
      mirror_pixels(image);
    }
  }
  return {image.contiguous(), static_cast<size_t>(first - transforms.begin())};
}

at::Tensor read_image_example(const std::string& bytes, const std::string& source, int64_t channels,
                              const std::vector<std::shared_ptr<const Transform>>& transforms, at::Generator& generator) {
  const ImagePixels pixels = read_image_pixels(bytes, source, channels, transforms, generator);
  at::Tensor image = to_float_images(pixels.pixels).div_(255.0);
  for (size_t t = pixels.transforms_done; t < transforms.size(); ++t) image = transforms[t]->apply(image, generator);
  return image;
}

}  // namespace bx
