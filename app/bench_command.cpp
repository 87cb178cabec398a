// blox bench CONFIG: milliseconds per phase of a training step on one real batch (like `caffe time`).
#include <iostream>
#include <memory>

#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "blox/config/model_builder.h"
#include "blox/runtime/compute_threads.h"
#include "blox/runtime/device.h"
#include "blox/inspect/step_timing.h"
#include "commands.h"

namespace blox_app {

void add_bench_command(CLI::App& app, std::function<int()>& run) {
  struct Flags {
    std::string config;
    std::vector<std::string> overrides;
    int iterations = 20;
    int warmup = 3;
    int threads = 0;
    std::string device;
    bool json = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("bench", "time forward, backward and a whole training step of a config's model");
  cmd->add_option("config", flags->config, "the YAML config")->required();
  cmd->add_option("--set", flags->overrides, "override a value: key.path=value (repeatable)");
  cmd->add_option("--iterations", flags->iterations, "timed iterations per phase (the median is reported)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--warmup", flags->warmup, "untimed iterations first")->check(CLI::NonNegativeNumber);
  cmd->add_option("--threads", flags->threads, "libtorch intra-op and OpenBLAS threads (overrides the config)")
      ->check(CLI::NonNegativeNumber);
  add_device_option(*cmd, flags->device);
  cmd->add_flag("--json", flags->json, "print the timings as JSON");
  cmd->callback([flags, &run] {
    run = [flags] {
      std::vector<std::string> overrides = with_device(flags->overrides, flags->device);
      if (flags->threads > 0) overrides.push_back(fmt::format("threads={}", flags->threads));
      const bx::PreparedRun prepared = bx::prepare_run(flags->config, overrides);
      if (prepared.run.threads > 0) bx::set_compute_threads(static_cast<int>(prepared.run.threads));
      const bx::StepTimings t = bx::time_training_step(prepared, flags->iterations, flags->warmup,
                                                       bx::resolve_device(prepared.run.device));
      const std::vector<std::pair<const char*, double>> phases = {{"forward (train)", t.forward_ms},
                                                                  {"forward + backward", t.forward_backward_ms},
                                                                  {"train step", t.step_ms},
                                                                  {"forward (eval)", t.eval_forward_ms}};
      if (flags->json) {
        nlohmann::json out = {{"batch_size", t.batch_size}, {"iterations", t.iterations},
                              {"threads", at::get_num_threads()}, {"precision", t.precision}, {"device", t.device}};
        if (const auto blas = bx::openblas_threads()) out["openblas_threads"] = *blas;
        for (const auto& [name, ms] : phases) out["ms"][name] = ms;
        std::cout << out.dump(2) << "\n";
        return 0;
      }
      fmt::print("{}: batch {}, {}, {}, {} thread(s), median of {} after {} warm-up\n", flags->config, t.batch_size,
                 t.device, t.precision, at::get_num_threads(), t.iterations, flags->warmup);
      for (const auto& [name, ms] : phases) {
        fmt::print("  {:<20} {:9.3f} ms  {:10.0f} examples/s\n", name, ms, static_cast<double>(t.batch_size) / ms * 1e3);
      }
      return 0;
    };
  });
}

}  // namespace blox_app
