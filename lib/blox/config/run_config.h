// RunConfig: a whole run's settings, read and validated from a config document.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "blox/config/options.h"
#include "blox/data/csv.h"
#include "blox/data/loader.h"
#include "blox/data/transforms.h"
#include "blox/optim/optimizer.h"
#include "blox/optim/schedule.h"

namespace bx {

/// `data:` — where examples come from and how they are batched.
struct DataConfig {
  std::string format = "idx";  ///< idx | csv | text
  std::string train;           ///< idx: images file; csv / text: the file
  std::string train_labels;    ///< idx only
  std::string test;            ///< optional evaluation split
  std::string test_labels;
  double validation_fraction = 0.0;  ///< held out of train, seeded; 0: none
  int64_t classes = 0;               ///< idx / csv classification; text: from the vocabulary
  int64_t sequence_length = 64;      ///< text only
  CsvSettings csv;
  LoaderSettings loader;
  std::vector<std::shared_ptr<const Transform>> transforms;
};

/// `loss:`.
struct LossConfig {
  std::string type = "cross_entropy";  ///< cross_entropy | mse | nll
  double label_smoothing = 0.0;        ///< cross_entropy only, in [0, 1)
};

/// `train:` — how long and how each step runs.
struct TrainConfig {
  int64_t epochs = 1;
  int64_t max_steps = 0;        ///< 0: no limit
  int64_t eval_every_epochs = 1;  ///< 0: only after the last epoch
  int64_t eval_every_steps = 0;   ///< 0: off; else also every this many steps
  int64_t log_every_steps = 50;   ///< a metrics row (and off a terminal a progress line) every this many steps
  double clip_grad_norm = 0.0;  ///< 0: off
  double clip_grad_value = 0.0; ///< 0: off
  int64_t accumulate = 1;       ///< micro-batches per update
  std::string early_stopping_metric;  ///< "": off
  int64_t early_stopping_patience = 5;
};

/// `checkpoint:`.
struct CheckpointConfig {
  std::string dir = "runs/run";
  int64_t every_epochs = 1;
  int64_t every_steps = 0;
  int64_t keep_last = 3;
  std::string keep_best;  ///< metric name, "": off
};

/// `finetune:` — start from a checkpoint, optionally renaming and freezing.
struct FinetuneConfig {
  std::string init_from;  ///< "": train from scratch
  /// (from, to) rules, the first matching one applies: a glob -> a full path, or a literal
  /// prefix rename "a/b/**" -> "c/**" keeping the rest of the path.
  std::vector<std::pair<std::string, std::string>> rename;
  std::vector<std::string> freeze;
  bool strict = false;
};

struct RunConfig {
  uint64_t seed = 0;
  std::string device = "cpu";  ///< cpu | cuda | auto
  int64_t threads = 0;         ///< 0: libtorch's default
  DataConfig data;
  LossConfig loss;
  std::vector<std::string> metrics{"loss", "accuracy"};
  std::shared_ptr<const Optimizer> optimizer;
  std::shared_ptr<const Schedule> schedule;  ///< null: the optimizer's constant rate
  TrainConfig train;
  CheckpointConfig checkpoint;
  FinetuneConfig finetune;
};

/// Reads every section except `model:` (built by build_model). Problems go to the document's
/// diagnostics; `config_dir` resolves relative data paths.
RunConfig read_run_config(Options& root, const std::string& config_dir);

}  // namespace bx
