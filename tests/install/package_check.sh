#!/usr/bin/env bash
# ctest install/package (label `install`): scripts/package's Debian packages.
#   package_check.sh BUILD_DIR SOURCE_DIR WORK_DIR
# Builds them; checks blox's Depends against the packages of the libraries its program links
# (readelf's NEEDED, found by ldd, owned per dpkg -S), the files both packages hold, that apt
# accepts the package on this machine (a simulated install), and runs the program and an
# installed config out of the unpacked package.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
grep -q "^BLOX_TORCH_DIR:PATH=." "$build/CMakeCache.txt" && skip "only the Debian flavour is packaged (this build uses PyPI's libtorch)"
if ! command -v dpkg-shlibdeps >/dev/null; then
  [ "${CI:-}" = true ] && fail "dpkg-shlibdeps is missing under CI (scripts/setup installs dpkg-dev)"
  skip "dpkg-shlibdeps is missing (Debian's dpkg-dev)"
fi
BLOX_BUILD_DIR=$build "$source/scripts/package" >"$work/package.log" 2>&1 || fail "scripts/package: $(tail -20 "$work/package.log")"
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
deb=$build/packages/blox_${version}_amd64.deb
dev=$build/packages/blox-dev_${version}_amd64.deb
[ -f "$deb" ] && [ -f "$dev" ] || fail "scripts/package wrote: $(ls "$build/packages")"

# Depends: every library the program links, by the package that owns it.
depends=$(dpkg-deb --field "$deb" Depends)
echo "blox Depends: $depends"
dpkg-deb -x "$deb" "$work/root"
program=$work/root/usr/bin/blox
for soname in $(readelf -d "$program" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
  path=$(ldd "$program" | awk -v so="$soname" '$1 == so { print $3 }')
  [ -n "$path" ] || fail "ldd does not find $soname"
  owner=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null || dpkg -S "$path" 2>/dev/null) || fail "no package owns $path"
  owner=${owner%%:*}
  tr ',' '\n' <<<"$depends" | sed 's/^ *//; s/[ (].*//' | grep -x "$owner" >/dev/null || fail "Depends lacks $owner (for $soname)"
done
dev_depends=$(dpkg-deb --field "$dev" Depends)
for needed in "blox (= $version)" libtorch-dev libyaml-cpp-dev; do
  case "$dev_depends" in *"$needed"*) ;; *) fail "blox-dev's Depends lacks $needed: $dev_depends" ;; esac
done

# What each holds.
contents=$(dpkg-deb -c "$deb")
for file in ./usr/bin/blox ./usr/share/blox/configs/fashion_mlp.yaml ./usr/share/blox/configs/README.md \
  ./usr/share/blox/datasets/fashion-mnist-images/ ./usr/share/man/man1/blox.1 \
  ./usr/share/bash-completion/completions/blox ./usr/share/doc/blox/README.md; do
  grep -q " $file\$" <<<"$contents" || fail "blox's package lacks $file"
done
dev_contents=$(dpkg-deb -c "$dev")
for file in ./usr/include/blox/blox.h ./usr/lib/cmake/blox/bloxConfig.cmake ./usr/lib/libblox_core.a; do
  grep -q " $file\$" <<<"$dev_contents" || fail "blox-dev's package lacks $file"
done

# apt takes it here: its Depends resolve (a simulated install changes nothing).
apt-get install --simulate --no-install-recommends "$deb" >"$work/apt.txt" 2>&1 || fail "apt-get install --simulate: $(cat "$work/apt.txt")"
grep -q "^Inst blox " "$work/apt.txt" || fail "apt would not install blox: $(cat "$work/apt.txt")"

# The unpacked program runs an installed config, from another folder.
mkdir -p "$work/elsewhere"
cd "$work/elsewhere"
grep -q "^blox $version" <<<"$("$program" version)" || fail "the packaged blox version: $("$program" version)"
"$program" train "$work/root/usr/share/blox/configs/fashion_cnn_images.yaml" --set checkpoint.dir=run \
  --set train.max_steps=2 --set data.workers=1 --quiet || fail "the packaged blox did not train its config"
[ -f run/last.safetensors ] || fail "no run/last.safetensors"
echo "package: ok ($deb, $dev)"
