# Sourced by scripts/setup, scripts/test, scripts/blox and scripts/fuzz: reads a leading
# `--libtorch debian|pypi` from "$@" into $flavour (default debian: Debian's libtorch 1.13, CPU)
# and `--sanitize` into $sanitize (1: clang with AddressSanitizer, UBSan and the libFuzzer
# targets, Debian's libtorch), and sets $build, the build directory (BLOX_BUILD_DIR overrides
# it). The rest of the arguments stay in $args.
flavour=debian
sanitize=0
args=()
while (($#)); do
  case "$1" in
    --libtorch) flavour=${2:-}; shift 2 || true ;;
    --libtorch=*) flavour=${1#--libtorch=}; shift ;;
    --sanitize) sanitize=1; shift ;;
    *) args+=("$1"); shift ;;
  esac
done
case "$flavour/$sanitize" in
  debian/0) build=${BLOX_BUILD_DIR:-$root/build} ;;
  debian/1) build=${BLOX_BUILD_DIR:-$root/build-sanitize} ;;
  pypi/0) build=${BLOX_BUILD_DIR:-$root/build-cuda} ;;
  pypi/1) echo "--sanitize: builds against Debian's libtorch only" >&2; exit 2 ;;
  *) echo "--libtorch: expected debian or pypi, got '$flavour'" >&2; exit 2 ;;
esac
# What the sanitizers do at run time: any report fails the program, with its stack; an
# impossible allocation fails as glibc's would (null, then libtorch's own error), not as a report.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
