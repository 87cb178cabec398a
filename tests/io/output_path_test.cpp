// Output paths: only a regular file (or nothing yet) is ever replaced; an empty path is an error.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <doctest/doctest.h>

#include "blox/core/errors.h"
#include "blox/io/atomic_file.h"
#include "blox/io/checkpoint.h"
#include "blox/io/output_path.h"
#include "support/temp_dir.h"

using namespace bx;
namespace fs = std::filesystem;

TEST_CASE("require_regular_or_absent: a device, a FIFO, a folder, a link or an empty path is refused, naming the kind") {
  test::TempDir dir("output_path");
  CHECK_NOTHROW(require_regular_or_absent((dir.path / "new.onnx").string()));
  CHECK_NOTHROW(require_regular_or_absent(dir.write("old.csv", "x")));
  CHECK_THROWS_WITH_AS(require_regular_or_absent("/dev/null"), doctest::Contains("/dev/null: is a character device"),
                       ConfigError);
  const std::string fifo = (dir.path / "pipe").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THROWS_WITH_AS(require_regular_or_absent(fifo), doctest::Contains("is a FIFO"), ConfigError);
  CHECK_THROWS_WITH_AS(require_regular_or_absent(dir.path.string()), doctest::Contains("is a directory"), ConfigError);
  fs::create_symlink(dir.path / "old.csv", dir.path / "link.csv");
  CHECK_THROWS_WITH_AS(require_regular_or_absent((dir.path / "link.csv").string()), doctest::Contains("is a symbolic link"),
                       ConfigError);
  CHECK_THROWS_WITH_AS(require_regular_or_absent(""), doctest::Contains("empty"), ConfigError);
}

TEST_CASE("write_file_atomically: a FIFO at the path stays a FIFO, and no temporary file is left") {
  test::TempDir dir("output_path");
  const std::string fifo = (dir.path / "out.onnx").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THROWS_AS(write_file_atomically(fifo, "bytes"), ConfigError);
  CHECK(fs::is_fifo(fifo));
  CHECK(std::distance(fs::directory_iterator(dir.path), {}) == 1);
}

TEST_CASE("require_replaceable_output: not the file being read, not a checkpoint; an empty output is the default") {
  test::TempDir dir("output_path");
  const std::string input = dir.write("config.yaml", "x: 1\n");
  const std::string expected = "export -o " + input + ": that is the file being read";
  CHECK_THROWS_WITH_AS(require_replaceable_output(input, {input}, "export"), doctest::Contains(expected.c_str()),
                       ConfigError);
  Checkpoint checkpoint;
  checkpoint.config = "train: {epochs: 1}\n";
  const std::string saved = (dir.path / "ckpt.safetensors").string();
  save_checkpoint(saved, checkpoint);
  CHECK_THROWS_WITH_AS(require_replaceable_output(saved, {}, "predict"), doctest::Contains("is a blox checkpoint"),
                       ConfigError);
  CHECK_THROWS_WITH_AS(require_replaceable_output("/dev/null", {}, "predict"), doctest::Contains("character device"),
                       ConfigError);
  CHECK_NOTHROW(require_replaceable_output("", {input}, "predict"));
  CHECK_NOTHROW(require_replaceable_output(dir.write("old.csv", "1\n"), {input}, "predict"));
}
