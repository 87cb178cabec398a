# Sourced by scripts/setup, scripts/test and scripts/blox: reads a leading `--libtorch debian|pypi`
# from "$@" into $flavour (default debian: Debian's libtorch 1.13, CPU) and sets $build, the
# flavour's build directory (BLOX_BUILD_DIR overrides it). The rest of the arguments stay in
# $args.
flavour=debian
args=()
while (($#)); do
  case "$1" in
    --libtorch) flavour=${2:-}; shift 2 || true ;;
    --libtorch=*) flavour=${1#--libtorch=}; shift ;;
    *) args+=("$1"); shift ;;
  esac
done
case "$flavour" in
  debian) build=${BLOX_BUILD_DIR:-$root/build} ;;
  pypi) build=${BLOX_BUILD_DIR:-$root/build-cuda} ;;
  *) echo "--libtorch: expected debian or pypi, got '$flavour'" >&2; exit 2 ;;
esac
