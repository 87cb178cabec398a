"""The TensorBoard event file of `blox train` (train.tensorboard: true) read by TensorBoard itself.

Trains configs/fashion_mlp.yaml on the shipped subset for 20 steps (rows with and without an
evaluation), then resumes it from its step-10 checkpoint to step 30, so rows 11..20 are done
again. After each run: the file's first event is the file version "brain.Event:2", every other
is a summary (each record's CRCs checked by TensorBoard's reader), no tag comes twice at a step,
and the scalars TensorBoard's EventAccumulator shows are exactly metrics.jsonl's: the same tags,
steps in the same order, each value metrics.jsonl's rounded to a float32 (simple_value's type).

usage: tensorboard_check.py BLOX SOURCE_DIR WORK_DIR
"""
import json
import os
import struct
import sys

from interop_common import Check, fail, require

event_accumulator, event_file_loader = require("tensorboard.backend.event_processing.event_accumulator",
                                               "tensorboard.backend.event_processing.event_file_loader")
# metrics.jsonl key -> TensorBoard tag, as kRowFields in lib/blox/train/run_log.cpp; every other
# key but step, epoch and split (the evaluated split's name, no scalar) is an evaluation metric,
# eval/<key>.
TAGS = {"lr": "train/lr", "train_loss": "train/loss", "examples_per_second": "train/examples_per_second"}
ROWS = ["train.tensorboard=true", "train.eval_every_steps=5", "train.log_every_steps=3",
        "checkpoint.every_steps=5", "checkpoint.keep_last=100"]


def float32(value):
    return struct.unpack("<f", struct.pack("<f", value))[0]


def expected_scalars(run_dir):
    """metrics.jsonl as {tag: [(step, float32 value), ...]}, in file order."""
    expected, steps = {}, []
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        for line in f:
            row = json.loads(line)
            steps.append(row["step"])
            for key, value in row.items():
                if key not in ("step", "epoch", "split"):
                    expected.setdefault(TAGS.get(key, f"eval/{key}"), []).append((row["step"], float32(value)))
    if len(steps) != len(set(steps)):
        fail(f"metrics.jsonl repeats a step: {steps}")
    return expected


def check_run(run_dir, stage):
    expected = expected_scalars(run_dir)
    files = sorted(name for name in os.listdir(run_dir) if "tfevents" in name)
    if len(files) != 1:
        fail(f"{stage}: expected one event file in {run_dir}, found {files}")
    events = list(event_file_loader.LegacyEventFileLoader(os.path.join(run_dir, files[0])).Load())
    if not events or events[0].file_version != "brain.Event:2":
        fail(f"{stage}: the first event is {events[:1]}, expected the file version brain.Event:2")
    seen = set()
    for event in events[1:]:
        if not event.HasField("summary"):
            fail(f"{stage}: an event that is not a summary: {event}")
        for value in event.summary.value:
            if (value.tag, event.step) in seen:
                fail(f"{stage}: {value.tag} twice at step {event.step}")
            seen.add((value.tag, event.step))

    # What TensorBoard shows; no purge of steps that go back, which would hide duplicates.
    accumulator = event_accumulator.EventAccumulator(
        run_dir, size_guidance={event_accumulator.SCALARS: 0}, purge_orphaned_data=False)
    accumulator.Reload()
    shown = {tag: [(s.step, s.value) for s in accumulator.Scalars(tag)] for tag in accumulator.Tags()["scalars"]}
    if shown.keys() != expected.keys():
        fail(f"{stage}: TensorBoard shows tags {sorted(shown)}, metrics.jsonl has {sorted(expected)}")
    for tag, values in expected.items():
        if shown[tag] != values:
            fail(f"{stage}: {tag}: TensorBoard shows {shown[tag]}\nmetrics.jsonl has {values}")
    print(f"{stage}: {sum(map(len, expected.values()))} scalars of {len(expected)} tags agree with metrics.jsonl")
    return expected


check = Check(sys.argv)
run_dir = os.path.dirname(check.train("run", "configs/fashion_mlp.yaml", check.fashion_subset() + ROWS, steps=20))
first = check_run(run_dir, "20 steps")
if "eval/accuracy" not in first or first["train/loss"][-1][0] != 20:
    fail(f"20 steps: expected evaluations and a last row at step 20, got {first}")

check.blox_run("train", os.path.join(check.source, "configs/fashion_mlp.yaml"),
               "--resume", os.path.join(run_dir, "ckpt-000000010.safetensors"),
               *[a for o in check.fashion_subset() + ROWS + ["train.max_steps=30", f"checkpoint.dir={run_dir}"]
                 for a in ("--set", o)])
resumed = check_run(run_dir, "resumed at step 10 to step 30")
if [s for s, _ in resumed["train/loss"] if s <= 10] != [s for s, _ in first["train/loss"] if s <= 10] or \
        resumed["train/loss"][-1][0] != 30:
    fail(f"resumed: expected the rows up to step 10 kept and a last row at step 30, got {resumed['train/loss']}")
