"""Weights from PyTorch: a state dict saved with safetensors, imported by finetune.layout: pytorch.

For the shipped MLP, CNN (conv, batch norm with non-trivial running statistics, pools,
dropout, linear) and character LSTM: build the same architecture in PyTorch with random
weights, save model.state_dict() with safetensors.torch.save_file, write a config that includes
the shipped one with finetune.init_from, layout pytorch, strict and rename rules, take blox's raw
outputs on real batches of the shipped data (`blox predict --format safetensors` on the
config alone: the imported model, untrained) and require PyTorch's outputs on the same inputs
to agree: |torch - blox| <= 1e-5 * (1 + |blox|). Also: a torch.save pickle is refused (exit 2)
with the conversion in the message.

usage: pytorch_import_check.py BLOX SOURCE_DIR WORK_DIR
"""
import json
import os
import sys

from interop_common import Check, fail, randomized, require

torch, safetensors_torch, safetensors_numpy = require("torch", "safetensors.torch", "safetensors.numpy")
nn = torch.nn
check = Check(sys.argv)
torch.manual_seed(0)
TOL = 1e-5


class MLP(nn.Module):  # configs/fashion_mlp.yaml
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                                    nn.Linear(128, 10))

    def forward(self, x):
        return self.layers(x)


class CNN(nn.Module):  # configs/fashion_cnn.yaml
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25),
                                        nn.Linear(128, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


class CharLSTM(nn.Module):  # configs/char_lstm.yaml; its module names are blox's layer names
    def __init__(self, vocabulary):
        super().__init__()
        self.embed = nn.Embedding(vocabulary, 64)
        self.lstm = nn.LSTM(64, 256, batch_first=True)
        self.head = nn.Linear(256, vocabulary)

    def forward(self, ids):
        return self.head(self.lstm(self.embed(ids))[0])



def import_and_compare(name, shipped, model, rename, split, data=None):
    """Saves `model`'s state dict, predicts with blox from it, compares; returns the max abs difference."""
    weights = check.path(f"{name}.safetensors")
    safetensors_torch.save_file(model.state_dict(), weights)
    config = check.path(f"{name}.yaml")
    with open(config, "w") as f:
        json.dump({"include": os.path.join(check.source, shipped), **({"data": data} if data else {}),
                   "finetune": {"init_from": weights, "layout": "pytorch", "strict": True,
                                "rename": [{"from": a, "to": b} for a, b in rename]}}, f)  # JSON is YAML
    outputs = check.path(f"{name}.io.safetensors")
    printed = check.blox_run("predict", config, "--data", split, "--format", "safetensors", "-o", outputs,
                             "--limit", "64").stderr
    tensors = [k for k in model.state_dict() if not k.endswith("num_batches_tracked")]
    params = len(tensors) - sum(k.endswith("bias_hh_l0") for k in tensors)  # blox adds an LSTM's two biases
    if f"{params} copied, 0 new, 0 skipped (shape), 0 in the checkpoint unused" not in printed:
        fail(f"{name}: the import report is not {params} params copied from {len(tensors)} tensors:\n{printed}")
    io = safetensors_numpy.load_file(outputs)
    inputs = torch.from_numpy(io["inputs"])
    with torch.no_grad():
        expected = model(inputs.long() if isinstance(model, CharLSTM) else inputs).numpy()
    got = io["outputs"]
    if got.shape != expected.shape:
        fail(f"{name}: blox's outputs are {got.shape}, PyTorch's {expected.shape}")
    error = abs(got - expected)
    worst = float((error / (1 + abs(got))).max())
    if not worst <= TOL:
        fail(f"{name}: |torch - blox| / (1 + |blox|) reaches {worst:.3g} > {TOL} (max abs {error.max():.3g})")
    print(f"{name}: {got.shape[0]} examples of {shipped}, outputs {list(got.shape)}, max |torch - blox| "
          f"{error.max():.3g} (PyTorch {torch.__version__})")
    return weights, config


subset = os.path.join(check.source, "datasets/fashion-mnist-subset")
fashion = {"train": f"{subset}/train-images-idx3-ubyte.gz", "train_labels": f"{subset}/train-labels-idx1-ubyte.gz",
           "test": f"{subset}/t10k-images-idx3-ubyte.gz", "test_labels": f"{subset}/t10k-labels-idx1-ubyte.gz"}
mlp = randomized(MLP())
import_and_compare("mlp", "configs/fashion_mlp.yaml", mlp,
                   [("layers.1", "model/hidden1"), ("layers.3", "model/hidden2"), ("layers.5", "model/logits")],
                   "test", fashion)
import_and_compare("cnn", "configs/fashion_cnn.yaml", randomized(CNN()),
                   [("features.0", "model/conv1"), ("features.1", "model/bn1"), ("features.4", "model/conv2"),
                    ("features.5", "model/bn2"), ("classifier.1", "model/fc"), ("classifier.4", "model/logits")],
                   "test", fashion)
corpus = {"train": os.path.join(check.source, "datasets/licenses-corpus/corpus.txt")}
with open(corpus["train"], encoding="utf-8") as f:
    vocabulary = len(set(f.read()))  # blox's vocabulary: the text's distinct characters, sorted
import_and_compare("char_lstm", "configs/char_lstm.yaml", randomized(CharLSTM(vocabulary)), [("head", "model/logits")],
                   "validation", corpus)

# torch.save's pickle instead of safetensors: refused, saying how to convert.
pickle = check.path("mlp.pt")
torch.save(mlp.state_dict(), pickle)
refused = check.blox_run("predict", check.path("mlp.yaml"), "--set", f"finetune.init_from={pickle}", "--format",
                         "safetensors", "-o", check.path("unused.safetensors"), expect=2)
if "a torch.save pickle; blox reads safetensors only" not in refused.stderr or "Traceback" in refused.stderr:
    fail(f"a .pt file: {refused.stderr}")
print("a torch.save pickle is refused with the conversion command (exit 2)")
