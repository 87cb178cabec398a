// blox export CHECKPOINT (or CONFIG --checkpoint FILE): the trained model as an ONNX file, or its
// weights as a PyTorch state dict (--format pytorch-safetensors).
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "blox/export/onnx_export.h"
#include "blox/export/pytorch_export.h"
#include "blox/infer/trained_model.h"
#include "blox/io/output_path.h"
#include "commands.h"

namespace blox_app {

void add_export_command(CLI::App& app, std::function<int()>& run) {
  struct Flags {
    std::string target;
    std::string checkpoint;
    std::string output;
    std::string format = "onnx";
    bx::OnnxExportOptions options;
    std::vector<std::string> overrides;
    bool no_ema = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand(
      "export", "write a checkpoint's model (eval mode) as an ONNX file, or its weights as a PyTorch state dict");
  add_model_options(*cmd, flags->target, flags->checkpoint);
  cmd->add_option("--format", flags->format,
                  "onnx (the model), or pytorch-safetensors (its weights as a PyTorch state dict: module names are the "
                  "layers' paths, '.' for '/'; load_state_dict(strict=True) into the PyTorch model named so)")
      ->check(CLI::IsMember({"onnx", "pytorch-safetensors"}));
  cmd->add_option("-o,--output", flags->output,
                  "the file (default: the checkpoint's path with .onnx, or .pytorch.safetensors)")
      ->check(non_empty_path());
  std::vector<CLI::Option*> onnx_only;
  onnx_only.push_back(cmd->add_option("--opset", flags->options.opset,
                                      fmt::format("the ONNX opset, {} to {} (default {})", bx::kMinOnnxOpset,
                                                  bx::kMaxOnnxOpset, bx::kMaxOnnxOpset)));
  auto* dynamic =
      cmd->add_flag("--dynamic-batch", flags->options.dynamic_batch, "any batch size (axis 0 named \"batch\")");
  onnx_only.push_back(dynamic);
  onnx_only.push_back(
      cmd->add_option("--batch-size", flags->options.batch_size, "a fixed batch size (default 1)")->excludes(dynamic));
  onnx_only.push_back(
      cmd->add_flag("--include-preprocessing", flags->options.include_preprocessing,
                    "fold the data's evaluation transforms (normalize) into the model: it then takes raw inputs"));
  cmd->add_option("--set", flags->overrides, "override a value: key.path=value (repeatable)");
  add_no_ema_flag(*cmd, flags->no_ema);
  cmd->callback([flags, onnx_only, &run] {
    if (flags->format != "onnx") {
      for (const CLI::Option* option : onnx_only) {
        if (option->count() > 0) {
          throw CLI::ValidationError(option->get_name(), "is for --format onnx only");
        }
      }
    }
    run = [flags] {
      const bx::TrainedModel opened =
          bx::load_trained_model(flags->target, flags->checkpoint, flags->overrides, "export", !flags->no_ema);
      const std::string source = flags->checkpoint.empty() ? flags->target : flags->checkpoint;
      const bool onnx = flags->format == "onnx";
      const std::string output =
          flags->output.empty()
              ? std::filesystem::path(source).replace_extension(onnx ? ".onnx" : ".pytorch.safetensors").string()
              : flags->output;
      bx::require_replaceable_output(output, {flags->target, flags->checkpoint}, "export");
      if (!onnx) {
        const bx::PytorchExportSummary s = bx::export_pytorch_safetensors(opened.checkpoint.params, output);
        fmt::print("exported {} (step {}{}) to {}: {} tensors in PyTorch's state-dict layout, {:.2f} MB\n", source,
                   opened.checkpoint.step, opened.ema ? ", EMA weights" : "", output, s.tensors,
                   static_cast<double>(s.bytes) / 1e6);
        return 0;
      }
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
