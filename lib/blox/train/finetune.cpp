#include "blox/train/finetune.h"

#include <map>

#include <fmt/format.h>

#include "blox/core/errors.h"
#include "blox/core/path_rename.h"
#include "blox/core/shape.h"
#include "blox/io/checkpoint.h"

namespace bx {
namespace {

// Randomness (dropout masks) follows the fine-tuning run's own seed, not the source run's.
bool is_rng_state(const Param& p) {
  auto tag = p.meta.find("tag");
  return tag != p.meta.end() && (tag->second == "rng_seed" || tag->second == "rng_counter");
}

}  // namespace

FinetuneStart init_from_checkpoint(const Params& fresh, const FinetuneConfig& finetune) {
  const Checkpoint source = load_checkpoint(finetune.init_from);
  std::map<std::string, at::Tensor> available;
  for (size_t i = 0; i < source.params.size(); ++i) {
    if (is_rng_state(source.params.param(i))) continue;
    std::string path = source.params.key(i);
    for (const auto& [from, to] : finetune.rename) {
      if (auto renamed = apply_rename(from, to, path)) {
        path = *renamed;
        break;
      }
    }
    available[path] = source.params.param(i).value;
  }
  int copied = 0, created = 0, skipped = 0, own_rng = 0;
  std::string lines;
  Params params = fresh.map([&](const std::string& path, const Param& p) {
    if (is_rng_state(p)) {
      ++own_rng;
      return p.value;
    }
    auto it = available.find(path);
    if (it == available.end()) {
      ++created;
      lines += fmt::format("\n  new      {}", path);
      return p.value;
    }
    if (it->second.sizes() != p.value.sizes()) {
      ++skipped;
      lines += fmt::format("\n  skipped  {} (checkpoint {}, model {})", path, format_shape(it->second.sizes()),
                           format_shape(p.value.sizes()));
      return p.value;
    }
    ++copied;
    return it->second.to(p.value.scalar_type());
  });
  const int64_t unused = static_cast<int64_t>(available.size()) - copied - skipped;
  if (finetune.strict && (created > 0 || skipped > 0 || unused > 0)) {
    throw ConfigError(fmt::format("finetune.strict: {} new, {} skipped and {} unused params; expected an exact match",
                                  created, skipped, unused));
  }
  return {std::move(params),
          fmt::format("init_from {}: {} copied, {} new, {} skipped (shape), {} in the checkpoint unused; {} Rng "
                      "params from this run's seed{}",
                      finetune.init_from, copied, created, skipped, unused, own_rng, lines)};
}

}  // namespace bx
