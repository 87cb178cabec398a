// load_trained_model: a checkpoint alone runs with its stored config (read from the checkpoint,
// no temporary file); a config with one, the config's model with the checkpoint's params.
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include <doctest/doctest.h>

#include "blox/core/errors.h"
#include "blox/infer/trained_model.h"
#include "blox/io/checkpoint.h"
#include "support/helpers.h"
#include "support/run_helpers.h"

using namespace bx;

namespace {

// A checkpoint of the subset MLP as prepare_run makes it (step 7), its config stored inside.
std::string saved_mlp(const test::TempDir& dir, Checkpoint* saved = nullptr) {
  const std::string config = dir.write("mlp.yaml", test::mlp_config(1, 0));
  const PreparedRun prepared = prepare_run(config);
  Checkpoint checkpoint;
  checkpoint.params = prepared.model.params;
  checkpoint.config = prepared.document.dump();
  checkpoint.step = 7;
  const std::string file = (dir.path / "model.safetensors").string();
  save_checkpoint(file, checkpoint);
  if (saved != nullptr) *saved = checkpoint;
  return file;
}

size_t files_in(const std::filesystem::path& dir) {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
}

// TMPDIR pointed at a folder of this test's own while it lives: the shared /tmp changes under
// the tests running beside this one, so its file count proves nothing.
class PrivateTmpdir {
 public:
  explicit PrivateTmpdir(std::filesystem::path dir) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    if (const char* old = std::getenv("TMPDIR")) old_ = old;
    ::setenv("TMPDIR", dir_.c_str(), 1);
  }
  ~PrivateTmpdir() {
    if (old_) ::setenv("TMPDIR", old_->c_str(), 1); else ::unsetenv("TMPDIR");
  }
  PrivateTmpdir(const PrivateTmpdir&) = delete;
  PrivateTmpdir& operator=(const PrivateTmpdir&) = delete;
  const std::filesystem::path& path() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("load_trained_model: a checkpoint alone runs with its stored config and its own params, writing no file") {
  test::TempDir dir("trained_model");
  Checkpoint saved;
  const std::string file = saved_mlp(dir, &saved);
  const PrivateTmpdir tmp(dir.path / "tmp");
  REQUIRE(std::filesystem::temp_directory_path() == tmp.path());
  const TrainedModel model = load_trained_model(file, "", {"data.batch_size=25"}, "eval");
  CHECK(files_in(tmp.path()) == 0);
  CHECK(model.checkpoint.step == 7);
  CHECK_FALSE(model.ema);
  CHECK(model.prepared.run.data.loader.batch_size == 25);  // the overrides apply to the stored config
  CHECK(model.prepared.document.path() == file);    // messages name the checkpoint
  CHECK(bitwise_equal(model.checkpoint.params, saved.params));
}

TEST_CASE("load_trained_model: a YAML config with --checkpoint uses the config's settings") {
  test::TempDir dir("trained_model");
  const std::string file = saved_mlp(dir);
  const std::string other = dir.write("other.yaml", test::edited(test::mlp_config(1, 0), "batch_size: 50", "batch_size: 10"));
  const TrainedModel model = load_trained_model(other, file, {}, "predict");
  CHECK(model.prepared.run.data.loader.batch_size == 10);
  CHECK(model.checkpoint.step == 7);
}

TEST_CASE("load_trained_model: a config without a checkpoint or finetune.init_from is refused, naming the command") {
  test::TempDir dir("trained_model");
  const std::string config = dir.write("mlp.yaml", test::mlp_config(1, 0));
  CHECK_THROWS_WITH_AS(load_trained_model(config, "", {}, "export"),
                       doctest::Contains("export: --checkpoint FILE is required"), ConfigError);
}

TEST_CASE("load_trained_model: a checkpoint whose params do not fit its config is a CheckpointError") {
  test::TempDir dir("trained_model");
  const std::string file = saved_mlp(dir);
  CHECK_THROWS_AS(load_trained_model(file, "", {"model.layers[1].output_size=16"}, "eval"), CheckpointError);
}
