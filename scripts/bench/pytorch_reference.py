#!/usr/bin/python3
"""The PyTorch eager side of scripts/bench/vs-pytorch: one epoch of the shipped MLP or CNN on
Fashion-MNIST, same architecture and hyper-parameters as configs/fashion_{mlp,cnn}.yaml
(batch 128, Adam 1e-3, the CNN's horizontal-flip augmentation) and the same batches in the
same order as blox's first epoch (seed 0, see blox_order.py), at a given thread count.
Prints the training loop's examples/s (data loading and evaluation excluded, as blox reports).
With EPOCHS, instead a whole run as the config describes (cosine decay, test accuracy after
every epoch, blox's batch order each epoch): prints "<seconds> <final test accuracy>", the
seconds counted from the start of the process like a shell's `time`.
Usage: pytorch_reference.py mlp|cnn THREADS [EPOCHS]
"""
import gzip
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from blox_order import epoch_order

process_start = time.perf_counter()
model_name, threads = sys.argv[1], int(sys.argv[2])
epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 0
torch.set_num_threads(threads)
torch.manual_seed(0)


def read_idx(path):
    with gzip.open(path) as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


root = "/usr/share/datasets/fashion-mnist/"
images = torch.from_numpy(read_idx(root + "train-images-idx3-ubyte.gz").copy()).unsqueeze(1)
labels = torch.from_numpy(read_idx(root + "train-labels-idx1-ubyte.gz").astype(np.int64))

if model_name == "mlp":
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
else:
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
model.train()


def batch(indices):
    x = images[indices].float().div_(255)
    if model_name == "cnn":
        flip = torch.rand(len(indices)) < 0.5
        x[flip] = x[flip].flip(3)
    return (x - 0.2860) / 0.3530, labels[indices]




def train_epoch(epoch, scheduler=None):
    order = epoch_order(seed=0, epoch=epoch, n=len(images))
    model.train()
    seen = 0
    for b in range(0, len(order), 128):
        x, y = batch(order[b:b + 128])
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if scheduler:
            scheduler.step()
        seen += len(y)
    return seen


if __name__ == "__main__":  # imported by pytorch_ddp.py for its data and model only
    if epochs == 0:
        start = time.perf_counter()
        seen = train_epoch(0)
        print(f"{seen / (time.perf_counter() - start):.0f}")
    else:
        test_x = torch.from_numpy(read_idx(root + "t10k-images-idx3-ubyte.gz").copy()).unsqueeze(1)
        test_x = (test_x.float() / 255 - 0.2860) / 0.3530
        test_y = torch.from_numpy(read_idx(root + "t10k-labels-idx1-ubyte.gz").astype(np.int64))
        steps = epochs * ((len(images) + 127) // 128)
        final_lr = 1e-5 if model_name == "cnn" else 0.0  # as in the configs
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps, eta_min=final_lr)
        for epoch in range(epochs):
            train_epoch(epoch, scheduler)
            model.eval()
            with torch.no_grad():
                correct = sum((model(test_x[i:i + 128]).argmax(1) == test_y[i:i + 128]).sum().item()
                              for i in range(0, len(test_y), 128))
        print(f"{time.perf_counter() - process_start:.1f} {correct / len(test_y):.4f}")
