// EMA of the params (train.ema): an exponential moving average of every trainable param, kept as
// non-trainable state under "ema/" (so it checkpoints, resumes and inspects like the rest), and
// the params a trained model is evaluated with.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "blox/config/run_config.h"
#include "blox/core/params.h"

namespace bx {

/// Where the average of the param at `param_path` lives: "ema/" + param_path.
std::string ema_path(const std::string& param_path);
/// True for a path under "ema/".
bool is_ema_path(const std::string& path);
/// True when `params` hold an average (a checkpoint of a run with train.ema).
bool has_ema(const Params& params);

/// A fresh average of `trainable`: each param at p copied (a buffer of its own) to ema/p,
/// non-trainable, tagged "ema", in the same order and with the same locked flag. Frozen params
/// are not trainable, so they get none.
Params start_ema(const Params& trainable);

/// The decay of the update that makes `step` (1 at the first update): `settings.decay`, with
/// `warmup` min(decay, (1 + step) / (10 + step)).
double ema_decay(const EmaConfig& settings, int64_t step);

/// `ema` after the update that made `step`: each ema/p <- d * ema/p + (1 - d) * p for every
/// trainable p, d = ema_decay(settings, step) (computed as lerp(ema, p, 1 - d)). Takes `ema` by
/// rvalue: a buffer it alone holds is updated in place. ParamsError when a trainable param has
/// no average or differs from it in shape.
Params update_ema(Params&& ema, const Params& trainable, const EmaConfig& settings, int64_t step);

/// (`params` without their averages, the averages), each in order with the locked flag.
std::pair<Params, Params> split_ema(const Params& params);

/// The params a model runs with: with `use_ema`, every param that has an average takes its value
/// (non-trainable state such as batch-norm statistics stays as it is); the ema/ entries are
/// dropped either way. CheckpointError naming `source` (the file, when there is one) and the path
/// for an average whose param is missing or differs in shape or dtype.
Params evaluation_params(const Params& params, bool use_ema, const std::string& source = "");

}  // namespace bx
