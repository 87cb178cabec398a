"""The PyTorch half of scripts/finetune-resnet18: trains torchvision's resnet18 (weights=None,
seeded, 1,000-class head) on an image folder the way a PyTorch team would, and saves
model.state_dict() with safetensors.torch.save_file: the weights blox then fine-tunes.

usage: finetune_resnet18_pretrain.py TRAIN_DIR TEST_DIR EPOCHS OUT.safetensors
"""
import sys
import time

import torch
import torchvision
from safetensors.torch import save_file
from torchvision import transforms

train_dir, test_dir, epochs, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
torch.manual_seed(0)
normalize = transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
rgb = lambda path: torchvision.datasets.folder.pil_loader(path)  # noqa: E731 (ImageFolder's own: convert("RGB"))
train = torchvision.datasets.ImageFolder(train_dir, transforms.Compose([
    transforms.RandomResizedCrop(64, scale=(0.5, 1.0)), transforms.RandomHorizontalFlip(), transforms.ToTensor(),
    normalize]), loader=rgb)
test = torchvision.datasets.ImageFolder(test_dir, transforms.Compose([
    transforms.Resize(73), transforms.CenterCrop(64), transforms.ToTensor(), normalize]), loader=rgb)
model = torchvision.models.resnet18(weights=None)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
loader = torch.utils.data.DataLoader(train, batch_size=32, shuffle=True)
start = time.time()
for epoch in range(epochs):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
model.eval()
correct = 0
with torch.no_grad():
    for x, y in torch.utils.data.DataLoader(test, batch_size=100):
        correct += (model(x).argmax(1) == y).sum().item()
print(f"pytorch: resnet18 trained {epochs} epochs on {len(train)} images of {len(train.classes)} classes in "
      f"{time.time() - start:.0f} s: test accuracy {correct / len(test):.4f} ({len(test)} images)")
save_file(model.state_dict(), out)
