// Output paths given to blox: only a regular file (or nothing yet) is replaced; a FIFO, a device
// or an empty path is refused with exit 2 and left as it was.
#include <sys/stat.h>

#include "support/run_helpers.h"

using namespace bx::test;

TEST_CASE("export and predict -o a FIFO: exit 2 naming it, the FIFO untouched; -o '' is an error, not the default") {
  RunDir dir;
  train_mlp(dir.path, 1);
  const fs::path fifo = dir.path / "out.pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  for (const std::string& command : {std::string("export run/last.safetensors -o out.pipe"),
                                     std::string("export run/last.safetensors --format pytorch-safetensors -o out.pipe"),
                                     std::string("predict run/last.safetensors -o out.pipe")}) {
    CAPTURE(command);
    const Result r = blox(dir.path, command);
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.output.find("out.pipe: is a FIFO") != std::string::npos, r.output);
    CHECK(fs::is_fifo(fifo));
  }
  const Result empty = blox(dir.path, "export run/last.safetensors -o ''");
  CHECK(empty.exit_code == 2);
  CHECK_MESSAGE(empty.output.find("an empty path") != std::string::npos, empty.output);
  CHECK_FALSE(fs::exists(dir.path / "run" / "last.onnx"));
}

TEST_CASE("export --format pytorch-safetensors: beside the checkpoint by default; ONNX's flags refused with it") {
  RunDir dir;
  train_mlp(dir.path, 1);
  const Result refused = blox(dir.path, "export run/last.safetensors --format pytorch-safetensors --opset 17");
  CHECK(refused.exit_code == 2);
  CHECK_MESSAGE(refused.output.find("--opset: is for --format onnx only") != std::string::npos, refused.output);
  const Result unknown = blox(dir.path, "export run/last.safetensors --format torchscript");
  CHECK(unknown.exit_code == 2);
  CHECK_FALSE(fs::exists(dir.path / "run" / "last.pytorch.safetensors"));
  const Result r = blox(dir.path, "export run/last.safetensors --format pytorch-safetensors");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  // hidden and logits: weight and bias each; the Rng's state is not a PyTorch tensor.
  CHECK_MESSAGE(r.output.find("to run/last.pytorch.safetensors: 4 tensors in PyTorch's state-dict layout") !=
                    std::string::npos,
                r.output);
  CHECK(fs::is_regular_file(dir.path / "run" / "last.pytorch.safetensors"));
}

TEST_CASE("train --quiet prints no progress but the run's last figures") {
  RunDir dir;
  write(dir.path / "mlp.yaml", mlp_config(2, 0));
  const Result r = blox(dir.path, "train mlp.yaml --quiet --set train.log_every_steps=5");
  REQUIRE(r.exit_code == 0);
  CHECK_MESSAGE(r.output.find("epoch   2  step     40  train loss (epoch mean)") != std::string::npos, r.output);
  CHECK(r.output.find("epoch   1  step     20") == std::string::npos);
}

TEST_CASE("train --resume of a path that does not exist is bad usage: exit 2") {
  RunDir dir;
  write(dir.path / "mlp.yaml", mlp_config(1, 0));
  const Result r = blox(dir.path, "train mlp.yaml --resume nowhere");
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.output.find("--resume nowhere: no such checkpoint or run directory") != std::string::npos, r.output);
}

TEST_CASE("train --nproc N with a batch that does not divide among N is refused before any worker starts") {
  RunDir dir;
  write(dir.path / "mlp.yaml", mlp_config(1, 0));
  const Result r = blox(dir.path, "train mlp.yaml --nproc 64");
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.output.find("data.batch_size 50 is the global batch: it must divide among 64 processes") !=
                    std::string::npos,
                r.output);
  CHECK(r.output.find("worker") == std::string::npos);
  CHECK_FALSE(fs::exists(dir.path / "run"));
}
