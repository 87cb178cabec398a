// The umbrella header: the public library a program needs, grouped by folder (lower first).
// A program trains from a config with prepare_run + train, loads a trained model with
// load_trained_model, evaluates or predicts with it, and exports it with export_onnx; or builds
// layers, params and steps by hand (app/examples/train_mlp.cpp).
#pragma once

// core: graph, params, modules, Rng, initializers, errors
#include "blox/core/errors.h"
#include "blox/core/glob.h"
#include "blox/core/grad.h"
#include "blox/core/graph.h"
#include "blox/core/init.h"
#include "blox/core/mode.h"
#include "blox/core/module.h"
#include "blox/core/padding.h"
#include "blox/core/params.h"
#include "blox/core/rng.h"
#include "blox/core/shape.h"
#include "blox/core/suggest.h"

// runtime: where a process computes
#include "blox/runtime/compute_threads.h"
#include "blox/runtime/device.h"
#include "blox/runtime/stop_signals.h"

// layers
#include "blox/layers/activation.h"
#include "blox/layers/attention.h"
#include "blox/layers/batch_norm.h"
#include "blox/layers/conv.h"
#include "blox/layers/dropout.h"
#include "blox/layers/embedding.h"
#include "blox/layers/flatten.h"
#include "blox/layers/linear.h"
#include "blox/layers/norm.h"
#include "blox/layers/pool.h"
#include "blox/layers/recurrent.h"
#include "blox/layers/residual.h"
#include "blox/layers/sequential.h"
#include "blox/layers/transformer.h"

// optim: optimizers, schedules, clipping, accumulation, losses
#include "blox/optim/accumulation.h"
#include "blox/optim/adagrad.h"
#include "blox/optim/adam.h"
#include "blox/optim/clipping.h"
#include "blox/optim/lion.h"
#include "blox/optim/loss.h"
#include "blox/optim/optimizer.h"
#include "blox/optim/rmsprop.h"
#include "blox/optim/schedule.h"
#include "blox/optim/sgd.h"

// data: readers, transforms, the loader
#include "blox/data/csv.h"
#include "blox/data/dataset.h"
#include "blox/data/idx.h"
#include "blox/data/loader.h"
#include "blox/data/text.h"
#include "blox/data/transforms.h"

// metrics
#include "blox/metrics/catalogue.h"
#include "blox/metrics/evaluation.h"

// config: a run from YAML (prepare_run)
#include "blox/config/model_builder.h"

// io: checkpoints, safetensors, param tables
#include "blox/io/checkpoint.h"
#include "blox/io/param_table.h"
#include "blox/io/safetensors.h"

// train: one step, or a whole run (prepare_training, train)
#include "blox/train/run_start.h"
#include "blox/train/train_step.h"
#include "blox/train/trainer.h"

// infer: a trained model (load_trained_model), evaluated, predicting, generating
#include "blox/infer/evaluate.h"
#include "blox/infer/generate.h"
#include "blox/infer/prediction_run.h"
#include "blox/infer/trained_model.h"

// inspect and export
#include "blox/export/onnx_export.h"
#include "blox/inspect/model_summary.h"
