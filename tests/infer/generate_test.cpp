// blox generate and the library under it: sampling, the carried recurrent state against
// re-running the whole text, greedy output against the model's own argmax, determinism, errors.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <tuple>

#include "blox/config/model_builder.h"
#include "blox/infer/generate.h"
#include "support/helpers.h"
#include "support/run_helpers.h"

namespace fs = std::filesystem;
using namespace bx;
using namespace bx::test;

namespace {

// A tiny character model of the licence corpus: 16 positions a window, `layers` (YAML list items);
// 200 steps (about a second) make its greedy text more than spaces.
std::string text_config(const std::string& layers) {
  return "seed: 0\nthreads: 1\ndata:\n  format: text\n  train: " +
         test::source_path("datasets/licenses-corpus/corpus.txt") +
         "\n  sequence_length: 16\n  batch_size: 16\nmodel:\n  layers:\n" + layers +
         "loss: {type: cross_entropy}\noptimizer: {type: adam, learning_rate: 0.01}\n"
         "train: {epochs: 1, max_steps: 200, log_every_steps: 0}\ncheckpoint: {dir: run}\n";
}

const std::string kLstm =
    "    - {type: embedding, name: embed, features: 16}\n"
    "    - {type: lstm, name: lstm, hidden_size: 32}\n"
    "    - {type: linear, name: logits, output_size: classes}\n";
const std::string kTransformer =
    "    - {type: embedding, name: embed, features: 16}\n"
    "    - {type: transformer_block, name: block, num_heads: 2}\n"
    "    - {type: layer_norm, name: ln_final}\n"
    "    - {type: tied_output, name: logits, embedding: embed}\n";
// Every kind of layer the stepping handles: GRU, an LSTM inside a nested Sequential, a Residual
// of per-position layers, norms, dropout.
const std::string kRecurrentMix =
    "    - {type: embedding, name: embed, features: 12}\n"
    "    - {type: gru, name: gru, hidden_size: 16}\n"
    "    - type: sequential\n      name: inner\n      layers:\n"
    "        - {type: lstm, name: lstm, hidden_size: 16, execution: unrolled}\n"
    "        - type: residual\n          layer:\n            type: sequential\n            layers:\n"
    "              - {type: layer_norm}\n              - {type: linear, output_size: 16}\n              - {type: gelu}\n"
    "    - {type: rms_norm}\n    - {type: dropout, rate: 0.1}\n"
    "    - {type: linear, name: logits, output_size: classes}\n";

// A directory holding `name`.yaml trained into run/ (once per process: the tests share it).
const fs::path& trained(const std::string& name, const std::string& layers) {
  static std::map<std::string, std::unique_ptr<RunDir>> runs;
  std::unique_ptr<RunDir>& run = runs[name];
  if (!run) {
    run = std::make_unique<RunDir>();
    write(run->path / (name + ".yaml"), text_config(layers));
    const Result result = blox(run->path, "train " + name + ".yaml --quiet");
    REQUIRE_MESSAGE(result.exit_code == 0, result.output);
  }
  return run->path;
}

// A model with its params (trained ones when `checkpoint` is given, else as initialized) and vocabulary.
struct Model {
  PreparedRun run;
  Params params;
  Vocabulary vocabulary;
};

Model load_model(const fs::path& config, const fs::path& checkpoint = {}) {
  if (checkpoint.empty()) {
    PreparedRun run = prepare_run(config.string());
    Params params = run.model.params;
    Vocabulary vocabulary = Vocabulary::from_text(read_utf8_file(run.run.data.train));
    return {std::move(run), std::move(params), std::move(vocabulary)};
  }
  Checkpoint saved = load_checkpoint(checkpoint.string());
  Vocabulary vocabulary = Vocabulary::load(saved.params);
  return {prepare_run(config.string(), {}, vocabulary), std::move(saved.params), std::move(vocabulary)};
}

// `blox generate ARGS` on dir's trained checkpoint: its output (the prompt, then the text).
std::string generate(const fs::path& dir, const std::string& args) {
  const Result result = blox(dir, "generate run/last.safetensors " + args);
  REQUIRE_MESSAGE(result.exit_code == 0, result.output);
  return result.output;
}

// Feeds `ids` to both contexts, the first `prompt` at once and then one at a time, and checks
// that their next-id logits agree after every append.
void check_same_logits(TextContext& a, TextContext& b, const at::Tensor& ids, int64_t prompt) {
  CHECK(close(a.append(ids.slice(0, 0, prompt)), b.append(ids.slice(0, 0, prompt)), 1e-5));
  for (int64_t i = prompt; i < ids.size(0); ++i) {
    CAPTURE(i);
    CHECK(close(a.append(ids.slice(0, i, i + 1)), b.append(ids.slice(0, i, i + 1)), 1e-5));
  }
}

// Checks stepping `model` against re-running all of its text at every step: the same logits
// after each character, so the same sampled text.
void check_stepping_is_exact(const Model& model) {
  const Layer& layer = *model.run.model.layer;
  const std::unique_ptr<TextContext> stepped = carried_state_context(layer, model.params, c10::kCPU);
  REQUIRE(stepped != nullptr);
  const std::unique_ptr<TextContext> whole = sliding_window_context(layer, model.params, 0, c10::kCPU);
  const GenerateOptions options{120, {1.0, 0}, 7};
  std::u32string emitted;
  const at::Tensor prompt = prompt_ids(model.vocabulary, U"The program ");
  const std::u32string text =
      generate_text(*stepped, model.vocabulary, prompt, options, [&](char32_t c) { emitted += c; });
  CHECK(text.size() == 120);
  CHECK(emitted == text);  // each character went out as it was drawn
  CHECK(generate_text(*whole, model.vocabulary, prompt, options) == text);
  // Fresh contexts over the prompt and that text, logits compared at every step.
  const at::Tensor ids = model.vocabulary.encode(U"The program " + text, "text");
  check_same_logits(*carried_state_context(layer, model.params, c10::kCPU),
                    *sliding_window_context(layer, model.params, 0, c10::kCPU), ids, 12);
}

// The model's own most likely next character after `text`, from a forward of its last `window`
// characters (0: all).
char32_t model_argmax(const Model& model, const std::u32string& text, int64_t window) {
  at::Tensor ids = model.vocabulary.encode(text, "text");
  if (window > 0 && ids.size(0) > window) ids = ids.slice(0, ids.size(0) - window);
  const at::Tensor logits = (*model.run.model.layer)(model.params, ids.unsqueeze(0), Mode::eval).first;
  return model.vocabulary.decode(logits[0][-1].argmax())[0];
}

}  // namespace

TEST_CASE("sample_next: the argmax at temperature 0; draws follow softmax(logits / temperature) among the top k") {
  const at::Tensor logits = at::log(at::tensor({1.0, 3.0, 6.0}, at::kFloat));
  at::Generator generator = make_generator(Key{1});
  // The frequency of each id over many draws.
  auto frequencies = [&](const SamplingOptions& options) {
    std::vector<double> counts(3, 0.0);
    const int draws = 20000;
    for (int i = 0; i < draws; ++i) ++counts[static_cast<size_t>(sample_next(logits, options, generator))];
    for (double& count : counts) count /= draws;
    return counts;
  };
  CHECK(sample_next(logits, {0.0, 0}, generator) == 2);
  CHECK(sample_next(logits, {1e-310, 0}, generator) == 2);  // logits / T alone would overflow to inf
  const std::vector<double> plain = frequencies({1.0, 0});
  CHECK(plain[0] == doctest::Approx(0.1).epsilon(0.1));
  CHECK(plain[1] == doctest::Approx(0.3).epsilon(0.05));
  CHECK(plain[2] == doctest::Approx(0.6).epsilon(0.05));
  // temperature 2: probabilities in proportion to sqrt(1), sqrt(3), sqrt(6)
  const double sum = 1 + std::sqrt(3.0) + std::sqrt(6.0);
  const std::vector<double> hot = frequencies({2.0, 0});
  CHECK(hot[0] == doctest::Approx(1 / sum).epsilon(0.05));
  CHECK(hot[2] == doctest::Approx(std::sqrt(6.0) / sum).epsilon(0.05));
  // top 2: id 0 never, the others renormalized (1/3, 2/3)
  const std::vector<double> top2 = frequencies({1.0, 2});
  CHECK(top2[0] == 0.0);
  CHECK(top2[1] == doctest::Approx(1.0 / 3).epsilon(0.05));
  CHECK(frequencies({1.0, 1})[2] == 1.0);
  CHECK(frequencies({1.0, 5})[0] == doctest::Approx(0.1).epsilon(0.1));  // k above V: all ids
  // The same generator state gives the same draws.
  at::Generator a = make_generator(Key{9}), b = make_generator(Key{9});
  for (int i = 0; i < 50; ++i) CHECK(sample_next(logits, {1.0, 0}, a) == sample_next(logits, {1.0, 0}, b));
  CHECK_THROWS_AS(sample_next(logits, {-0.5, 0}, generator), ConfigError);
  CHECK_THROWS_AS(sample_next(logits, {std::numeric_limits<double>::quiet_NaN(), 0}, generator), ConfigError);
  CHECK_THROWS_AS(sample_next(logits, {1.0, -1}, generator), ConfigError);
}

TEST_CASE("a stepped LSTM / GRU model carries exactly the state of re-running the whole text every step") {
  SUBCASE("a trained char LSTM") {
    const fs::path& dir = trained("lstm", kLstm);
    check_stepping_is_exact(load_model(dir / "lstm.yaml", dir / "run" / "last.safetensors"));
  }
  SUBCASE("GRU, an LSTM in a nested Sequential, a Residual of per-position layers (as initialized)") {
    RunDir dir;
    write(dir.path / "mix.yaml", text_config(kRecurrentMix));
    check_stepping_is_exact(load_model(dir.path / "mix.yaml"));
  }
  SUBCASE("attention cannot be stepped: the sliding window instead") {
    RunDir dir;
    write(dir.path / "transformer.yaml", text_config(kTransformer));
    const Model model = load_model(dir.path / "transformer.yaml");
    CHECK(carried_state_context(*model.run.model.layer, model.params, c10::kCPU) == nullptr);
    CHECK(text_context(*model.run.model.layer, model.params, 16, c10::kCPU)->describe().find("window of 16") !=
          std::string::npos);
  }
}

TEST_CASE("blox generate: the same seed gives the same text, other seeds other text") {
  using Named = std::pair<std::string, std::string>;
  for (const auto& [name, layers] : {Named{"lstm", kLstm}, Named{"transformer", kTransformer}}) {
    const std::string model_name = name;  // clang 14 cannot capture a structured binding (CAPTURE is a lambda)
    CAPTURE(model_name);
    const fs::path& dir = trained(name, layers);
    const std::string first = generate(dir, "--prompt 'The program ' --length 80 --seed 1");
    CHECK(first.size() == 12 + 80);  // the corpus is ASCII: one byte a character
    CHECK(first.rfind("The program ", 0) == 0);
    CHECK(generate(dir, "--prompt 'The program ' --length 80 --seed 1") == first);
    CHECK(generate(dir, "--prompt 'The program ' --length 80 --seed 2") != first);
    CHECK(generate(dir, "--prompt 'The program ' --length 80") != first);  // seed 0
  }
}

TEST_CASE("blox generate --temperature 0 writes the model's most likely next character each step; --top-k 1 too") {
  // the window of each model's independent forward: the transformer's sequence_length, the whole text for the LSTM
  using Named = std::tuple<std::string, std::string, int64_t>;
  for (const auto& [name, layers, window] : {Named{"lstm", kLstm, 0}, Named{"transformer", kTransformer, 16}}) {
    const std::string model_name = name;  // clang 14 cannot capture a structured binding (CAPTURE is a lambda)
    CAPTURE(model_name);
    const fs::path& dir = trained(name, layers);
    const std::string prompt = "This License ";
    const std::string greedy = generate(dir, "--prompt '" + prompt + "' --length 40 --temperature 0 --seed 5");
    REQUIRE(greedy.size() == prompt.size() + 40);
    // Independently: a forward of the model on the text so far (the last 16 characters for the
    // transformer, as sequence_length says; everything for the LSTM, whose state is carried).
    const Model model = load_model(dir / (name + ".yaml"), dir / "run" / "last.safetensors");
    const std::u32string text = decode_utf8(greedy);
    for (size_t i = prompt.size(); i < text.size(); ++i) {
      CAPTURE(i);
      CHECK(model_argmax(model, text.substr(0, i), window) == text[i]);
    }
    CHECK(generate(dir, "--prompt '" + prompt + "' --length 40 --temperature 0 --seed 6") == greedy);
    CHECK(generate(dir, "--prompt '" + prompt + "' --length 40 --top-k 1 --seed 5") == greedy);
    CHECK(generate(dir, "--prompt '" + prompt + "' --length 40 --seed 5") != greedy);  // sampling is on by default
  }
}

TEST_CASE("blox generate: an empty prompt starts a line; --length 0 writes the prompt alone") {
  const fs::path& dir = trained("lstm", kLstm);
  const std::string text = generate(dir, "--length 30 --seed 3");
  CHECK(text.size() == 30);  // the line break it starts after is not printed
  CHECK(generate(dir, "--prompt '\n' --length 30 --seed 3") == "\n" + text);
  CHECK(generate(dir, "--prompt 'The ' --length 0") == "The ");
  // A vocabulary without a line break needs a prompt.
  CHECK_THROWS_WITH_AS(prompt_ids(Vocabulary::from_text(U"abc"), U""), doctest::Contains("give a prompt"), ConfigError);
}

TEST_CASE("blox generate refuses, with exit 2 and one clear line: a model without vocabulary, unknown prompt "
          "characters, negative length, temperature or top-k") {
  const fs::path& dir = trained("lstm", kLstm);
  auto check_refused = [&](const fs::path& where, const std::string& args, const std::string& message) {
    CAPTURE(args);
    const Result result = blox(where, "generate " + args);
    CHECK(result.exit_code == 2);
    CHECK_MESSAGE(result.output.find(message) != std::string::npos, result.output);
    // one line: no libtorch trace, and nothing of the text (the prompt is checked before it is printed)
    CHECK_MESSAGE(std::count(result.output.begin(), result.output.end(), '\n') == 1, result.output);
  };
  check_refused(dir, "run/last.safetensors --prompt 'The Zebra'",
                "prompt: character 'Z' (U+005A) at position 4 is not in the vocabulary");
  check_refused(dir, "run/last.safetensors --length -1", "the length must be >= 0, got -1");
  check_refused(dir, "run/last.safetensors --temperature -0.5", "the temperature must be a finite number >= 0");
  check_refused(dir, "run/last.safetensors --temperature inf", "most likely character), got inf");
  check_refused(dir, "run/last.safetensors --top-k -2", "top-k must be >= 0 (0: no limit), got -2");
  check_refused(dir, "run/last.safetensors --prompt \"$(printf '\\377')\"", "--prompt: invalid UTF-8 at byte 0");
  const Result negative_seed = blox(dir, "generate run/last.safetensors --seed -1");
  CHECK(negative_seed.exit_code == 2);
  CHECK_MESSAGE(negative_seed.output.find("--seed: Value -1 not in range") != std::string::npos, negative_seed.output);
  // The same model through its config and --checkpoint works.
  CHECK(blox(dir, "generate lstm.yaml --checkpoint run/last.safetensors --length 5").exit_code == 0);

  RunDir mlp;
  write(mlp.path / "mlp.yaml", mlp_config(1, 0));
  REQUIRE(blox(mlp.path, "train mlp.yaml --quiet --set train.max_steps=1").exit_code == 0);
  check_refused(mlp.path, "run/last.safetensors", "generate needs a text model: the checkpoint has no vocabulary");
}
