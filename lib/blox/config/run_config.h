// RunConfig: a whole run's settings, read and validated from a config document.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "blox/core/precision.h"
#include "blox/schema/options.h"
#include "blox/data/csv.h"
#include "blox/data/loader.h"
#include "blox/data/open_dataset.h"
#include "blox/data/transforms.h"
#include "blox/dist/dist_settings.h"
#include "blox/runtime/device.h"
#include "blox/optim/loss.h"
#include "blox/optim/optimizer.h"
#include "blox/optim/schedule.h"
#include "blox/schema/rule.h"

namespace bx {

/// The top-level keys of a run.
struct RootSettings {
  int64_t seed = 0;
  std::string device = "cpu";
  int64_t threads = 0;  ///< 0: libtorch's default

  template <class Visit>
  void fields(Visit& visit) {
    visit("seed", seed, Rule::non_negative(), "init, dropout, shuffling and augmentation all derive from it");
    visit("device", device, Rule::one_of(device_names()).resumable(),
          "where to train: cpu, cuda, or auto (a GPU when there is one)");
    visit("threads", threads, Rule::non_negative().resumable(),
          "libtorch intra-op threads, and OpenBLAS's (which otherwise runs a pool of its own beside libtorch's, "
          "oversubscribing the cores); 0: their defaults (OPENBLAS_NUM_THREADS still applies)");
  }
};

/// `data:` — the files and splits (the CSV reading and batching keys: CsvSettings, LoaderSettings).
struct DataFiles {
  std::string format_name = "idx";  ///< data_format_names(); DataConfig::format holds it read
  std::string train;           ///< idx: images file; csv / text: the file
  std::string train_labels;    ///< idx: required; csv: optional
  std::string test;            ///< optional evaluation split
  std::string test_labels;
  double validation_fraction = 0.0;  ///< held out of train, seeded; 0: none
  int64_t classes = 0;               ///< idx / csv classification; text: from the vocabulary
  int64_t sequence_length = 64;      ///< text only
  int64_t window_stride = 0;         ///< text only: between training windows' starts; 0: sequence_length
  std::vector<std::string> class_names;  ///< csv and images: the classes' names, in index order
  int64_t channels = 3;              ///< images: 1 (luma), 3 (RGB) or 4 (RGBA)
  int64_t workers = 0;               ///< images: decoding threads; 0: the cores the step leaves
  bool skip_bad_files = false;       ///< images: leave out files that cannot be decoded, counted

  template <class Visit>
  void fields(Visit& visit) {
    visit("format", format_name, Rule::one_of(data_format_names()),
          "idx (MNIST format, raw or gzip), csv (numeric, with categorical columns), UTF-8 text, image_folder (JPEG "
          "and PNG files in one subfolder per class) or image_list (a manifest of `path,label` rows)");
    visit("train", train, Rule().required(),
          "idx: the images file; csv / text: the file; image_folder: the folder of class folders; image_list: the "
          "manifest. Relative paths are relative to the config");
    visit("train_labels", train_labels, Rule(),
          "idx: the labels file (required); csv: a file whose columns are the targets (then every column of "
          "train is a feature)");
    visit("test", test, Rule(), "an evaluation split, in train's format");
    visit("test_labels", test_labels, Rule(), "the test split's labels, as train_labels");
    visit("validation_fraction", validation_fraction, Rule::fraction(),
          "held out of train by a seeded split (text: the text's last fraction of characters, contiguous, so no "
          "training window holds held-out text); 0: none");
    visit("classes", classes, Rule::non_negative(),
          "class count (idx, csv classification); text takes the vocabulary size from the training text, images "
          "the count of class_names");
    visit("sequence_length", sequence_length, Rule::positive(), "text: characters per example");
    visit("window_stride", window_stride, Rule::non_negative(),
          "text: characters between the starts of consecutive training windows; below sequence_length the windows "
          "overlap, so each character is seen at several positions and with several contexts (more examples per "
          "epoch from the same text). Evaluation windows never overlap. 0: sequence_length");
    visit("class_names", class_names, Rule(),
          "csv and images: the classes' names, in index order. csv: a label column of strings (`cat`, `dog`) is "
          "read through them, fitted on the training file (sorted) when its labels are not all numbers; "
          "image_folder: the class folders' names (sorted, as torchvision); image_list: the manifest's labels "
          "(sorted) when they are not all numbers. Written into the resolved config, so checkpoints keep them; "
          "predict, eval --confusion and export name classes by them");
    visit("channels", channels, Rule().at_least(1).at_most(4),
          "images: 3 (RGB; grey images repeated), 1 (luma, as PIL's convert(\"L\")), both dropping alpha, or 4 "
          "(RGBA, as PIL's convert(\"RGBA\"): the file's alpha or tRNS transparency kept, 255 where it has none)");
    visit("workers", workers, Rule::non_negative().resumable(),
          "images: threads that read and decode each batch's files (the loader's thread works beside them); 0: "
          "the cores the training step's threads leave, at least 1");
    visit("skip_bad_files", skip_bad_files, Rule(),
          "images: a file that cannot be read or decoded is left out of its batch, counted, and named at the end "
          "of the epoch (stderr), where by default it stops the run (exit 2, naming it); validate lists every "
          "file whose header is bad either way");
  }
};

/// `data:` — where examples come from and how they are batched.
struct DataConfig : DataFiles {
  DataFormat format = DataFormat::idx;  ///< DataFiles::format, read
  CsvSettings csv;
  LoaderSettings loader;
  std::vector<std::shared_ptr<const Transform>> transforms;

  /// The file at `path` (with `labels` for idx) as this config reads it.
  DataSource source(const std::string& path, const std::string& labels, const Vocabulary* vocabulary = nullptr) const {
    return {format, path, labels, classes, csv, sequence_length, vocabulary, class_names, {channels, workers, skip_bad_files}};
  }
  /// Text: the stride of training windows (window_stride, or sequence_length when 0).
  int64_t training_window_stride() const { return window_stride > 0 ? window_stride : sequence_length;
  }
};

/// `train.ema:` — an exponential moving average of the trainable params (train/ema.h).
struct EmaConfig {
  double decay = 0;  ///< required: in (0, 1)
  bool warmup = true;

  template <class Visit>
  void fields(Visit& visit) {
    visit("decay", decay, Rule().above(0).below(1).required(),
          "after every update, each trainable param p's average moves as ema = decay * ema + (1 - decay) * p, "
          "starting from the initial params (timm's ModelEmaV2(model, decay) on the params only: batch-norm "
          "statistics stay the trained model's)");
    visit("warmup", warmup, Rule(),
          "the update that makes step t (1 at the first) uses min(decay, (1 + t) / (10 + t)), as TensorFlow's "
          "ExponentialMovingAverage with num_updates, so early averages soon forget the initial params; false: "
          "decay from the first update");
  }
};

/// `train:` — how long and how each step runs.
struct TrainConfig {
  int64_t epochs = 1;
  int64_t max_steps = 0;
  int64_t eval_every_epochs = 1;
  int64_t eval_every_steps = 0;
  int64_t log_every_steps = 50;
  bool tensorboard = false;
  double clip_grad_norm = 0.0;
  double clip_grad_value = 0.0;
  int64_t accumulate = 1;
  std::string early_stopping_metric;
  int64_t early_stopping_patience = 5;
  std::string precision = "fp32";
  /// `ema:` (a section of its own, read by hand: its absence means no EMA).
  std::optional<EmaConfig> ema;

  template <class Visit>
  void fields(Visit& visit) {
    visit("epochs", epochs, Rule::positive().resumable(), "passes over the training data");
    visit("max_steps", max_steps, Rule::non_negative().resumable(), "stop after this many updates; 0: no limit");
    visit("eval_every_epochs", eval_every_epochs, Rule::non_negative().resumable(),
          "evaluate after every this many epochs; 0: only after the last");
    visit("eval_every_steps", eval_every_steps, Rule::non_negative().resumable(),
          "also evaluate every this many steps; 0: off. Each evaluation is a row of metrics.jsonl/csv");
    visit("log_every_steps", log_every_steps, Rule::non_negative().resumable(),
          "a metrics row (train loss, lr, examples/s) every this many steps and, when stdout is not a terminal, "
          "a progress line (a terminal gets one live line); 0: neither");
    visit("tensorboard", tensorboard, Rule().resumable(),
          "also write every metrics row to a TensorBoard event file in checkpoint.dir (tags train/loss, "
          "train/lr, train/examples_per_second, eval/<metric>)");
    visit("clip_grad_norm", clip_grad_norm, Rule::non_negative(), "global-norm gradient clipping; 0: off");
    visit("clip_grad_value", clip_grad_value, Rule::non_negative(), "value gradient clipping; 0: off");
    visit("accumulate", accumulate, Rule::positive(), "micro-batches per update (gradient accumulation)");
    visit("early_stopping_metric", early_stopping_metric, Rule(),
          "stop when this metric stops improving; \"\": off");
    visit("early_stopping_patience", early_stopping_patience, Rule::positive().resumable(),
          "evaluations without improvement before stopping");
    visit("precision", precision, Rule::one_of(precision_names()).resumable(),
          "the forward's arithmetic: fp32; bf16 (autocast, CPU or CUDA); fp16 (autocast with dynamic loss "
          "scaling, CUDA only). Params, gradients, optimizer state and checkpoints stay fp32");
  }
};

/// `checkpoint:`.
struct CheckpointConfig {
  std::string dir = "runs/run";
  int64_t every_epochs = 1;
  int64_t every_steps = 0;
  int64_t keep_last = 3;
  std::string keep_best;

  template <class Visit>
  void fields(Visit& visit) {
    visit("dir", dir, Rule().resumable(),
          "the run directory (relative to the working directory); a resume goes on in the directory it resumes");
    visit("every_epochs", every_epochs, Rule::non_negative().resumable(), "save after every this many epochs; 0: off");
    visit("every_steps", every_steps, Rule::non_negative().resumable(), "save every this many steps; 0: off");
    visit("keep_last", keep_last, Rule::positive().resumable(), "numbered checkpoints kept (best is kept besides)");
    visit("keep_best", keep_best, Rule(),
          "a metric: every evaluation that improves it saves and points best.safetensors at it; \"\": off");
  }
};

/// `finetune:` — start from a checkpoint (blox's, or PyTorch's state dict), optionally
/// renaming and freezing.
struct FinetuneConfig {
  std::string init_from;  ///< "": train from scratch
  std::string layout = "blox";
  std::vector<std::string> freeze;
  bool freeze_batch_stats = false;
  bool strict = false;
  /// `rename:` (a list of {from, to}, read by hand): the first matching rule applies, a glob ->
  /// a full path, or a literal prefix rename "a/b/**" -> "c/**" keeping the rest of the path.
  /// With layout pytorch `from` matches PyTorch module names, stored with '/' for their '.'.
  std::vector<std::pair<std::string, std::string>> rename;

  template <class Visit>
  void fields(Visit& visit) {
    visit("init_from", init_from, Rule(),
          "a blox checkpoint or a safetensors file of named tensors (relative to the config); params are copied "
          "by path where the shapes agree; \"\": from scratch");
    visit("layout", layout, Rule::one_of({"blox", "pytorch"}),
          "the names and layouts of init_from's tensors: blox (param paths) or pytorch (a state dict: keys "
          "module.tensor, each module renamed onto a layer, its tensors converted per layer kind)");
    visit("freeze", freeze, Rule(),
          "globs of params kept fixed (* within a path segment, ** across; a node selects all below it). The "
          "running statistics of a frozen batch-norm layer still follow each training batch (PyTorch's "
          "behaviour), unless freeze_batch_stats");
    visit("freeze_batch_stats", freeze_batch_stats, Rule(),
          "batch-norm layers whose running statistics a freeze glob selects (a glob naming the layer or a node "
          "above it) run as in eval during training: they normalize with those statistics and keep them "
          "unchanged (Keras' frozen BatchNormalization)");
    visit("strict", strict, Rule(), "an error unless every param is copied and every tensor used");
  }
};

struct RunConfig : RootSettings {
  DataConfig data;
  LossSettings loss;
  std::vector<std::string> metrics{"loss", "accuracy"};  ///< read: default_metrics() of the loss when not given
  std::shared_ptr<const Optimizer> optimizer;
  ScheduleMaker schedule;  ///< of the run's length; empty: the optimizer's constant rate
  TrainConfig train;
  CheckpointConfig checkpoint;
  FinetuneConfig finetune;
  DistSettings dist;
};

/// Calls `visit(section, settings)` for every settings struct a run reads from a mapping ("" is
/// the top level; data holds three), so what walks every key (the keys a resume may change, the
/// schema tables) sees them all. Layers, optimizers, schedules and transforms have their own
/// registries.
template <class Visit>
void for_each_run_settings(Visit&& visit) {
  // Named defaults, not temporaries: GCC 12 stops with an internal error on CsvSettings{} here.
  const RootSettings root;
  const DataFiles files;
  const CsvSettings csv;
  const LoaderSettings loader;
  const LossSettings loss;
  const TrainConfig train;
  const EmaConfig ema;
  const CheckpointConfig checkpoint;
  const FinetuneConfig finetune;
  const DistSettings dist;
  visit("", root);
  visit("data", files);
  visit("data", csv);
  visit("data", loader);
  visit("loss", loss);
  visit("train", train);
  visit("train.ema", ema);
  visit("checkpoint", checkpoint);
  visit("finetune", finetune);
  visit("dist", dist);
}

/// Reads every section except `model:` (built by build_model). Problems go to the document's
/// diagnostics; `config_dir` resolves relative data paths.
RunConfig read_run_config(Options& root, const std::string& config_dir);

}  // namespace bx
