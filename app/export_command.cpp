// blox export CHECKPOINT (or CONFIG --checkpoint FILE): the trained model as an ONNX file.
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "blox/export/onnx_export.h"
#include "blox/infer/trained_model.h"
#include "blox/io/output_path.h"
#include "commands.h"

namespace blox_app {

void add_export_command(CLI::App& app, std::function<int()>& run) {
  struct Flags {
    std::string target;
    std::string checkpoint;
    std::string output;
    bx::OnnxExportOptions options;
    std::vector<std::string> overrides;
    bool no_ema = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("export", "write a checkpoint's model (eval mode) as an ONNX file");
  add_model_options(*cmd, flags->target, flags->checkpoint);
  cmd->add_option("-o,--output", flags->output, "the .onnx file (default: the checkpoint's path with .onnx)")
      ->check(non_empty_path());
  cmd->add_option("--opset", flags->options.opset,
                  fmt::format("the ONNX opset, {} to {} (default {})", bx::kMinOnnxOpset, bx::kMaxOnnxOpset,
                              bx::kMaxOnnxOpset));
  auto* dynamic =
      cmd->add_flag("--dynamic-batch", flags->options.dynamic_batch, "any batch size (axis 0 named \"batch\")");
  cmd->add_option("--batch-size", flags->options.batch_size, "a fixed batch size (default 1)")->excludes(dynamic);
  cmd->add_flag("--include-preprocessing", flags->options.include_preprocessing,
                "fold the data's evaluation transforms (normalize) into the model: it then takes raw inputs");
  cmd->add_option("--set", flags->overrides, "override a value: key.path=value (repeatable)");
  add_no_ema_flag(*cmd, flags->no_ema);
  cmd->callback([flags, &run] {
    run = [flags] {
      const bx::TrainedModel opened =
          bx::load_trained_model(flags->target, flags->checkpoint, flags->overrides, "export", !flags->no_ema);
      const std::string source = flags->checkpoint.empty() ? flags->target : flags->checkpoint;
      const std::string output =
          flags->output.empty() ? std::filesystem::path(source).replace_extension(".onnx").string() : flags->output;
      bx::require_replaceable_output(output, {flags->target, flags->checkpoint}, "export");
      bx::OnnxExportOptions options = flags->options;
      options.config = opened.checkpoint.config;
      options.step = opened.checkpoint.step;
      const bx::OnnxExportSummary s = bx::export_onnx(opened.prepared, opened.checkpoint.params, options, output);
      fmt::print("exported {} (step {}{}) to {}: {} {} -> {} {}; opset {}, {} nodes, {} initializers, {:.2f} MB\n",
                 source, options.step, opened.ema ? ", EMA weights" : "", output, s.input, s.input_shape, s.output,
                 s.output_shape, options.opset, s.nodes, s.initializers, static_cast<double>(s.bytes) / 1e6);
      return 0;
    };
  });
}

}  // namespace blox_app
