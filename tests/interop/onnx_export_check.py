"""blox export checked by ONNX's own checker and ONNX Runtime.

For every shipped config and for two models holding every exportable layer type: train a few
steps on the shipped subsets, export, run onnx.checker (full check), and compare ONNX Runtime's
outputs with blox's forward on real batches (`blox predict --format safetensors`):
|ort - blox| <= tol * (1 + |blox|), tol 1e-5 (1e-4 with recurrent layers), at several batch
sizes with --dynamic-batch. Also: a fixed batch size, opset 13 (decomposed layer norm), the
normalization or fitted standardization folded in (--include-preprocessing, fed the raw
inputs; the sklearn tables when installed), names and metadata, and
the errors of a bad opset.

usage: onnx_export_check.py BLOX SOURCE_DIR WORK_DIR
"""
import json
import os
import sys

from interop_common import Check, fail, require

np, onnx, ort, safetensors_numpy = require("numpy", "onnx", "onnxruntime", "safetensors.numpy")
check = Check(sys.argv)


def reference(checkpoint, split, name, limit=12):
    path = check.path(f"{name}.io.safetensors")
    check.blox_run("predict", checkpoint, "--data", split, "--format", "safetensors", "-o", path, "--limit", str(limit))
    return safetensors_numpy.load_file(path)


def compare(session, feeds, expected, tol, what):
    got = session.run(None, feeds)[0]
    if got.shape != expected.shape:
        fail(f"{what}: ONNX Runtime gave shape {got.shape}, blox {expected.shape}")
    error = np.abs(got - expected)
    worst = float((error / (1 + np.abs(expected))).max())
    if not worst <= tol:
        fail(f"{what}: |ort - blox| / (1 + |blox|) reaches {worst:.3g} > {tol} (max abs {error.max():.3g})")
    return float(error.max())


def check_export(name, checkpoint, split, tol, extra=(), batches=(12, 1, 5)):
    path = check.path(f"{name}.onnx")
    printed = check.blox_run("export", checkpoint, "-o", path, "--dynamic-batch", *extra).stdout
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    io = reference(checkpoint, split, name)
    inputs = io["inputs"] if io["inputs"].dtype == np.float32 else io["inputs"].astype(np.int64)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    (graph_input,) = session.get_inputs()
    if graph_input.shape[0] != "batch":
        fail(f"{name}: --dynamic-batch input shape {graph_input.shape}")
    worst = 0.0
    for b in batches:
        worst = max(worst, compare(session, {graph_input.name: inputs[:b]}, io["outputs"][:b], tol, f"{name} batch {b}"))
    initializers = {t.name for t in model.graph.initializer}
    params = [p for p in initializers if p.startswith("model/")]
    if not params:
        fail(f"{name}: no initializer is named by a param path: {sorted(initializers)[:5]}")
    metadata = {p.key: p.value for p in model.metadata_props}
    if "blox.config" not in metadata or metadata.get("blox.step") != "4":
        fail(f"{name}: metadata {sorted(metadata)}")
    print(f"{name}: {os.path.getsize(path)} bytes, {len(model.graph.node)} nodes, batches {list(batches)}: "
          f"max |ort - blox| {worst:.3g}")
    print("  " + printed.strip())
    return model, io


# The shipped configs.
mlp = check.train("fashion_mlp", "configs/fashion_mlp.yaml", check.fashion_subset())
check_export("fashion_mlp", mlp, "test", 1e-5)
cnn = check.train("fashion_cnn", "configs/fashion_cnn.yaml", check.fashion_subset())
model, io = check_export("fashion_cnn", cnn, "test", 1e-5)
if {p.key: p.value for p in model.metadata_props}.get("blox.classes") != "10":
    fail("fashion_cnn: blox.classes metadata missing")
finetuned = check.train("fashion_cnn_finetune", "configs/fashion_cnn_finetune.yaml",
                  [*check.fashion_subset(), f"finetune.init_from={cnn}"])
check_export("fashion_cnn_finetune", finetuned, "test", 1e-5)
lstm = check.train("char_lstm", "configs/char_lstm.yaml")
model, _ = check_export("char_lstm", lstm, "validation", 1e-4)
vocabulary = json.loads({p.key: p.value for p in model.metadata_props}["blox.vocabulary"])
if len(vocabulary) < 40 or not all(isinstance(c, str) and len(c) == 1 for c in vocabulary):
    fail(f"char_lstm: vocabulary metadata {vocabulary[:10]}")
transformer = check.train("char_transformer", "configs/char_transformer.yaml")
check_export("char_transformer", transformer, "validation", 1e-5)
check_export("char_transformer_opset13", transformer, "validation", 1e-5, ["--opset", "13"])

# Tables, when Debian's sklearn data is installed: the fitted standardize folded in, fed raw rows;
# digits reads each CSV row as a 1x8x8 image.
sklearn = "/usr/lib/python3/dist-packages/sklearn/datasets/data"
if os.path.isdir(sklearn):
    for name in ("sklearn_wine", "sklearn_digits", "sklearn_diabetes"):
        trained = check.train(name, f"configs/{name}.yaml")
        check_export(name, trained, "validation", 1e-5)
        path = check.path(f"{name}_preprocessing.onnx")
        check.blox_run("export", trained, "-o", path, "--dynamic-batch", "--include-preprocessing")
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        io = reference(trained, "validation", f"{name}_raw")
        if np.allclose(io["raw_inputs"], io["inputs"]):
            fail(f"{name}: raw_inputs equal the standardized inputs: the test would not see the folding")
        difference = compare(session, {session.get_inputs()[0].name: io["raw_inputs"]}, io["outputs"], 1e-5,
                             f"{name} --include-preprocessing")
        print(f"{name} --include-preprocessing: max |ort - blox| {difference:.3g}")
else:
    print(f"tables not checked: {sklearn} is absent (Debian's python3-sklearn; scripts/setup installs it)")

# Every layer type.
image = check.train("every_image_layer", "tests/interop/every_image_layer.yaml")
check_export("every_image_layer", image, "test", 1e-5)
check_export("every_image_layer_opset13", image, "test", 1e-5, ["--opset", "13"])
sequence = check.train("every_sequence_layer", "tests/interop/every_sequence_layer.yaml")
check_export("every_sequence_layer", sequence, "validation", 1e-4)

# A fixed batch size, with the normalization folded in: fed the inputs before the transforms.
path = check.path("fashion_cnn_preprocessing.onnx")
check.blox_run("export", cnn, "-o", path, "--batch-size", "4", "--include-preprocessing")
onnx.checker.check_model(onnx.load(path), full_check=True)
session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
if session.get_inputs()[0].shape != [4, 1, 28, 28]:
    fail(f"--batch-size 4 gave input shape {session.get_inputs()[0].shape}")
io = reference(cnn, "test", "fashion_cnn_raw", limit=4)
if np.allclose(io["raw_inputs"], io["inputs"]):
    fail("raw_inputs equal the normalized inputs: the test would not see the folding")
difference = compare(session, {"images": io["raw_inputs"]}, io["outputs"], 1e-5, "fashion_cnn --include-preprocessing")
print(f"fashion_cnn --include-preprocessing --batch-size 4: max |ort - blox| {difference:.3g}")

# Errors: an opset out of range names the range and leaves no file.
bad = check.path("bad.onnx")
error = check.blox_run("export", mlp, "-o", bad, "--opset", "9", expect=2).stderr
if "--opset" not in error or "13" not in error or os.path.exists(bad):
    fail(f"--opset 9: {error}")
print("export checks passed")
