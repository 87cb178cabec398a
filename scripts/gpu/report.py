#!/usr/bin/env python3
"""The reading side of scripts/gpu/check (standard library only, any Python 3.6+): one-line details
of a training run and of a config's bench, and the check's summary.

  report.py metrics RUN_DIR          a run's figures from RUN_DIR/metrics.jsonl: steps, the first and
                                     last train loss, examples/s, the final evaluation. Exit 1 when
                                     the last loss is not finite, or (runs of 50 steps or more) not
                                     below the first (it learned nothing), or there are no rows.
  report.py bench BENCH_DIR CONFIG   `blox bench --json` (BENCH_DIR/CONFIG.blox.PRECISION.json) beside
                                     the PyTorch reference (BENCH_DIR/CONFIG.pytorch.jsonl), per
                                     precision. Exit 1 when a run of either side gave no timings.
  report.py pytorch FILE             the PyTorch reference's --bench lines: each model and precision's
                                     train step ms. Exit 1 when one has an error.
  report.py summary OUT_DIR          OUT_DIR/summary.md and summary.json from OUT_DIR/parts.tsv (part,
                                     status, seconds, detail), OUT_DIR/meta.tsv (key, value) and the
                                     bench files under OUT_DIR/bench.
"""
import glob
import json
import math
import os
import sys

STEP = "train step"
PRECISIONS = ("fp32", "bf16", "fp16")
SIDES = {"blox": "blox", "pytorch": "PyTorch"}
EVAL = "forward (eval)"


def rows_of(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    pass
    return rows


def metrics(run_dir):
    path = os.path.join(run_dir, "metrics.jsonl")
    if not os.path.exists(path):
        print(f"no {path}")
        return 1
    rows = [r for r in rows_of(path) if "train_loss" in r]
    if not rows:
        print("metrics.jsonl has no train loss rows")
        return 1
    first, last = rows[0]["train_loss"], rows[-1]["train_loss"]
    speed = rows[-1].get("examples_per_second", 0)
    evaluated = [f"{k} {v:.4g}" for k, v in sorted(rows[-1].items())
                 if k not in ("step", "epoch", "lr", "train_loss", "examples_per_second", "split")
                 and isinstance(v, (int, float))]
    saved = "checkpoint saved" if os.path.exists(os.path.join(run_dir, "last.safetensors")) else "no checkpoint"
    detail = (f"{rows[-1]['step']} steps; train loss {first:.4f} -> {last:.4f}; {speed:,.0f} examples/s (last row)"
              + (f"; {rows[-1].get('split', 'eval')}: {', '.join(evaluated)}" if evaluated else "") + f"; {saved}")
    if not math.isfinite(last):
        print(f"non-finite loss: {detail}")
        return 1
    if rows[-1]["step"] >= 50 and len(rows) > 1 and not last < first:
        print(f"the loss did not go down: {detail}")
        return 1
    print(detail)
    return 0


def bench_records(bench_dir, config):
    """{precision: {"blox": record, "pytorch": record}} for one config."""
    found = {}
    for path in sorted(glob.glob(os.path.join(bench_dir, config + ".blox.*.json"))):
        precision = path.rsplit(".", 2)[-2]
        try:
            with open(path) as f:
                record = json.load(f)
        except (OSError, ValueError):
            record = {"error": "no JSON from blox bench (see " + os.path.basename(path)[:-5] + ".log)"}
        found.setdefault(precision, {})["blox"] = record
    pytorch = os.path.join(bench_dir, config + ".pytorch.jsonl")
    if os.path.exists(pytorch):
        for record in rows_of(pytorch):
            found.setdefault(record.get("precision", "?"), {})["pytorch"] = record
    return found


def step_ms(record):
    return (record or {}).get("ms", {}).get(STEP)


def bench(bench_dir, config):
    found = bench_records(bench_dir, config)
    if not found:
        print("no bench results")
        return 1
    parts, failed = [], []
    for precision in PRECISIONS:
        if precision not in found:
            continue
        ours, theirs = step_ms(found[precision].get("blox")), step_ms(found[precision].get("pytorch"))
        for side, value in (("blox", ours), ("PyTorch", theirs)):
            if value is None:
                record = found[precision].get(side.lower()) or {}
                failed.append(f"{side} {precision}: {record.get('error', 'no result')}")
        text = f"{precision} {ours:.3f}" if ours is not None else f"{precision} -"
        text += f"/{theirs:.3f}" if theirs is not None else "/-"
        if ours and theirs:
            text += f" ({theirs / ours:.2f}x)"
        parts.append(text)
    for precision, sides in found.items():  # a whole run that failed ("all")
        if precision not in PRECISIONS:
            failed += [f"{SIDES[side]} (whole run): {record.get('error', '?')}" for side, record in sides.items()]
    print("train step ms blox/PyTorch (PyTorch/blox): " + ", ".join(parts) + ("; " + "; ".join(failed) if failed else ""))
    return 1 if failed else 0


def pytorch(path):
    records = rows_of(path)
    texts = [f"{r.get('model', 'all')} {r.get('precision')} " + (f"{step_ms(r):.2f}" if step_ms(r) is not None else r.get("error", "?"))
             for r in records]
    print(", ".join(texts) or "no results")
    return 0 if records and all(step_ms(r) is not None for r in records) else 1


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def summary(out_dir):
    parts = []
    with open(os.path.join(out_dir, "parts.tsv")) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t", 3)
            if len(fields) == 4:
                parts.append({"part": fields[0], "status": fields[1], "seconds": float(fields[2]), "detail": fields[3]})
    meta = {}
    meta_path = os.path.join(out_dir, "meta.tsv")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            for line in f:
                key, _, value = line.rstrip("\n").partition("\t")
                meta[key] = value
    bench_dir = os.path.join(out_dir, "bench")
    configs = sorted({os.path.basename(p).split(".")[0] for p in glob.glob(os.path.join(bench_dir, "*.json*"))})
    benches = []
    for config in configs:
        found = bench_records(bench_dir, config)
        for precision in sorted(found, key=lambda p: (PRECISIONS + (p,)).index(p)):
            sides = found[precision]
            benches.append({"config": config, "precision": precision, "blox": sides.get("blox"),
                            "pytorch": sides.get("pytorch")})
    counts = {s: sum(p["status"] == s for p in parts) for s in ("PASS", "FAIL", "SKIP")}
    with open(os.path.join(out_dir, "summary.json"), "w") as f:
        json.dump({"meta": meta, "counts": counts, "parts": parts, "bench": benches}, f, indent=2)
        f.write("\n")

    lines = ["# blox GPU check", ""]
    lines += [f"- {key}: {cell(value)}" for key, value in meta.items()]
    lines += [f"- parts: {counts['PASS']} PASS, {counts['FAIL']} FAIL, {counts['SKIP']} SKIP", "",
              "| part | status | seconds | detail |", "|---|---|---:|---|"]
    lines += [f"| {cell(p['part'])} | {p['status']} | {p['seconds']:.1f} | {cell(p['detail'])} |" for p in parts]
    if benches:
        lines += ["", "## Bench: median ms on one batch (`blox bench` / PyTorch eager, same GPU)", "",
                  "| config | precision | blox train step | PyTorch train step | PyTorch / blox | blox eval forward | PyTorch eval forward |",
                  "|---|---|---:|---:|---:|---:|---:|"]
        for b in benches:
            def ms(side, phase):
                record = b[side] or {}
                value = record.get("ms", {}).get(phase)
                return f"{value:.3f}" if value is not None else cell(record.get("error", "-"))[:60]
            ours, theirs = step_ms(b["blox"]), step_ms(b["pytorch"])
            ratio = f"{theirs / ours:.2f}" if ours and theirs else "-"
            lines.append(f"| {b['config']} | {b['precision']} | {ms('blox', STEP)} | {ms('pytorch', STEP)} | {ratio} | "
                         f"{ms('blox', EVAL)} | {ms('pytorch', EVAL)} |")
    with open(os.path.join(out_dir, "summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return 0


def main(argv):
    if len(argv) == 2 and argv[0] == "metrics":
        return metrics(argv[1])
    if len(argv) == 3 and argv[0] == "bench":
        return bench(argv[1], argv[2])
    if len(argv) == 2 and argv[0] == "pytorch":
        return pytorch(argv[1])
    if len(argv) == 2 and argv[0] == "summary":
        return summary(argv[1])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
