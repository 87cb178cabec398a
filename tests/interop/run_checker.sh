#!/usr/bin/env bash
# Runs an interop check with the build's checker environment (scripts/setup makes it):
#   run_checker.sh PYTHON SCRIPT ARGS...
# Where that interpreter is missing, the check is skipped (exit 77, ctest's skip code here)
# with the reason printed, never passed.
python=$1
shift
if [ ! -x "$python" ]; then
  reason="no checker environment at $python; scripts/setup creates it (PyPI: onnx, onnxruntime, safetensors, tensorboard)"
  if [ "${CI:-}" = true ]; then
    echo "FAIL: missing under CI (scripts/setup should have made it): $reason" >&2
    exit 1
  fi
  echo "skipped: $reason"
  exit 77
fi
exec "$python" "$@"
