"""blox eval's metrics against scikit-learn's functions on the same predictions.

Trains the sklearn-data configs a few steps (so the predictions are imperfect), takes blox's raw
outputs and targets of the held-out part (`blox predict --format safetensors`), and checks
`blox eval --json` against sklearn: accuracy, macro precision/recall/F1 (every class counted,
zero_division 0, as configs/README.md defines them), the confusion matrix and the log loss of a
classifier; rmse, mae and r2 of a regression. Relative tolerance 1e-6.

usage: metrics_check.py BLOX SOURCE_DIR WORK_DIR
"""
import json
import os
import sys

from interop_common import Check, fail, require, skip

np, metrics, safetensors_numpy = require("numpy", "sklearn.metrics", "safetensors.numpy")
check = Check(sys.argv)
DATA = "/usr/lib/python3/dist-packages/sklearn/datasets/data"
if not os.path.isdir(DATA):
    skip(f"{DATA} is absent (Debian's python3-sklearn; scripts/setup installs it)")


def close(name, blox, reference, what):
    if not abs(blox - reference) <= 1e-6 * max(1.0, abs(reference)):
        fail(f"{what}: blox {name} {blox!r}, sklearn {reference!r}")


def outputs_and_eval(name, config, metric_list, steps):
    trained = check.train(name, config, [f"metrics=[{', '.join(metric_list)}]"], steps=steps)
    path = check.path(f"{name}.safetensors")
    check.blox_run("predict", trained, "--data", "validation", "--format", "safetensors", "-o", path)
    tensors = safetensors_numpy.load_file(path)
    extra = ["--confusion"] if "accuracy" in metric_list else []
    report = json.loads(check.blox_run("eval", trained, "--data", "validation", "--json", *extra).stdout)
    return tensors["outputs"].astype(np.float64), tensors["targets"], report


for name, classes, steps in (("sklearn_wine", 3, 3), ("sklearn_breast_cancer", 2, 2)):
    logits, labels, report = outputs_and_eval(name, f"configs/{name}.yaml",
                                              ["loss", "accuracy", "precision", "recall", "f1"], steps)
    got = report["metrics"]
    predicted = logits.argmax(axis=1)
    every = list(range(classes))
    if (predicted == labels).all():
        fail(f"{name}: every prediction right after {steps} steps; the check would not see a wrong count")
    close("accuracy", got["accuracy"], metrics.accuracy_score(labels, predicted), name)
    for metric, function in (("precision", metrics.precision_score), ("recall", metrics.recall_score),
                             ("f1", metrics.f1_score)):
        close(metric, got[metric], function(labels, predicted, labels=every, average="macro", zero_division=0), name)
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    close("loss", got["loss"], metrics.log_loss(labels, probabilities, labels=every), name)
    matrix = metrics.confusion_matrix(labels, predicted, labels=every)
    if not np.array_equal(np.array(report["confusion"]), matrix):
        fail(f"{name}: blox confusion {report['confusion']}, sklearn {matrix.tolist()}")
    print(f"{name}: accuracy {got['accuracy']:.4f}, macro f1 {got['f1']:.4f}, loss {got['loss']:.4f} "
          f"= sklearn's; confusion {matrix.tolist()}")

outputs, targets, report = outputs_and_eval("sklearn_diabetes", "configs/sklearn_diabetes.yaml",
                                            ["loss", "rmse", "mae", "r2"], 20)
got = report["metrics"]
predicted = outputs.reshape(-1)
close("rmse", got["rmse"], float(np.sqrt(metrics.mean_squared_error(targets, predicted))), "sklearn_diabetes")
close("mae", got["mae"], metrics.mean_absolute_error(targets, predicted), "sklearn_diabetes")
close("r2", got["r2"], metrics.r2_score(targets, predicted), "sklearn_diabetes")
close("loss", got["loss"], metrics.mean_squared_error(targets, predicted), "sklearn_diabetes")
print(f"sklearn_diabetes: rmse {got['rmse']:.4f}, mae {got['mae']:.4f}, r2 {got['r2']:.4f} = sklearn's")
print("metrics checks passed")
