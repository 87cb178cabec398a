// blox eval CONFIG --checkpoint FILE (or CHECKPOINT alone): metrics on a split, with assertions for CI gates,
// and with --confusion the confusion matrix of a classifier.
#include <iostream>
#include <memory>
#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "blox/core/errors.h"
#include "blox/runtime/device.h"
#include "blox/optim/loss.h"
#include "blox/metrics/catalogue.h"
#include "blox/metrics/confusion.h"
#include "blox/metrics/evaluation.h"
#include "blox/train/run_data.h"
#include "checkpoint_run.h"
#include "commands.h"

namespace blox_app {
namespace {

struct Assertion {
  std::string metric, op;
  double value;
};

Assertion parse_assertion(const std::string& text) {
  static const std::regex form(R"(^\s*([A-Za-z0-9_]+)\s*(>=|<=|==|>|<)\s*([-+0-9.eE]+)\s*$)");
  std::smatch m;
  if (!std::regex_match(text, m, form)) {
    throw bx::ConfigError(fmt::format("--assert '{}': expected METRIC OP VALUE, e.g. \"accuracy>=0.9\"", text));
  }
  return {m[1], m[2], std::stod(m[3])};
}

bool holds(const Assertion& a, double v) {
  if (a.op == ">=") return v >= a.value;
  if (a.op == "<=") return v <= a.value;
  if (a.op == ">") return v > a.value;
  if (a.op == "<") return v < a.value;
  return v == a.value;
}

// The split eval reads unless --data names one: test, or the held-out validation split of a
// config without test data (said on stderr: stdout may carry JSON).
std::string default_split(const bx::DataConfig& data) {
  if (!data.test.empty() || data.validation_fraction <= 0) return "test";
  fmt::print(stderr, "no test split in this config: evaluating the validation split (data.validation_fraction {})\n",
             data.validation_fraction);
  return "validation";
}

}  // namespace

void add_eval_command(CLI::App& app, std::function<int()>& run) {
  struct Flags {
    std::string config;
    std::string checkpoint;
    std::string split;  ///< "": default_split
    std::vector<std::string> assertions;
    std::vector<std::string> overrides;
    std::string device;
    bool json = false;
    bool confusion = false;
    bool no_ema = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("eval", "evaluate a checkpoint; --assert makes it a CI gate (exit 1 on failure)");
  cmd->add_option("config", flags->config, "the YAML config, or a checkpoint alone (its stored config is used)")
      ->required();
  cmd->add_option("--checkpoint", flags->checkpoint,
                  "the .safetensors checkpoint (with a YAML config; without it, the config's finetune.init_from "
                  "model as imported)");
  cmd->add_option("--data", flags->split,
                  "the split: test, validation or train (default: test; validation when the config has no test data)");
  cmd->add_option("--assert", flags->assertions, "a condition such as \"accuracy>=0.88\" (repeatable)");
  cmd->add_option("--set", flags->overrides, "override a value: key.path=value (repeatable)");
  add_device_option(*cmd, flags->device);
  add_no_ema_flag(*cmd, flags->no_ema);
  cmd->add_flag("--json", flags->json, "print the metrics as JSON");
  cmd->add_flag("--confusion", flags->confusion,
                "also the confusion matrix (rows: true class, columns: predicted), classification losses only");
  cmd->callback([flags, &run] {
    run = [flags] {
      std::vector<Assertion> assertions;
      for (const auto& a : flags->assertions) assertions.push_back(parse_assertion(a));
      const CheckpointRun opened = open_checkpoint_run(
          flags->config, flags->checkpoint, with_device(flags->overrides, flags->device), "eval", !flags->no_ema);
      const bx::Checkpoint& checkpoint = opened.checkpoint;
      const bx::PreparedRun& prepared = opened.prepared;
      const bx::RunConfig& run_config = prepared.run;
      const std::string split = flags->split.empty() ? default_split(run_config.data) : flags->split;
      if (flags->confusion && bx::loss_task(run_config.loss.type) != bx::LossTask::classification) {
        throw bx::ConfigError(fmt::format("--confusion needs a classification loss; this run's loss '{}' is a {} loss",
                                          run_config.loss.type, bx::task_name(bx::loss_task(run_config.loss.type))));
      }
      const bx::TensorDataset data =
          bx::load_split(run_config.data, run_config.seed, split, bx::Vocabulary::find(checkpoint.params));
      bx::Loader loader(data, bx::evaluation_loader_settings(run_config.data), bx::evaluation_transforms(run_config.data));
      const c10::Device device = bx::resolve_device(run_config.device);
      const bx::EvalSums sums =
          bx::evaluation_sums(*prepared.model.layer, bx::params_to_device(checkpoint.params, device), loader,
                              bx::make_loss(run_config.loss), device, bx::precision_from_name(run_config.train.precision),
                              flags->confusion);
      const bx::Metrics metrics = bx::metrics_of(sums, run_config.metrics);
      int failed = 0;
      nlohmann::json results = nlohmann::json::array();
      for (const auto& a : assertions) {
        auto it = metrics.find(a.metric);
        if (it == metrics.end()) {
          throw bx::ConfigError(fmt::format("--assert '{}{}{}': no metric '{}' (this config computes: {})", a.metric, a.op,
                                            a.value, a.metric, bx::format_metrics(metrics)));
        }
        const bool ok = holds(a, it->second);
        failed += ok ? 0 : 1;
        results.push_back({{"assertion", fmt::format("{}{}{}", a.metric, a.op, a.value)}, {"value", it->second}, {"ok", ok}});
        const std::string verdict =
            fmt::format("{} {}{}{} (got {:.4f})\n", ok ? "PASS" : "FAIL", a.metric, a.op, a.value, it->second);
        if (!flags->json) fmt::print("{}", verdict);
        else if (!ok) fmt::print(stderr, "{}", verdict);  // stdout stays pure JSON
      }
      if (flags->json) {
        nlohmann::json out{{"split", split}, {"step", checkpoint.step}, {"ema", opened.ema}, {"metrics", metrics},
                           {"assertions", results}};
        if (flags->confusion) out["confusion"] = bx::confusion_matrix(sums);
        std::cout << out.dump(2) << "\n";
      } else {
        fmt::print("{} split, step {}{}: {}\n", split, checkpoint.step, opened.ema ? ", EMA weights" : "",
                   bx::format_metrics(metrics));
        if (flags->confusion) fmt::print("\nconfusion matrix\n{}", bx::format_confusion(bx::confusion_matrix(sums)));
      }
      return failed > 0 ? 1 : 0;
    };
  });
}

}  // namespace blox_app
