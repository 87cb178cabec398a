// blox eval CONFIG --checkpoint FILE (or CHECKPOINT alone): metrics on a split, with assertions for CI gates,
// and with --confusion the confusion matrix of a classifier.
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "blox/infer/evaluate.h"
#include "blox/metrics/confusion.h"
#include "commands.h"

namespace blox_app {

void add_eval_command(CLI::App& app, std::function<int()>& run) {
  struct Flags {
    std::string config;
    std::string checkpoint;
    std::string split;  ///< "": bx::default_split
    std::vector<std::string> assertions;
    std::vector<std::string> overrides;
    std::string device;
    int threads = 0;
    bool json = false;
    bool confusion = false;
    bool no_ema = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("eval", "evaluate a checkpoint; --assert makes it a CI gate (exit 1 on failure)");
  add_model_options(*cmd, flags->config, flags->checkpoint);
  cmd->add_option("--data", flags->split,
                  "the split: test, validation or train (default: test; validation when the config has no test data)");
  cmd->add_option("--assert", flags->assertions, "a condition such as \"accuracy>=0.88\" (repeatable)");
  cmd->add_option("--set", flags->overrides, "override a value: key.path=value (repeatable)");
  add_device_option(*cmd, flags->device);
  add_threads_option(*cmd, flags->threads);
  add_no_ema_flag(*cmd, flags->no_ema);
  cmd->add_flag("--json", flags->json, "print the metrics as JSON");
  cmd->add_flag("--confusion", flags->confusion,
                "also the confusion matrix (rows: true class, columns: predicted), classification losses only");
  cmd->callback([flags, &run] {
    run = [flags] {
      std::vector<bx::Assertion> assertions;
      for (const auto& a : flags->assertions) assertions.push_back(bx::Assertion::parse(a));
      const bx::TrainedModel model = bx::load_trained_model(
          flags->config, flags->checkpoint, with_threads(with_device(flags->overrides, flags->device), flags->threads), "eval", !flags->no_ema);
      const bx::Evaluation evaluation = bx::evaluate(model, flags->split, flags->confusion);
      if (!evaluation.note.empty()) fmt::print(stderr, "{}\n", evaluation.note);  // stdout may carry JSON
      const std::vector<bx::AssertionResult> results = bx::check_assertions(assertions, evaluation.metrics);
      nlohmann::json verdicts = nlohmann::json::array();
      int failed = 0;
      for (const bx::AssertionResult& r : results) {
        failed += r.ok ? 0 : 1;
        verdicts.push_back({{"assertion", r.assertion.text()}, {"value", r.value}, {"ok", r.ok}});
        const std::string verdict = fmt::format("{} {} (got {:.4f})\n", r.ok ? "PASS" : "FAIL", r.assertion.text(), r.value);
        if (!flags->json) fmt::print("{}", verdict);
        else if (!r.ok) fmt::print(stderr, "{}", verdict);  // stdout stays pure JSON
      }
      if (flags->json) {
        nlohmann::json out{{"split", evaluation.split}, {"step", model.checkpoint.step}, {"ema", model.ema},
                           {"metrics", evaluation.metrics}, {"assertions", verdicts}};
        if (flags->confusion) {
          out["confusion"] = bx::confusion_matrix(evaluation.sums);
          const auto& names = model.prepared.run.data.class_names;
          if (!names.empty()) out["class_names"] = names;
        }
        std::cout << out.dump(2) << "\n";
      } else {
        fmt::print("{} split, step {}{}: {}\n", evaluation.split, model.checkpoint.step, model.ema ? ", EMA weights" : "",
                   bx::format_metrics(evaluation.metrics));
        if (flags->confusion) {
          fmt::print("\nconfusion matrix\n{}", bx::format_confusion(bx::confusion_matrix(evaluation.sums),
                                                                        model.prepared.run.data.class_names));
        }
      }
      return failed > 0 ? 1 : 0;
    };
  });
}

}  // namespace blox_app
