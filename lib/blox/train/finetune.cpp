#include "blox/train/finetune.h"

#include <map>
#include <set>

#include <ATen/ops/isfinite.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "blox/core/errors.h"
#include "blox/core/memory_layout.h"
#include "blox/core/path_rename.h"
#include "blox/core/run_state.h"
#include "blox/core/shape.h"
#include "blox/io/checkpoint.h"
#include "blox/io/safetensors.h"
#include "blox/io/weights_file.h"
#include "blox/train/ema.h"
#include "blox/io/pytorch_layout.h"

namespace bx {
namespace {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// A value for one param of the model, in its layout, and the file's keys it came from.
struct Source {
  at::Tensor value;
  std::vector<std::string> keys;
};

// The file's tensors matched to the model's param paths, and every key that counts as used or unused.
struct Matched {
  std::map<std::string, Source> by_path;
  std::vector<std::string> keys;
};

std::optional<std::string> renamed(const FinetuneConfig& finetune, const std::string& path) {
  for (const auto& [from, to] : finetune.rename) {
    if (auto result = apply_rename(from, to, path)) return result;
  }
  return std::nullopt;
}

// Two keys onto one path would make the copy depend on file order.
void claim(std::map<std::string, std::string>& owner, const std::string& path, const std::string& key,
           const std::string& file) {
  auto [it, fresh] = owner.emplace(path, key);
  if (!fresh && it->second != key) {
    throw ConfigError(fmt::format("{}: finetune.rename maps both '{}' and '{}' onto {}; expected one source each",
                                  file, it->second, key, path));
  }
}

// layout blox: keys are param paths, renamed as a whole.
Matched match_by_path(const NamedTensors& tensors, const FinetuneConfig& finetune) {
  Matched m;
  std::map<std::string, std::string> owner;
  for (const auto& [key, value] : tensors) {
    const std::string path = renamed(finetune, key).value_or(key);
    claim(owner, path, key, finetune.init_from);
    m.by_path[path] = {value, {key}};
    m.keys.push_back(key);
  }
  return m;
}

// layout pytorch: keys are module.tensor; the module is renamed onto a layer's node (unmatched:
// model/<module>), and each of the layer's params is made from the module's tensors.
Matched match_pytorch(const NamedTensors& tensors, const Params& fresh, const FinetuneConfig& finetune) {
  struct Module {
    std::string name;  // as the state dict writes it
    std::map<std::string, at::Tensor> tensors;
  };
  Matched m;
  std::map<std::string, Module> by_node;
  std::map<std::string, std::string> owner;
  for (const auto& [key, value] : tensors) {
    const auto [module, tensor] = split_pytorch_key(key);
    if (is_pytorch_bookkeeping(tensor)) continue;
    m.keys.push_back(key);
    if (module.empty()) continue;  // a parameter of the root module: no layer to map it to
    const std::string node = renamed(finetune, module).value_or("model/" + module);
    const std::string name = key.substr(0, key.size() - tensor.size() - 1);
    claim(owner, node, name, finetune.init_from);
    by_node[node].name = name;
    by_node[node].tensors[tensor] = value;
  }
  // Each layer's params by name: the conversion tells kinds apart by them.
  std::map<std::string, std::map<std::string, at::Tensor>> layers;
  for (size_t i = 0; i < fresh.size(); ++i) {
    const std::string& path = fresh.key(i);
    const size_t slash = path.rfind('/');
    if (slash != std::string::npos) layers[path.substr(0, slash)][path.substr(slash + 1)] = fresh.param(i).value;
  }
  for (const auto& [node, params] : layers) {
    auto module = by_node.find(node);
    if (module == by_node.end()) continue;
    const std::string& name = module->second.name;
    for (const auto& [param, value] : params) {
      const auto converted = from_pytorch(param, params, module->second.tensors,
                                          fmt::format("{}: PyTorch module '{}'", finetune.init_from, name));
      if (!converted) continue;
      Source& source = m.by_path[node + "/" + param];
      source.value = converted->value;
      for (const auto& tensor : converted->names) source.keys.push_back(name + "." + tensor);
    }
  }
  return m;
}

struct SourceTensors {
  NamedTensors tensors;
  bool ema = false;  ///< a checkpoint's EMA weights stand in for its params
};

// The tensors of init_from with their names: a blox checkpoint's params but the run's own, as its
// evaluations saw them (its EMA weights where it has them, unless !use_ema), or every tensor of a
// file another framework wrote.
SourceTensors read_source(const FinetuneConfig& finetune, bool use_ema) {
  const bool pytorch = finetune.layout == "pytorch";
  SourceTensors source;
  if (weights_origin(finetune.init_from) == WeightsOrigin::blox) {
    if (pytorch) {
      throw ConfigError(fmt::format("{}: a blox checkpoint, but finetune.layout is pytorch (for PyTorch state dicts); "
                                    "hint: remove finetune.layout",
                                    finetune.init_from));
    }
    const Checkpoint checkpoint = load_checkpoint(finetune.init_from);
    const Params params = evaluation_params(checkpoint.params, use_ema, finetune.init_from);
    for (size_t i = 0; i < params.size(); ++i) {
      if (!is_run_state(params.param(i))) source.tensors.emplace_back(params.key(i), params.param(i).value);
    }
    source.ema = use_ema && has_ema(checkpoint.params);
    return source;
  }
  source.tensors = read_safetensors(finetune.init_from).tensors;
  // Another framework's weights are checked as blox's own checkpoints are: a NaN or an infinity
  // would train (or evaluate) to loss nan without a word.
  for (const auto& [key, tensor] : source.tensors) {
    if (at::isFloatingType(tensor.scalar_type()) && !at::isfinite(tensor).all().item<bool>()) {
      throw CheckpointError(fmt::format("{}: tensor '{}' holds NaN or infinite values", finetune.init_from, key));
    }
  }
  return source;
}

std::string joined(const std::vector<std::string>& keys) { return fmt::format("{}", fmt::join(keys, " + ")); }

}  // namespace

FinetuneStart init_from_checkpoint(const Params& fresh, const FinetuneConfig& finetune, bool use_ema) {
  const bool pytorch = finetune.layout == "pytorch";
  const SourceTensors source = read_source(finetune, use_ema);
  const NamedTensors& tensors = source.tensors;
  const Matched matched = pytorch ? match_pytorch(tensors, fresh, finetune) : match_by_path(tensors, finetune);
  int copied = 0, created = 0, skipped = 0, own_rng = 0;
  bool own_vocabulary = false;
  std::set<std::string> used;
  std::string lines;
  Params params = fresh.map([&](const std::string& path, const Param& p) {
    if (is_run_state(p)) {
      if (p.meta.at("tag") == "vocabulary") {
        own_vocabulary = true;
      } else {
        ++own_rng;
      }
      return p.value;
    }
    auto it = matched.by_path.find(path);
    if (it == matched.by_path.end()) {
      ++created;
      lines += fmt::format("\n  new      {}", path);
      return p.value;
    }
    const Source& source = it->second;
    used.insert(source.keys.begin(), source.keys.end());
    // The file's names, where they are not the path itself.
    const std::string from = source.keys == std::vector<std::string>{path} ? "" : " <- " + joined(source.keys);
    if (source.value.sizes() != p.value.sizes()) {
      ++skipped;
      lines += fmt::format("\n  skipped  {}{} (checkpoint {}{}, model {})", path, from, format_shape(source.value.sizes()),
                           pytorch ? " in blox's layout" : "", format_shape(p.value.sizes()));
      return p.value;
    }
    ++copied;
    if (!from.empty()) lines += fmt::format("\n  copied   {}{}", path, from);
    return in_layout_of(source.value.to(p.value.scalar_type()), p.value);
  });
  int unused = 0;
  for (const auto& key : matched.keys) {
    if (used.count(key) == 0) {
      ++unused;
      lines += fmt::format("\n  unused   {}", key);
    }
  }
  // A state dict read as blox paths matches nothing: say what the keys look like.
  if (!pytorch && copied == 0 && !matched.keys.empty() && matched.keys[0].find('/') == std::string::npos &&
      matched.keys[0].find('.') != std::string::npos) {
    lines += "\n  hint: these keys look like a PyTorch state dict's; set finetune.layout: pytorch";
  }
  if (finetune.strict && (created > 0 || skipped > 0 || unused > 0)) {
    throw ConfigError(fmt::format("finetune.strict: {} new, {} skipped and {} unused params; expected an exact match "
                                  "with {}:{}",
                                  created, skipped, unused, finetune.init_from, lines));
  }
  return {std::move(params),
          fmt::format("init_from {}{}: {} copied, {} new, {} skipped (shape), {} in the checkpoint unused; {} Rng "
                      "params from this run's seed{}{}",
                      finetune.init_from, pytorch ? " (PyTorch layout)" : source.ema ? " (its EMA weights)" : "",
                      copied, created, skipped, unused, own_rng,
                      own_vocabulary ? ", the vocabulary from its data" : "", lines),
          copied, source.ema};
}

FinetuneStart starting_params(const Params& fresh, const std::optional<Vocabulary>& vocabulary,
                              const FinetuneConfig& finetune, bool use_ema) {
  const Params params = vocabulary ? vocabulary->store(fresh.unlocked()).locked() : fresh;
  if (finetune.init_from.empty()) return {params, "", 0};
  return init_from_checkpoint(params, finetune, use_ema);
}

}  // namespace bx
