#!/usr/bin/python3
"""The PyTorch side of scripts/bench/scaling: one epoch of the shipped MLP or CNN on Fashion-MNIST
with DistributedDataParallel over Gloo (Debian's python3-torch), WORLD processes x 1 thread,
the global batch of 128 split evenly (as blox splits it), each rank taking positions r, r+W, ...
of blox's epoch order. Prints the global examples/s of the training loop (rank 0's clock,
from a barrier after set-up to a barrier after the last step).
Usage: pytorch_ddp.py mlp|cnn WORLD
"""
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def worker(rank, world, model_name, port, result):
    torch.set_num_threads(1)
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    sys.argv = ["pytorch_reference.py", model_name, "1", "-1"]  # load the reference's data and model only
    import pytorch_reference as ref
    model = torch.nn.parallel.DistributedDataParallel(ref.model)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = ref.epoch_order(seed=0, epoch=0, n=len(ref.images))
    local = 128 // world
    dist.barrier()
    start = time.perf_counter()
    seen = 0
    for b in range(0, len(order) - 127, 128):
        x, y = ref.batch(order[b + rank:b + 128:world])
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        seen += local * world
    dist.barrier()
    if rank == 0:
        result.put(seen / (time.perf_counter() - start))
    dist.destroy_process_group()


if __name__ == "__main__":
    model_name, world = sys.argv[1], int(sys.argv[2])
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    queue = mp.get_context("spawn").SimpleQueue()
    mp.spawn(worker, args=(world, model_name, port, queue), nprocs=world)
    print(f"{queue.get():.0f}")
