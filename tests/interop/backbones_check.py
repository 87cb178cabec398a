"""Standard backbones both ways: torchvision's resnet18, resnet50 and mobilenet_v2 in blox.

For each shipped config (configs/resnet18.yaml, resnet50.yaml, mobilenet_v2.yaml), torchvision
builds the same model with seeded random weights (weights=None: no download; batch-norm weights,
biases and running statistics randomized too), in eval mode. Then:
- its parameter count equals `blox inspect`'s trainable count;
- its state dict, saved with safetensors, imports by name (finetune.layout: pytorch, strict)
  and blox's logits on 8 seeded images at 64x64 and at 224x224 equal PyTorch's on the same
  inputs: max |torch - blox| <= 1e-4 * max |torch|;
- blox trains it 2 steps (the weights and statistics change), `blox export --format
  pytorch-safetensors` writes it back, torchvision's model loads it with strict=True and gives
  blox's logits of the trained checkpoint (same bound);
- `blox export` of that trained model runs in ONNX Runtime with `blox predict`'s outputs:
  |ort - blox| <= 1e-5 * (1 + |blox|) for resnet18; for resnet50 and mobilenet_v2, whose random
  weights make logits of 100 and more, <= 1e-5 * (1 + max |blox|).

usage: backbones_check.py BLOX SOURCE_DIR WORK_DIR
"""
import json
import os
import re
import sys

from interop_common import Check, fail, randomized, require

torch, torchvision, safetensors_torch, safetensors_numpy, ort, np, image = require(
    "torch", "torchvision", "safetensors.torch", "safetensors.numpy", "onnxruntime", "numpy", "PIL.Image")
nn = torch.nn
check = Check(sys.argv)
TOL, ONNX_TOL = 1e-4, 1e-5
torch.set_num_threads(max(1, os.cpu_count() or 1))



def manifest(size, count=8):
    """`count` seeded RGB PNGs of size x size and a path,label manifest of them; returns its path."""
    folder = check.path(f"images{size}")
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(size)
    lines = ["path,label"]
    for i in range(count):
        pixels = rng.integers(0, 256, size=(size, size, 3), dtype=np.uint8)
        path = os.path.join(folder, f"{i}.png")
        image.fromarray(pixels).save(path)
        lines.append(f"{path},{i * 97 % 1000}")
    with open(os.path.join(folder, "images.csv"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return os.path.join(folder, "images.csv")


def config(name, shipped, images, weights=None):
    """A config including the shipped one: the manifest at 1,000 classes, normalize only."""
    path = check.path(f"{name}.yaml")
    document = {"include": os.path.join(check.source, shipped),
                "data": {"format": "image_list", "train": images, "test": images, "classes": 1000, "batch_size": 8,
                         "transforms": [{"type": "normalize", "preset": "imagenet"}]},
                "checkpoint": {"dir": check.path(f"{name}-run")}}
    if weights:
        document["finetune"] = {"init_from": weights, "layout": "pytorch", "strict": True}
    with open(path, "w") as f:
        json.dump(document, f)  # JSON is YAML
    return path


def predicted(name, target):
    """blox predict's inputs and outputs of the test split (the manifest) as arrays."""
    out = check.path(f"{name}.io.safetensors")
    printed = check.blox_run("predict", target, "--data", "test", "--format", "safetensors", "-o", out).stderr
    io = safetensors_numpy.load_file(out)
    return io["inputs"], io["outputs"], printed


def compare(what, expected, got, bound=TOL):
    if got.shape != expected.shape:
        fail(f"{what}: blox's outputs are {got.shape}, the reference's {expected.shape}")
    error = float(abs(got - expected).max())
    scale = float(abs(expected).max())
    if not error <= bound * scale:
        fail(f"{what}: max |reference - blox| is {error:.3g}, over {bound} x max |reference| ({scale:.3g})")
    return error, scale


def torch_logits(model, inputs):
    with torch.no_grad():
        return model(torch.from_numpy(inputs)).numpy()


images = {64: manifest(64), 224: manifest(224)}
for name, shipped, build in [("resnet18", "configs/resnet18.yaml", torchvision.models.resnet18),
                             ("resnet50", "configs/resnet50.yaml", torchvision.models.resnet50),
                             ("mobilenet_v2", "configs/mobilenet_v2.yaml", torchvision.models.mobilenet_v2)]:
    torch.manual_seed(0)
    model = randomized(build(weights=None))
    weights = check.path(f"{name}.safetensors")
    safetensors_torch.save_file(model.state_dict(), weights)

    # The same parameter count.
    count = sum(p.numel() for p in model.parameters())
    inspected = check.blox_run("inspect", config(f"{name}-inspect", shipped, images[64])).stdout
    found = re.search(r"total: (\d+) trainable", inspected)
    if not found or int(found.group(1)) != count:
        fail(f"{name}: blox inspect counts {found.group(1) if found else '?'} trainable params, torchvision {count}")

    # Its weights in: the same logits at both sizes.
    tensors = [k for k in model.state_dict() if not k.endswith("num_batches_tracked")]
    for size in (64, 224):
        inputs, got, printed = predicted(f"{name}-{size}", config(f"{name}-{size}", shipped, images[size], weights))
        if f"{len(tensors)} copied, 0 new, 0 skipped (shape), 0 in the checkpoint unused" not in printed:
            fail(f"{name}: the import report is not {len(tensors)} params copied:\n{printed}")
        error, scale = compare(f"{name} at {size}x{size}", torch_logits(model, inputs), got)
        print(f"{name} at {size}x{size}: {count} params, {inputs.shape[0]} images, max |torch - blox| {error:.3g} "
              f"(max |logit| {scale:.3g}; PyTorch {torch.__version__}, torchvision {torchvision.__version__})")

    # Trained in blox, out again in PyTorch's layout: strict load, the same logits.
    trained_config = config(f"{name}-train", shipped, images[64], weights)
    check.blox_run("train", trained_config, "--set", "train.max_steps=2", "--quiet")
    checkpoint = check.path(f"{name}-train-run", "last.safetensors")
    inputs, got, _ = predicted(f"{name}-trained", checkpoint)
    exported = check.path(f"{name}-trained.pytorch.safetensors")
    check.blox_run("export", checkpoint, "--format", "pytorch-safetensors", "-o", exported)
    state = safetensors_torch.load_file(exported)
    torch.manual_seed(1)
    back = build(weights=None).eval()
    back.load_state_dict(state, strict=True)
    if torch.equal(state[tensors[0]], model.state_dict()[tensors[0]]):
        fail(f"{name}: '{tensors[0]}' did not change in 2 training steps; the round trip would prove nothing")
    error, _ = compare(f"{name} trained in blox, loaded by torchvision", torch_logits(back, inputs), got)
    print(f"{name}: trained 2 steps in blox, exported in PyTorch's layout ({len(state)} tensors), "
          f"load_state_dict(strict=True), max |torch - blox| {error:.3g}")

    # And as ONNX, in ONNX Runtime.
    onnx_file = check.path(f"{name}-trained.onnx")
    check.blox_run("export", checkpoint, "--dynamic-batch", "-o", onnx_file)
    session = ort.InferenceSession(onnx_file, providers=["CPUExecutionProvider"])
    ran = session.run(None, {session.get_inputs()[0].name: inputs})[0]
    # resnet18 (the fine-tuned model of the recipe) element by element; the deeper two, whose
    # random weights make logits of 100 and more, against their largest logit.
    scale = 1 + abs(got) if name == "resnet18" else 1 + float(abs(got).max())
    worst = float((abs(ran - got) / scale).max())
    if not worst <= ONNX_TOL:
        fail(f"{name}: ONNX Runtime vs blox predict: |ort - blox| relative to the logits reaches {worst:.3g} > {ONNX_TOL}")
    print(f"{name}: ONNX Runtime {ort.__version__} on the trained model, max |ort - blox| {float(abs(ran - got).max()):.3g}")
