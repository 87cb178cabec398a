#!/usr/bin/python3
"""torchvision's reference for scripts/bench/images: ImageFolder + DataLoader (PIL decoding,
num_workers processes) with RandomResizedCrop(224), RandomHorizontalFlip, ToTensor, Normalize;
and PIL's single-thread full decode (libjpeg-turbo) of the first 300 files.
Usage: torchvision_images.py FOLDER WORKERS [BATCHES=40]"""
import sys
import time

import torch
from PIL import Image
from torchvision import datasets, transforms

folder, workers = sys.argv[1], int(sys.argv[2])
batches = int(sys.argv[3]) if len(sys.argv) > 3 else 40
torch.set_num_threads(1)
recipe = transforms.Compose([
    transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(), transforms.ToTensor(),
    transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
data = datasets.ImageFolder(folder, recipe)
loader = torch.utils.data.DataLoader(data, batch_size=64, shuffle=True, num_workers=workers,
                                     persistent_workers=workers > 0, prefetch_factor=2 if workers > 0 else None)
it = iter(loader)
next(it)  # warm: workers started, first batch
start, images = time.perf_counter(), 0
for _ in range(batches):
    try:
        inputs, _ = next(it)
    except StopIteration:
        it = iter(loader)
        inputs, _ = next(it)
    images += inputs.shape[0]
print(f"torchvision DataLoader: {images / (time.perf_counter() - start):.0f} images/s ({workers} workers, {images} images)")
paths = [p for p, _ in data.samples[:300]]
blobs = [open(p, "rb").read() for p in paths]
import io
start = time.perf_counter()
for b in blobs:
    Image.open(io.BytesIO(b)).convert("RGB").load()
print(f"PIL full decode: {len(blobs) / (time.perf_counter() - start):.0f} images/s (one thread)")
