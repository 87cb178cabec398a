// Checkpoints: bitwise round trips, atomic replacement, a reader in Python, corruption errors.
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <tuple>

#include "support/temp_dir.h"
#include "support/helpers.h"

using namespace bx;
namespace fs = std::filesystem;

namespace {

using test::TempDir;

Checkpoint sample() {
  test::Net n{"model", 3};
  Linear linear(n.graph.child("fc"), {4}, n.rng);
  BatchNorm bn(n.graph.child("bn"));
  Params p = n.params;
  at::Tensor h;
  std::tie(h, p) = linear(p, test::randn({5, 3}, 1));
  std::tie(std::ignore, p) = bn(p, h, Mode::train);
  p = p.freeze("model/fc/bias");
  Adam adam({0.01});
  Checkpoint c;
  c.params = p;
  c.optimizer = adam.init(p.split().first);
  c.step = 1234;
  c.epoch = 3;
  c.loader = {4, 17};
  c.config = "train: {epochs: 3}\n";
  c.tracking = {{"best/accuracy", 0.8125}, {"early_stopping/evaluations_without_gain", 2}};
  return c;
}

}  // namespace

TEST_CASE("checkpoint: save then load gives bitwise-equal params, flags, tags, optimizer state, position and tracking") {
  TempDir dir;
  const Checkpoint c = sample();
  const std::string path = (dir.path / "last.safetensors").string();
  save_checkpoint(path, c);
  const Checkpoint back = load_checkpoint(path);
  CHECK(bitwise_equal(back.params, c.params));
  CHECK(bitwise_equal(back.optimizer, c.optimizer));
  CHECK_FALSE(back.params["model/fc/bias"].trainable);
  CHECK(back.params["model/bn/mean"].meta.at("tag") == "batch_norm_statistic");
  CHECK(back.step == 1234);
  CHECK(back.epoch == 3);
  CHECK(back.loader == LoaderPosition{4, 17});
  CHECK(back.config == c.config);
  CHECK(back.tracking == c.tracking);
  // Only the file itself remains: the temporary was renamed, not left behind.
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
}

TEST_CASE("files replaced atomically get the usual permissions: 0666 less the umask, not mkstemp's 0600") {
  TempDir dir;
  const mode_t previous = ::umask(022);
  write_file_atomically((dir.path / "a.txt").string(), "x");
  ::umask(previous);
  CHECK((fs::status(dir.path / "a.txt").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read));
}

TEST_CASE("checkpoint: saving over an existing file replaces it whole") {
  TempDir dir;
  const std::string path = (dir.path / "last.safetensors").string();
  Checkpoint c = sample();
  save_checkpoint(path, c);
  c.step = 99;
  save_checkpoint(path, c);
  CHECK(load_checkpoint(path).step == 99);
  CHECK_THROWS_WITH_AS(save_checkpoint((dir.path / "missing" / "x.safetensors").string(), c),
                       doctest::Contains("cannot create a temporary file"), CheckpointError);
}

TEST_CASE("a streamed file equals the bytes built in memory; a writer failing midway leaves the old file and no temporary") {
  TempDir dir;
  TensorFile file;
  file.metadata = {{"format", "test"}};
  file.tensors = {{"a", test::randn({3, 4}, 1)}, {"b", test::randn({6, 5}, 2).t()}};  // b not contiguous
  const std::string path = (dir.path / "f.safetensors").string();
  write_file_atomically(path, [&](const WriteBytes& write) { write_safetensors(file, write); });
  CHECK(bx::test::read_text(path) == encode_safetensors(file));
  const TensorFile back = read_safetensors(path);
  CHECK(at::equal(back.tensors[1].second, file.tensors[1].second));

  const std::string before = bx::test::read_text(path);
  CHECK_THROWS_WITH_AS(write_file_atomically(path,
                                             [&](const WriteBytes& write) {
                                               write("partial", 7);
                                               throw CheckpointError("the producer failed");
                                             }),
                       "the producer failed", CheckpointError);
  CHECK(bx::test::read_text(path) == before);
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
}

TEST_CASE("checkpoint: a Python reader with only struct, json and torch reads the tensors") {
  if (!fs::exists("/usr/bin/python3")) return test::skip_missing("/usr/bin/python3 (with torch) is not installed");
  TempDir dir;
  const Checkpoint c = sample();
  const fs::path path = dir.path / "last.safetensors";
  save_checkpoint(path.string(), c);
  std::ofstream(dir.path / "read.py") << R"(import json, struct, sys
import torch
raw = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n])
data = raw[8 + n:]
info = header['model/fc/kernel']
begin, end = info['data_offsets']
kernel = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.float32).reshape(info['shape'])
print(header['__metadata__']['step'], info['dtype'], list(kernel.shape), '%.6f' % kernel.sum().item())
)";
  const std::string command = "/usr/bin/python3 '" + (dir.path / "read.py").string() + "' '" + path.string() + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  char buffer[512] = {};
  const size_t n = fread(buffer, 1, sizeof buffer - 1, pipe);
  pclose(pipe);
  const std::string expected = fmt::format("1234 F32 [3, 4] {:.6f}\n", c.params["model/fc/kernel"].value.sum().item<double>());
  CHECK(std::string(buffer, n) == expected);
}

TEST_CASE("checkpoint: truncation, corrupt data and foreign files are clear errors") {
  TempDir dir;
  const fs::path good = dir.path / "good.safetensors";
  save_checkpoint(good.string(), sample());
  const std::string bytes = bx::test::read_text(good);

  const fs::path truncated = dir.path / "truncated.safetensors";
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() - 10);
  CHECK_THROWS_WITH_AS(load_checkpoint(truncated.string()), doctest::Contains("(truncated?)"), CheckpointError);

  const fs::path tiny = dir.path / "tiny.safetensors";
  std::ofstream(tiny, std::ios::binary) << "abc";
  CHECK_THROWS_WITH_AS(load_checkpoint(tiny.string()), doctest::Contains("truncated: 3 bytes"), CheckpointError);

  std::string flipped = bytes;
  flipped[flipped.size() - 3] = static_cast<char>(flipped[flipped.size() - 3] ^ 0x40);
  const fs::path corrupt = dir.path / "corrupt.safetensors";
  std::ofstream(corrupt, std::ios::binary) << flipped;
  CHECK_THROWS_WITH_AS(load_checkpoint(corrupt.string()), doctest::Contains("checksum mismatch"), CheckpointError);

  TensorFile foreign;
  foreign.tensors.emplace_back("w", at::ones({2}));
  const fs::path other = dir.path / "other.safetensors";
  std::ofstream(other, std::ios::binary) << encode_safetensors(foreign);
  CHECK_THROWS_WITH_AS(load_checkpoint(other.string()), doctest::Contains("not a blox checkpoint"), CheckpointError);
  CHECK(read_safetensors(other.string()).tensors.size() == 1);

  std::string huge = bytes;
  huge[7] = static_cast<char>(0x7f);  // header length far beyond the file
  const fs::path lying = dir.path / "lying.safetensors";
  std::ofstream(lying, std::ios::binary) << huge;
  CHECK_THROWS_WITH_AS(load_checkpoint(lying.string()), doctest::Contains("does not fit"), CheckpointError);
}

TEST_CASE("safetensors: overlapping tensors are refused even with an empty tensor between them") {
  TempDir dir;
  const std::string header =
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[0],"data_offsets":[5,5]},)"
      R"("c":{"dtype":"F32","shape":[2],"data_offsets":[6,14]}})";
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  bytes += header + std::string(14, '\0');
  const fs::path file = dir.path / "overlap.safetensors";
  std::ofstream(file, std::ios::binary) << bytes;
  CHECK_THROWS_WITH_AS(read_safetensors(file.string()), doctest::Contains("tensors 'a' and 'c' overlap"), CheckpointError);
}

TEST_CASE("safetensors: a shape whose element count wraps around 64 bits is refused before allocating") {
  TempDir dir;
  for (const std::string shape : {"[4294967296,4294967296]", "[4294967296,4294967296,0]"}) {
    std::string header = R"({"model/kernel":{"dtype":"F32","shape":)" + shape + R"(,"data_offsets":[0,0]}})";
    header.append((8 - header.size() % 8) % 8, ' ');
    std::string bytes(8, '\0');
    for (size_t i = 0; i < 8; ++i) bytes[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
    const fs::path file = dir.path / "wrap.safetensors";
    std::ofstream(file, std::ios::binary) << bytes + header;
    CHECK_THROWS_WITH_AS(read_safetensors(file.string()), doctest::Contains("tensor 'model/kernel': impossible size"),
                         CheckpointError);
  }
}

TEST_CASE("with_saved_values: a missing param or another dtype or shape is named, extra saved paths ignored") {
  const Checkpoint c = sample();
  const Params model = c.params;
  CHECK(bitwise_equal(with_saved_values(model, c.params.merge(c.optimizer), "f"), model));
  const Params without = c.params.filter([](const std::string& path, const Param&) { return path != "model/fc/kernel"; });
  CHECK_THROWS_WITH_AS(with_saved_values(model, without, "f.safetensors"),
                       doctest::Contains("f.safetensors: holds no 'model/fc/kernel'"), CheckpointError);
  const Params relabelled = c.params.with_value("model/fc/kernel", c.params["model/fc/kernel"].value.to(at::kInt));
  CHECK_THROWS_WITH_AS(with_saved_values(model, relabelled, "f"),
                       doctest::Contains("'model/fc/kernel' is Int [3, 4] where this config's model has Float [3, 4]"),
                       CheckpointError);
}

TEST_CASE("with_saved_values: a saved value takes the layout of the param it replaces (a channels-last kernel), same bytes on disk") {
  TempDir dir;
  test::Net n{"model", 3};
  ConvSettings s;
  s.output_channels = 4;
  s.kernel_size = {1};  // 1x1: NCHW and NHWC strides differ only in the stride of the channels
  Conv2D conv(n.graph.child("conv"), s, n.rng);
  const Params model = conv(n.params, test::randn({2, 3, 5, 5}, 2)).second;
  const at::Tensor kernel = model["model/conv/kernel"].value;
  REQUIRE(kernel.strides() == c10::IntArrayRef(c10::get_channels_last_strides_2d(kernel.sizes())));
  Checkpoint c;
  c.params = model;
  const std::string file = (dir.path / "conv.safetensors").string();
  save_checkpoint(file, c);
  const Params saved = load_checkpoint(file).params;
  // The file holds the logical order: read back in NCHW strides (is_contiguous() would also
  // accept the ambiguous NHWC ones of a 1x1 kernel, so the strides are compared exactly).
  const std::vector<int64_t> nchw = at::empty(kernel.sizes()).strides().vec();
  CHECK(saved["model/conv/kernel"].value.strides() == c10::IntArrayRef(nchw));
  CHECK(bitwise_equal(saved, model));
  const Params restored = with_saved_values(model, saved, file);
  CHECK(restored["model/conv/kernel"].value.strides() == kernel.strides());
  CHECK(bitwise_equal(restored, model));
  CHECK(saved["model/conv/kernel"].value.strides() == c10::IntArrayRef(nchw));  // the saved container is not changed
}

TEST_CASE("checkpoint: the header checksum covers metadata and dtypes; positions are whole non-negative numbers") {
  TempDir dir;
  const fs::path good = dir.path / "good.safetensors";
  save_checkpoint(good.string(), sample());
  const TensorFile original = read_safetensors(good.string());
  auto write_variant = [&](const std::string& name, const std::function<void(TensorFile&)>& change) {
    TensorFile f = original;
    change(f);
    const fs::path file = dir.path / name;
    std::ofstream(file, std::ios::binary) << encode_safetensors(f);
    return file.string();
  };
  const std::string tracking = write_variant("tracking.safetensors", [](TensorFile& f) {
    f.metadata["tracking"] = R"({"best/accuracy":0.99})";
  });
  CHECK_THROWS_WITH_AS(load_checkpoint(tracking), doctest::Contains("header checksum mismatch"), CheckpointError);
  const std::string relabelled = write_variant("relabelled.safetensors", [](TensorFile& f) {
    for (auto& [name, t] : f.tensors) {
      if (name == "model/fc/kernel") t = t.view(at::kInt);  // the same bytes, another dtype
    }
  });
  CHECK_THROWS_WITH_AS(load_checkpoint(relabelled), doctest::Contains("header checksum mismatch"), CheckpointError);
  // Without a header checksum (an older file) the numbers are still read strictly.
  for (const auto& [key, value, expected] :
       {std::tuple{"step", "-5", "metadata 'step' is -5; expected at least 0"},
        std::tuple{"step", "12abc", "metadata 'step' is not an integer: '12abc'"},
        std::tuple{"loader_epoch", "-1", "metadata 'loader_epoch' is -1"}}) {
    const std::string name = key, text = value;  // lambdas take variables, not bindings
    CAPTURE(name);
    const std::string file = write_variant("old.safetensors", [&](TensorFile& f) {
      f.metadata.erase("header_checksum");
      f.metadata[name] = text;
    });
    CHECK_THROWS_WITH_AS(load_checkpoint(file), doctest::Contains(expected), CheckpointError);
  }
  const std::string old = write_variant("old_ok.safetensors", [](TensorFile& f) { f.metadata.erase("header_checksum"); });
  CHECK(load_checkpoint(old).step == 1234);
  // A bit flipped in the key's name is damage, not an older file.
  const std::string flipped = write_variant("flipped.safetensors", [](TensorFile& f) {
    f.metadata["header_checksul"] = f.metadata.at("header_checksum");
    f.metadata.erase("header_checksum");
  });
  CHECK_THROWS_WITH_AS(load_checkpoint(flipped), doctest::Contains("unknown metadata key 'header_checksul'"),
                       CheckpointError);
}

TEST_CASE("safetensors: bytes after the last tensor, or a header key twice, are refused") {
  TempDir dir;
  const std::string path = (dir.path / "last.safetensors").string();
  save_checkpoint(path, sample());
  std::ofstream(path, std::ios::binary | std::ios::app) << std::string(1 << 20, '\0');
  CHECK_THROWS_WITH_AS(load_checkpoint(path), doctest::Contains("1048576 bytes after the last tensor's data"),
                       CheckpointError);
  // A header {"a": ..., "a": ...}: 8 bytes of length, then the JSON.
  const std::string json = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((json.size() >> (8 * i)) & 0xff);
  const std::string twice = (dir.path / "twice.safetensors").string();
  std::ofstream(twice, std::ios::binary) << bytes << json << std::string(4, '\0');
  CHECK_THROWS_WITH_AS(read_safetensors(twice), doctest::Contains("holds the key 'a' twice"), CheckpointError);
}
