// Memory of a checkpoint save and load: a model of N million params with Adam's two moments
// (the state a training run holds), saved streamed by save_checkpoint against the same file
// built in memory first (the reference), and loaded back. Peak RSS is read from the kernel
// (VmHWM, reset through /proc/self/clear_refs before each phase).
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "blox/io/atomic_file.h"
#include "blox/io/checkpoint.h"
#include "blox/io/safetensors.h"

namespace {

namespace fs = std::filesystem;

// A /proc/self/status field in bytes ("VmRSS", "VmHWM").
double status_bytes(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) * 1024;
  }
  throw std::runtime_error("no " + field + " in /proc/self/status");
}

void reset_peak() { std::ofstream("/proc/self/clear_refs") << "5"; }

double mb(double bytes) { return bytes / (1 << 20); }

struct Phase {
  double seconds, rss_before, peak;
};

template <typename F>
Phase measure(F&& run) {
  reset_peak();
  const double before = status_bytes("VmRSS");
  const auto start = std::chrono::steady_clock::now();
  run();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {seconds, before, status_bytes("VmHWM")};
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t millions = argc > 1 ? std::atoll(argv[1]) : 60;
  const fs::path dir = argc > 2 ? fs::path(argv[2]) : fs::temp_directory_path();
  const fs::path file = dir / fmt::format("blox_bench_checkpoint_{}.safetensors", ::getpid());

  // Layers of 4M params each, with Adam's first and second moments: 3x the params in memory.
  constexpr int64_t kSide = 2048;
  const int64_t layers = (millions * 1000000 + kSide * kSide - 1) / (kSide * kSide);
  bx::Checkpoint state;
  for (int64_t i = 0; i < layers; ++i) {
    const std::string path = fmt::format("model/layer{}/kernel", i);
    state.params = state.params.with(path, bx::Param{at::randn({kSide, kSide}), true, {}});
    state.optimizer = state.optimizer.with("optim/m/" + path, bx::Param{at::randn({kSide, kSide}), false, {}});
    state.optimizer = state.optimizer.with("optim/v/" + path, bx::Param{at::rand({kSide, kSide}), false, {}});
  }
  state.step = 1000;
  const double file_bytes = 3.0 * layers * kSide * kSide * 4;
  fmt::print("model: {:.1f}M params + Adam moments; checkpoint {:.0f} MB; training state RSS {:.0f} MB\n",
             layers * kSide * kSide / 1e6, mb(file_bytes), mb(status_bytes("VmRSS")));

  const Phase streamed = measure([&] { bx::save_checkpoint(file.string(), state); });
  const Phase in_memory = measure([&] {
    bx::TensorFile whole;
    for (size_t i = 0; i < state.params.size(); ++i) whole.tensors.emplace_back(state.params.key(i), state.params.param(i).value);
    for (size_t i = 0; i < state.optimizer.size(); ++i)
      whole.tensors.emplace_back(state.optimizer.key(i), state.optimizer.param(i).value);
    bx::write_file_atomically(file.string() + ".reference", bx::encode_safetensors(whole));
  });
  fs::remove(file.string() + ".reference");
  at::Tensor kept;
  const Phase load = measure([&] {
    const bx::Checkpoint loaded = bx::load_checkpoint(file.string());
    kept = loaded.params.param(0).value;
  });
  fs::remove(file);

  auto row = [&](const char* name, const Phase& p, const char* expected) {
    fmt::print("  {:<34} {:7.2f} s  {:7.0f} MB/s  peak RSS {:6.0f} MB = RSS before {:6.0f} MB + {:6.0f} MB  ({})\n",
               name, p.seconds, mb(file_bytes) / p.seconds, mb(p.peak), mb(p.rss_before), mb(p.peak - p.rss_before),
               expected);
  };
  row("save_checkpoint (streamed)", streamed, "bound: + 64 MB");
  row("reference: whole file in memory", in_memory, "about + 1 file");
  row("load_checkpoint", load, "the loaded tensors: about + 1 file");
  fmt::print("streamed save: {} the bound of training RSS + 64 MB\n",
             streamed.peak - streamed.rss_before <= 64.0 * (1 << 20) ? "within" : "OVER");
  return 0;
}
