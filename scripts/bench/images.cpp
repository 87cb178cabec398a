// The image loader's rate on a folder of JPEGs: RandomResizedCrop(224), flip, normalize (the
// ImageNet training recipe) through blox's Loader and its decoding workers; and the decode-only
// rates of one thread: full decode, and the boxes random_resized_crop asks for.
// Usage: blox_bench_images FOLDER WORKERS [BATCHES=40]
#include <chrono>
#include <cstdlib>

#include <fmt/format.h>

#include "blox/core/file_text.h"
#include "blox/core/rng.h"
#include "blox/data/image_files.h"
#include "blox/data/image_transforms.h"
#include "blox/data/loader.h"

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    fmt::print(stderr, "usage: blox_bench_images FOLDER WORKERS [BATCHES=40]\n");
    return 2;
  }
  const std::string folder = argv[1];
  const int64_t workers = std::atoll(argv[2]);
  const int64_t batches = argc > 3 ? std::atoll(argv[3]) : 40;
  const bx::ImageFiles files = bx::list_image_folder(folder);
  const auto crop = std::make_shared<bx::RandomResizedCrop>(224, std::make_pair(0.08, 1.0), std::make_pair(0.75, 4.0 / 3.0));
  const std::vector<std::shared_ptr<const bx::Transform>> transforms{
      crop, std::make_shared<bx::RandomHorizontalFlip>(0.5),
      std::make_shared<bx::Normalize>(std::vector<double>{0.485, 0.456, 0.406}, std::vector<double>{0.229, 0.224, 0.225})};

  // The loader: batches of 64, prefetched, decoded by `workers` threads (and the loader's own).
  bx::LoaderSettings settings;
  settings.batch_size = 64;
  settings.seed = 1;
  bx::Loader loader(bx::image_dataset(files, {3, workers, false}, folder), settings, transforms);
  loader.next();  // warm: threads started, first batch
  const auto start = Clock::now();
  int64_t images = 0;
  for (int64_t b = 0; b < batches; ++b) {
    auto batch = loader.next();
    if (!batch) batch = loader.next();  // the next epoch
    images += batch->inputs.size(0);
  }
  fmt::print("blox loader: {:.0f} images/s ({} workers + the loader thread, {} images)\n", images / since(start), workers,
             images);

  // One thread, decode only: every file whole, then each file's random_resized_crop box.
  const size_t n = std::min<size_t>(files.paths.size(), 300);
  std::vector<std::string> bytes;
  for (size_t i = 0; i < n; ++i) bytes.push_back(*bx::read_file_text(files.paths[i]));
  auto t = Clock::now();
  for (size_t i = 0; i < n; ++i) bx::decode_image(bytes[i], files.paths[i]);
  fmt::print("decode, full image: {:.0f} images/s (one thread)\n", n / since(t));
  t = Clock::now();
  for (size_t i = 0; i < n; ++i) {
    at::Generator g = bx::make_generator(bx::Key{i});
    const bx::ImageHeader h = bx::read_image_header(bytes[i], files.paths[i]);
    const bx::GeometryPlan p = crop->plan(h.height, h.width, g);
    bx::decode_image(bytes[i], files.paths[i], {3, p.box, std::min(p.width, p.box.width), std::min(p.height, p.box.height)});
  }
  fmt::print("decode, random_resized_crop boxes (partial, DCT-scaled): {:.0f} images/s (one thread)\n", n / since(t));
  return 0;
}
