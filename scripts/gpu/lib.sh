# shellcheck shell=bash disable=SC2034  # (the layout's names are used by pack and check)
# Shared by scripts/gpu/pack and scripts/gpu/check (sourced, never run): the kit's layout, its
# MANIFEST, and how to ask a Python for its torch. Needs bash, coreutils (sha256sum, stat) and
# findutils; nothing else.
#
# The kit (gpu-kit/ at the repo root, git-ignored) mirrors the repository's layout, so the same
# relative paths work in the repo and in the kit:
#   bin/blox, bin/blox_cuda_tests    the CUDA-flavour binaries, stripped
#   lib/                             the non-torch, non-system shared libraries they need
#   lib/fallback/                    libstdc++ and libgcc_s, used only where the machine's are too old
#   configs/, datasets/...           the shipped configs and the data the checks read
#   scripts/gpu/, scripts/bench/     check, this file, report.py, the PyTorch reference
#   KIT_INFO                         key=value facts about the build (torch version, paths compiled in)
#   MANIFEST                         size, sha256 and path of every other file

# The kit's folder name at the repo root, and its parts.
KIT_DIR_NAME=gpu-kit
KIT_BIN=bin
KIT_LIB=lib
KIT_FALLBACK_LIB=lib/fallback
# The configs and data the kit carries (relative to the repo root), and the scripts.
KIT_DATA=(configs datasets/fashion-mnist-subset datasets/licenses-corpus)
KIT_SCRIPTS=(scripts/gpu/check scripts/gpu/lib.sh scripts/gpu/report.py
             scripts/bench/pytorch_reference.py scripts/bench/blox_order.py)

say() { printf '%s\n' "$*" >&2; }
die() { say "${0##*/}: error: $*"; exit 1; }

# manifest_of DIR: one line per file under DIR (MANIFEST itself excepted), sorted by path:
# "SIZE<tab>SHA256<tab>PATH". pack writes it; check recomputes it and compares.
manifest_of() {
  (
    cd "$1" || exit 1
    find . -type f ! -path ./MANIFEST -printf '%P\n' | LC_ALL=C sort | while IFS= read -r file; do
      printf '%s\t%s\t%s\n' "$(stat -c %s "$file")" "$(sha256sum "$file" | cut -d' ' -f1)" "$file"
    done
  )
}

# kit_info_get FILE KEY: the value of KEY in a KIT_INFO file ("" when absent).
kit_info_get() {
  sed -n "s/^$2=//p" "$1" 2>/dev/null | head -n 1
}

# torch_probe PYTHON: prints "VERSION<tab>TORCH_DIR<tab>CUDA_AVAILABLE(0|1)<tab>CUDA_VERSION" for
# that Python's torch; fails (prints nothing) when it has none (or takes over two minutes).
torch_probe() {
  timeout -k 5 120 "$1" -c 'import os, torch
print(torch.__version__, os.path.dirname(torch.__file__), int(torch.cuda.is_available()), torch.version.cuda, sep="\t")' \
    2>/dev/null
}
