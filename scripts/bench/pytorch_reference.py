#!/usr/bin/python3
"""The PyTorch eager side of blox's benchmarks: the shipped models, built as their configs build them.

Epoch mode (scripts/bench/vs-pytorch): one epoch of the shipped MLP or CNN on Fashion-MNIST, same
architecture and hyper-parameters as configs/fashion_{mlp,cnn}.yaml (batch 128, Adam 1e-3, the
CNN's horizontal-flip augmentation) and the same batches in the same order as blox's first epoch
(seed 0, see blox_order.py), at a given thread count. Prints the training loop's examples/s (data
loading and evaluation excluded, as blox reports). With EPOCHS (scripts/bench/full-runs), instead
a whole run as the config describes (cosine decay, test accuracy after every epoch, blox's batch
order each epoch): prints "<seconds> <final test accuracy>", the seconds counted from the start of
the process like a shell's `time`.

Bench mode (--bench; scripts/gpu/check): what `blox bench CONFIG --json` measures, in PyTorch
eager: the median milliseconds of a train-mode forward + loss, a forward + backward, a whole
training step (the config's optimizer, and its gradient clipping where it clips) and an eval-mode
forward, on one batch already on the device, waiting for the device before and after each timed
call. MODEL may also be lstm or transformer (configs/char_{lstm,transformer}.yaml, on windows of the
shipped corpus), resnet18 (torchvision's, as configs/resnet18.yaml trains it: SGD 0.01, momentum
0.9, 10 classes; on random images of --image-size, batch --batch-size, --channels-last for that
memory format), or a comma list; --precision as train.precision (bf16 / fp16: autocast, fp16 with
a GradScaler; fp16 is CUDA only, as in blox). Prints one JSON object per line for each model and
precision (the keys of `blox bench --json`, or "error").

Usage: pytorch_reference.py mlp|cnn THREADS [EPOCHS] [--data DIR|subset] [--device cpu|cuda] [--steps N]
       pytorch_reference.py MODEL[,MODEL...] THREADS --bench [--device cpu|cuda] [--precision fp32,bf16,fp16]
                            [--iterations 20] [--warmup 3] [--data DIR|subset] [--corpus FILE]
--data: the Fashion-MNIST folder (default /usr/share/datasets/fashion-mnist; `subset`: the shipped
datasets/fashion-mnist-subset, 1000 training and 500 test images). --steps N: stop the epoch after
N batches. --device cuda: the model, the data and its batches on the GPU. THREADS 0: torch's default.
"""
import argparse
import contextlib
import gzip
import json
import math
import os
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from blox_order import epoch_order

process_start = time.perf_counter()
HERE = os.path.dirname(os.path.abspath(__file__))
FASHION = "/usr/share/datasets/fashion-mnist/"
SUBSET = os.path.join(HERE, "..", "..", "datasets", "fashion-mnist-subset")
CORPUS = os.path.join(HERE, "..", "..", "datasets", "licenses-corpus", "corpus.txt")
FASHION_MODELS = ("mlp", "cnn")
TEXT_MODELS = ("lstm", "transformer")
IMAGE_MODELS = ("resnet18",)
# blox bench's phases, in its order and with its names (the keys of its --json "ms").
PHASES = ("forward (train)", "forward + backward", "train step", "forward (eval)")

parser = argparse.ArgumentParser(description="PyTorch eager reference of the shipped models (see the module docstring)")
parser.add_argument("model", help="mlp or cnn; with --bench also lstm, transformer, or a comma list")
parser.add_argument("threads", type=int, help="torch intra-op threads (0: torch's default)")
parser.add_argument("epochs", type=int, nargs="?", default=0, help="a whole run of EPOCHS (epoch mode; -1: load only)")
parser.add_argument("--data", default=FASHION, help="Fashion-MNIST folder, or `subset` (the shipped one)")
parser.add_argument("--corpus", default=CORPUS, help="the text of the char models (--bench)")
parser.add_argument("--device", default="cpu", help="cpu or cuda (cuda:N)")
parser.add_argument("--steps", type=int, default=0, help="epoch mode: stop after this many batches (0: the whole epoch)")
parser.add_argument("--bench", action="store_true", help="time the phases of a training step, as `blox bench`")
parser.add_argument("--precision", default="fp32", help="--bench: fp32, bf16, fp16, or a comma list")
parser.add_argument("--iterations", type=int, default=20, help="--bench: timed iterations per phase (median)")
parser.add_argument("--warmup", type=int, default=3, help="--bench: untimed iterations first")
parser.add_argument("--image-size", type=int, default=64, help="--bench resnet18: the images' side")
parser.add_argument("--batch-size", type=int, default=32, help="--bench resnet18: the batch")
parser.add_argument("--channels-last", action="store_true", help="--bench resnet18: model and images channels_last")
args = parser.parse_args()
model_name, threads, epochs = args.model, args.threads, args.epochs
device = torch.device(args.device)
data_dir = SUBSET if args.data == "subset" else args.data
if threads > 0:
    torch.set_num_threads(threads)
torch.manual_seed(0)


def read_idx(path):
    """An IDX file (gzip) as a uint8 tensor of its shape."""
    with gzip.open(path) as f:
        data = bytearray(f.read())
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, bytes(data[4:4 + 4 * dims]))
    return torch.frombuffer(data, dtype=torch.uint8, offset=4 + 4 * dims).reshape(shape)


def fashion(split):
    """Images (N, 1, 28, 28) uint8 and labels (N,) int64 of the train or t10k split, on the device."""
    images = read_idx(os.path.join(data_dir, split + "-images-idx3-ubyte.gz")).unsqueeze(1)
    labels = read_idx(os.path.join(data_dir, split + "-labels-idx1-ubyte.gz")).long()
    return images.to(device), labels.to(device)


def fashion_model(name):
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                             nn.Linear(128, 10))
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10))


def batch(indices, name=None):
    """The normalized (and, for the CNN, randomly flipped) batch of these training indices."""
    indices = indices.to(device)
    x = images[indices].float().div_(255)
    if (name or model_name) == "cnn":
        flip = (torch.rand(len(indices)) < 0.5).to(device)  # the CPU generator, whatever the device
        x[flip] = x[flip].flip(3)
    return (x - 0.2860) / 0.3530, labels[indices]


def synchronize():
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def train_epoch(epoch, scheduler=None, steps=0):
    order = epoch_order(seed=0, epoch=epoch, n=len(images))
    model.train()
    seen = 0
    for number, b in enumerate(range(0, len(order), 128)):
        if steps and number == steps:
            break
        x, y = batch(order[b:b + 128])
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if scheduler:
            scheduler.step()
        seen += len(y)
    synchronize()
    return seen


# --- bench mode: the char models, and the timing of a step's phases ------------------------------


class Block(nn.Module):
    """blox's transformer_block: x + dropout(attention(ln1(x))), then x + dropout(mlp(ln2(x))), the
    attention written with matmuls and a softmax as blox's (no fused kernel), the MLP 4 D with GELU."""

    def __init__(self, d, heads, dropout):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.query, self.key, self.value, self.output = (nn.Linear(d, d) for _ in range(4))
        self.hidden, self.projection = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
        self.dropout = nn.Dropout(dropout)

    def attention(self, x):
        b, t, d = x.shape
        k = d // self.heads

        def heads(y):
            return y.view(b, t, self.heads, k).transpose(1, 2)

        scores = heads(self.query(x)) @ heads(self.key(x)).transpose(-2, -1) / math.sqrt(k)
        above = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
        mixed = scores.masked_fill(above, float("-inf")).softmax(-1) @ heads(self.value(x))
        return self.output(mixed.transpose(1, 2).reshape(b, t, d))

    def forward(self, x):
        x = x + self.dropout(self.attention(self.ln1(x)))
        return x + self.dropout(self.projection(F.gelu(self.hidden(self.ln2(x)))))


class CharTransformer(nn.Module):
    """configs/char_transformer.yaml: embedding 64 (std 0.02), learned positions, 2 blocks of 4 heads,
    a final LayerNorm, logits against the embedding table (tied) plus a bias."""

    def __init__(self, vocab, d=64, length=64):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        nn.init.normal_(self.embed.weight, std=0.02)
        self.positions = nn.Parameter(torch.randn(length, d) * 0.02)
        self.blocks = nn.Sequential(Block(d, 4, 0.1), Block(d, 4, 0.1))
        self.ln_final = nn.LayerNorm(d)
        self.bias = nn.Parameter(torch.zeros(vocab))

    def forward(self, ids):
        x = self.blocks(self.embed(ids) + self.positions[:ids.size(1)])
        return F.linear(self.ln_final(x), self.embed.weight, self.bias)


class CharLSTM(nn.Module):
    """configs/char_lstm.yaml: embedding 64, one LSTM of 256 (cuDNN's on a GPU), logits."""

    def __init__(self, vocab):
        super().__init__()
        self.embed = nn.Embedding(vocab, 64)
        self.lstm = nn.LSTM(64, 256, batch_first=True)
        self.logits = nn.Linear(256, vocab)

    def forward(self, ids):
        return self.logits(self.lstm(self.embed(ids))[0])


def text_batch(batch_size=32, length=64):
    """32 random windows of 64 characters of the corpus and their next characters, and the
    vocabulary's size (the corpus's distinct characters)."""
    with open(args.corpus, encoding="utf-8") as f:
        text = f.read()
    vocabulary = {c: i for i, c in enumerate(sorted(set(text)))}
    ids = torch.tensor([vocabulary[c] for c in text], dtype=torch.long)
    starts = torch.randperm(len(ids) - length - 1, generator=torch.Generator().manual_seed(0))[:batch_size]
    windows = torch.stack([ids[s:s + length + 1] for s in starts.tolist()])
    return windows[:, :-1].to(device), windows[:, 1:].to(device), len(vocabulary)


def bench_setup(name):
    """(model, optimizer, clip_grad_norm, x, y) as the shipped config of `name` trains it."""
    if name in FASHION_MODELS:
        x, y = batch(epoch_order(seed=0, epoch=0, n=len(images))[:128], name)
        net = fashion_model(name).to(device)
        return net, torch.optim.Adam(net.parameters(), lr=1e-3), 0.0, x, y
    if name == "resnet18":
        import torchvision
        memory = torch.channels_last if args.channels_last else torch.contiguous_format
        net = torchvision.models.resnet18(num_classes=10).to(device, memory_format=memory)
        x = torch.randn(args.batch_size, 3, args.image_size, args.image_size, device=device).to(memory_format=memory)
        y = torch.randint(0, 10, (args.batch_size,), device=device)
        return net, torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9), 0.0, x, y
    x, y, vocab = text_batch()
    if name == "lstm":
        net = CharLSTM(vocab).to(device)
        return net, torch.optim.Adam(net.parameters(), lr=2e-3), 1.0, x, y
    net = CharTransformer(vocab).to(device)
    # no_decay: ["**/bias", "**/scale"]: biases and the LayerNorms' scales.
    plain = [p for m in net.modules() if isinstance(m, nn.LayerNorm) for p in m.parameters()]
    plain += [p for n, p in net.named_parameters() if n.endswith("bias") and not any(p is q for q in plain)]
    decayed = [p for p in net.parameters() if not any(p is q for q in plain)]
    groups = [{"params": decayed, "weight_decay": 0.01}, {"params": plain, "weight_decay": 0.0}]
    return net, torch.optim.AdamW(groups, lr=3e-3), 1.0, x, y


def autocast(precision):
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16 if precision == "bf16" else torch.float16)


def grad_scaler():
    if hasattr(torch, "amp") and hasattr(torch.amp, "GradScaler"):  # torch >= 2.3
        return torch.amp.GradScaler("cuda")
    return torch.cuda.amp.GradScaler()


def median_ms(body):
    for _ in range(args.warmup):
        body()
    ms = []
    for _ in range(args.iterations):
        synchronize()
        start = time.perf_counter()
        body()
        synchronize()
        ms.append((time.perf_counter() - start) * 1e3)
    return sorted(ms)[len(ms) // 2]


def bench(name, precision):
    if precision not in ("fp32", "bf16", "fp16"):
        raise ValueError(f"precision: expected fp32, bf16 or fp16, got {precision}")
    if precision == "fp16" and device.type != "cuda":
        raise ValueError("fp16 is CUDA only (blox refuses it on the CPU too)")
    torch.manual_seed(0)
    net, optimizer, clip, x, y = bench_setup(name)
    params = [p for p in net.parameters() if p.requires_grad]
    scaler = grad_scaler() if precision == "fp16" else None

    def forward_loss():
        with autocast(precision):
            out = net(x)
        return F.cross_entropy(out.float().flatten(0, -2), y.flatten())  # the loss in fp32, as blox's

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = forward_loss()
        (scaler.scale(loss) if scaler else loss).backward()
        if scaler and clip:
            scaler.unscale_(optimizer)
        if clip:
            torch.nn.utils.clip_grad_norm_(params, clip)
        if scaler:
            scaler.step(optimizer)
            scaler.update()
        else:
            optimizer.step()

    def eval_forward():
        with torch.no_grad(), autocast(precision):
            net(x)

    net.train()
    ms = {PHASES[0]: median_ms(forward_loss),
          PHASES[1]: median_ms(lambda: torch.autograd.grad(forward_loss(), params)),
          PHASES[2]: median_ms(step)}
    net.eval()
    ms[PHASES[3]] = median_ms(eval_forward)
    return {"batch_size": x.size(0), "iterations": args.iterations, "threads": torch.get_num_threads(),
            "precision": precision, "device": str(x.device), "ms": ms}


def run_benches():
    names = model_name.split(",")
    for name in names:
        if name not in FASHION_MODELS + TEXT_MODELS + IMAGE_MODELS:
            parser.error(f"model: expected one of {', '.join(FASHION_MODELS + TEXT_MODELS + IMAGE_MODELS)}, got {name}")
    for name in names:
        for precision in args.precision.split(","):
            record = {"model": name, "torch": torch.__version__}
            try:
                record.update(bench(name, precision))
            except Exception as e:  # reported per model and precision; the others still run
                record.update(precision=precision, error=f"{type(e).__name__}: {e}".splitlines()[0])
            print(json.dumps(record), flush=True)


if model_name not in FASHION_MODELS and not args.bench:
    parser.error(f"model: epoch mode runs mlp or cnn, got {model_name} (the char models: --bench)")
images = labels = model = optimizer = None
if any(name in FASHION_MODELS for name in model_name.split(",")):
    images, labels = fashion("train")
if model_name in FASHION_MODELS:  # what pytorch_ddp.py imports: the data, the model, batch()
    model = fashion_model(model_name).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()


if __name__ == "__main__":  # imported by pytorch_ddp.py for its data and model only
    if args.bench:
        run_benches()
    elif epochs == 0:
        start = time.perf_counter()
        seen = train_epoch(0, steps=args.steps)
        print(f"{seen / (time.perf_counter() - start):.0f}")
    else:
        test_x, test_y = fashion("t10k")
        test_x = (test_x.float() / 255 - 0.2860) / 0.3530
        steps = epochs * ((len(images) + 127) // 128)
        final_lr = 1e-5 if model_name == "cnn" else 0.0  # as in the configs
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps, eta_min=final_lr)
        for epoch in range(epochs):
            train_epoch(epoch, scheduler, steps=args.steps)
            model.eval()
            with torch.no_grad():
                correct = sum((model(test_x[i:i + 128]).argmax(1) == test_y[i:i + 128]).sum().item()
                              for i in range(0, len(test_y), 128))
        print(f"{time.perf_counter() - process_start:.1f} {correct / len(test_y):.4f}")
