"""What the interop checks share: their arguments, the skip rule, running blox, the subsets.

Every check is run as `SCRIPT BLOX SOURCE_DIR WORK_DIR` (tests/CMakeLists.txt).
"""
import importlib
import os
import shutil
import subprocess
import sys


def skip(reason):
    """Skips the check (exit 77) with `reason`; under CI (CI=true), where scripts/setup installs
    every checker, a missing one fails the check instead."""
    if os.environ.get("CI") == "true":
        sys.exit(f"FAIL: missing under CI (scripts/setup should have installed it): {reason}")
    print(f"skipped: {reason}")
    sys.exit(77)


def require(*modules):
    """Imports `modules`, or skips the check saying which one is missing."""
    try:
        return [importlib.import_module(m) for m in modules]
    except ImportError as e:
        skip(f"{e} (scripts/setup installs the checkers into the build's venv)")


def fail(message):
    sys.exit(f"FAIL: {message}")


class Check:
    def __init__(self, argv):
        self.blox, self.source, self.work = argv[1], os.path.abspath(argv[2]), argv[3]
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)

    def path(self, *parts):
        return os.path.join(self.work, *parts)

    def blox_run(self, *args, expect=0):
        """Runs blox; fails the check unless it exits `expect`. Returns the CompletedProcess."""
        result = subprocess.run([self.blox, *args], capture_output=True, text=True)
        if result.returncode != expect:
            fail(f"blox {' '.join(args)} exited {result.returncode}, expected {expect}\n{result.stdout}{result.stderr}")
        return result

    def fashion_subset(self):
        """--set overrides pointing a Fashion-MNIST config at the shipped subset."""
        subset = os.path.join(self.source, "datasets/fashion-mnist-subset")
        return [f"data.train={subset}/train-images-idx3-ubyte.gz",
                f"data.train_labels={subset}/train-labels-idx1-ubyte.gz",
                f"data.test={subset}/t10k-images-idx3-ubyte.gz",
                f"data.test_labels={subset}/t10k-labels-idx1-ubyte.gz"]

    def train(self, name, config, overrides=(), steps=4):
        """Trains `config` (relative to the source tree) `steps` steps into WORK_DIR/name; returns last.safetensors."""
        run_dir = self.path(name)
        sets = [*overrides, f"train.max_steps={steps}", f"checkpoint.dir={run_dir}"]
        self.blox_run("train", os.path.join(self.source, config), *[a for o in sets for a in ("--set", o)])
        return os.path.join(run_dir, "last.safetensors")


def randomized(model):
    """A PyTorch model with every tensor random: batch norms' weights, biases and running
    statistics away from 1, 0, 0 and 1, linear and conv biases too; in eval mode."""
    import torch
    nn = torch.nn
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.weight.uniform_(0.5, 1.5)
                module.bias.normal_(0, 0.2)
                module.running_mean.normal_(0, 0.3)
                module.running_var.uniform_(0.5, 2.0)
                module.num_batches_tracked.fill_(1234)
            elif isinstance(module, (nn.Linear, nn.Conv2d)) and module.bias is not None:
                module.bias.uniform_(-0.1, 0.1)
    return model.eval()
