#!/usr/bin/python3
"""The order in which blox's Loader visits a shuffled training set, reproduced with PyTorch:
a randperm drawn from a CPU generator seeded with fold_in(fold_in(seed, shuffle stream), epoch)
(lib/blox/core/rng.cpp, lib/blox/data/loader.cpp). scripts/bench/pytorch_reference.py uses it
so both sides see the same batches; tests/data/loader_python_order_test.cpp pins it.
Usage: blox_order.py SEED EPOCH N  (prints the order, one index per line)
"""
import sys

import torch

MASK = (1 << 64) - 1
SHUFFLE_STREAM = 0x5F1E


def mix64(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def fold_in(key, data):
    return mix64(key ^ mix64(data))


def epoch_order(seed, epoch, n):
    generator = torch.Generator().manual_seed(fold_in(fold_in(seed, SHUFFLE_STREAM), epoch))
    return torch.randperm(n, generator=generator)


if __name__ == "__main__":
    seed, epoch, n = (int(a) for a in sys.argv[1:4])
    print("\n".join(str(i) for i in epoch_order(seed, epoch, n).tolist()))
