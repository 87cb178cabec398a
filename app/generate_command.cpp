// blox generate CHECKPOINT (or CONFIG --checkpoint FILE): text sampled from a character language
// model, written to standard output character by character as it is drawn.
#include <unistd.h>

#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/core/utf8.h"
#include "blox/runtime/device.h"
#include "blox/infer/generate.h"
#include "blox/infer/trained_model.h"
#include "commands.h"

namespace blox_app {

void add_generate_command(CLI::App& app, std::function<int()>& run) {
  struct Flags {
    std::string target;
    std::string checkpoint;
    std::string prompt;
    bx::GenerateOptions options;
    std::vector<std::string> overrides;
    std::string device;
    int threads = 0;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand(
      "generate",
      "sample text from a character language model, streamed as it is drawn. LSTM / GRU models carry their state "
      "from character to character; models with attention (or other layers that mix positions) are re-run on the "
      "last data.sequence_length characters at every step");
  add_model_options(*cmd, flags->target, flags->checkpoint);
  cmd->add_option("--prompt", flags->prompt,
                  "the text to continue, printed first; empty (the default): the text starts as if after a line break");
  cmd->add_option("--length", flags->options.length, "characters to generate (default 200)");
  cmd->add_option("--temperature", flags->options.sampling.temperature,
                  "the logits are divided by it: below 1 safer, above 1 wilder; 0: always the most likely character "
                  "(default 1)");
  cmd->add_option("--top-k", flags->options.sampling.top_k,
                  "draw among the K most likely characters only (default 0: among all)");
  cmd->add_option("--seed", flags->options.seed, "the same seed gives the same text (default 0)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--set", flags->overrides, "override a value of the config: key.path=value (repeatable)");
  add_device_option(*cmd, flags->device);
  add_threads_option(*cmd, flags->threads);
  cmd->callback([flags, &run] {
    run = [flags] {
      bx::check_generate_options(flags->options);  // before the model is loaded
      if (const auto bad = bx::invalid_utf8_at(flags->prompt)) {
        throw bx::ConfigError(fmt::format("generate --prompt: invalid UTF-8 at byte {}", *bad));
      }
      const bx::TrainedModel opened = bx::load_trained_model(flags->target, flags->checkpoint,
                                                             with_threads(with_device(flags->overrides, flags->device), flags->threads), "generate");
      const std::optional<bx::Vocabulary> vocabulary = bx::Vocabulary::find(opened.checkpoint.params);
      if (!vocabulary) throw bx::ConfigError("generate needs a text model: the checkpoint has no vocabulary");
      const bx::RunConfig& run_config = opened.prepared.run;
      const c10::Device device = bx::resolve_device(run_config.device);
      const std::unique_ptr<bx::TextContext> context =
          bx::text_context(*opened.prepared.model.layer, bx::params_to_device(opened.checkpoint.params, device),
                           run_config.data.sequence_length, device);
      const at::Tensor prompt = bx::prompt_ids(*vocabulary, bx::decode_utf8(flags->prompt));
      std::cout << flags->prompt << std::flush;
      bx::generate_text(*context, *vocabulary, prompt, flags->options,
                        [](char32_t c) { std::cout << bx::to_utf8(std::u32string(1, c)) << std::flush; });
      // Piped, the output is the text exactly; on a terminal the shell's prompt goes on a line of its own.
      if (::isatty(STDOUT_FILENO)) std::cout << "\n";
      return 0;
    };
  });
}

}  // namespace blox_app
