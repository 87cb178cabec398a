# Sourced by the install checks: their arguments (BUILD_DIR SOURCE_DIR WORK_DIR), a fresh WORK_DIR,
# and how they fail or skip (exit 77, ctest's skip code here, with the reason printed).
set -euo pipefail
build=$1
source=$2
work=$3
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
skip() {
  echo "skipped: $*"
  exit 77
}
if grep -q "^BLOX_SANITIZE:BOOL=ON" "$build/CMakeCache.txt"; then
  skip "a sanitizer build's libraries need -fsanitize in every program using them: not installed nor packaged"
fi
rm -rf "$work"
mkdir -p "$work"
