"""A blox checkpoint read by the safetensors library itself (safe_open).

Trains the CNN (batch-norm state, Adam moments) a few steps on the shipped subset, then:
every tensor `blox inspect --json` lists is in the file with its shape and dtype and nothing
else is; the CRC-32 blox wrote over its data (metadata "checksum", in the order of the
"params" and "optimizer" lists) equals the CRC of the bytes safetensors reads; the model's
params equal, bit for bit, the initializers `blox export` writes from the params blox loads;
the metadata names the format, step and config.

usage: safetensors_check.py BLOX SOURCE_DIR WORK_DIR
"""
import json
import sys
import zlib

from interop_common import Check, fail, require

np, onnx, numpy_helper, safetensors = require("numpy", "onnx", "onnx.numpy_helper", "safetensors")
check = Check(sys.argv)
checkpoint = check.train("run", "configs/fashion_cnn.yaml", check.fashion_subset(), steps=3)
listing = json.loads(check.blox_run("inspect", checkpoint, "--json").stdout)
listed = {p["path"]: p for p in listing["params"] + listing["optimizer"]["params"]}
dtypes = {"Float": np.float32, "Long": np.int64, "Int": np.int32, "Double": np.float64, "Byte": np.uint8}

with safetensors.safe_open(checkpoint, framework="numpy") as f:
    metadata = f.metadata()
    tensors = {key: f.get_tensor(key) for key in f.keys()}

if set(tensors) != set(listed):
    fail(f"safetensors keys and blox inspect differ: {sorted(set(tensors) ^ set(listed))[:10]}")
for path, entry in listed.items():
    t = tensors[path]
    if list(t.shape) != entry["shape"] or t.dtype != dtypes[entry["dtype"]]:
        fail(f"{path}: safetensors reads {t.dtype}{list(t.shape)}, blox lists {entry['dtype']}{entry['shape']}")
if metadata.get("format") != "blox-checkpoint-1" or metadata.get("step") != "3" or "fashion-mnist" not in metadata["config"]:
    fail(f"metadata {sorted(metadata)}")

order = [p["path"] for p in json.loads(metadata["params"])] + json.loads(metadata["optimizer"])
crc = 0
for path in order:
    crc = zlib.crc32(np.ascontiguousarray(tensors[path]).tobytes(), crc)
if f"{crc:08x}" != metadata["checksum"]:
    fail(f"CRC-32 of the tensors safetensors reads is {crc:08x}, blox wrote {metadata['checksum']}")

model = check.path("model.onnx")
check.blox_run("export", checkpoint, "-o", model)
initializers = {t.name: numpy_helper.to_array(t) for t in onnx.load(model).graph.initializer}
compared = 0
for path, value in initializers.items():
    if path in tensors:
        if not np.array_equal(value, tensors[path]):
            fail(f"{path}: safetensors' values differ from the params blox loads")
        compared += 1
params = [p["path"] for p in json.loads(metadata["params"]) if p["path"].startswith("model/") and "/rng" not in p["path"]]
if compared < len(params):
    fail(f"only {compared} of {len(params)} model params compared: {sorted(set(params) - set(initializers))}")
print(f"safetensors read {len(tensors)} tensors ({sum(t.nbytes for t in tensors.values())} bytes): shapes, dtypes and "
      f"the data CRC agree with blox; {compared} params equal the exported ones bit for bit")
