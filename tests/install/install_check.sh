#!/usr/bin/env bash
# ctest install/install (label `install`): blox as a user gets it from `cmake --install`.
#   install_check.sh BUILD_DIR SOURCE_DIR WORK_DIR
# Installs BUILD_DIR into WORK_DIR/prefix; checks the files; runs the installed blox from another
# working directory (validate, short runs of installed configs: one on the Debian dataset, one on
# the installed image folder by its config-relative path); builds examples/train_mlp on its own
# against the installed CMake package (find_package(blox)) and trains with it; checks that the
# bash completion offers every subcommand, flags and --set keys, and the man page every command.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
mkdir -p "$work/elsewhere"
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >"$work/install.log" || fail "cmake --install: $(tail -5 "$work/install.log")"
for file in bin/blox include/blox/blox.h include/blox/core/params.h lib/libblox_core.a lib/libblox_train.a \
  lib/cmake/blox/bloxConfig.cmake lib/cmake/blox/bloxConfigVersion.cmake lib/cmake/blox/bloxTargets.cmake \
  share/blox/configs/fashion_mlp.yaml share/blox/configs/README.md share/blox/datasets/fashion-mnist-images/train \
  share/man/man1/blox.1 share/bash-completion/completions/blox share/doc/blox/README.md; do
  [ -e "$prefix/$file" ] || fail "cmake --install did not write $file"
done
blox=$prefix/bin/blox
configs=$prefix/share/blox/configs

# From another working directory: checkpoint.dir relative to it, data paths relative to the config.
cd "$work/elsewhere"
"$blox" validate "$configs/fashion_mlp.yaml" >validate.txt || fail "validate: $(cat validate.txt)"
grep -q ": OK (" validate.txt || fail "validate printed: $(cat validate.txt)"
if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  "$blox" train "$configs/fashion_mlp.yaml" --set checkpoint.dir=runs/mlp --set train.max_steps=20 --quiet \
    || fail "train of the installed fashion_mlp.yaml"
  [ -f runs/mlp/last.safetensors ] || fail "no runs/mlp/last.safetensors in the working directory"
elif [ "${CI:-}" = true ]; then
  fail "dataset-fashion-mnist is missing under CI (scripts/setup installs it)"
fi
"$blox" train "$configs/fashion_cnn_images.yaml" --set checkpoint.dir=runs/images --set train.max_steps=4 \
  --set data.workers=1 --quiet || fail "train of the installed fashion_cnn_images.yaml"
[ -f runs/images/last.safetensors ] || fail "no runs/images/last.safetensors in the working directory"
"$blox" eval runs/images/last.safetensors >eval.txt || fail "eval: $(cat eval.txt)"
grep -q "accuracy" eval.txt || fail "eval printed: $(cat eval.txt)"

# The example, on its own against the installed package.
cmake -S "$source/examples/train_mlp" -B "$work/example" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" >"$work/example-configure.log" 2>&1 ||
  fail "the example does not configure against the installed blox: $(tail -20 "$work/example-configure.log")"
cmake --build "$work/example" >"$work/example-build.log" 2>&1 ||
  fail "the example does not build against the installed blox: $(tail -30 "$work/example-build.log")"
"$work/example/blox-example-mlp" --data "$work/no-such-folder" --epochs 1 --threads 1 >example.txt 2>&1 ||
  fail "the example failed: $(cat example.txt)"
grep -q "using the shipped subset $prefix/share/blox/datasets/fashion-mnist-subset" example.txt ||
  fail "the example did not find the installed subset: $(cat example.txt)"
grep -Eq "^epoch  1  loss [0-9.]+  test accuracy [0-9.]+ %" example.txt || fail "the example printed: $(cat example.txt)"

# Bash completion: what it offers after `blox `, `blox train --se`, `blox train --set train.ep`.
complete_words() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _blox; printf "%s\n" "${COMPREPLY[@]}"' \
    sh "$prefix/share/bash-completion/completions/blox" "$@"
}
commands=$("$blox" --help | sed -n '/^Subcommands:/,$p' | awk 'NR > 1 && NF { print $1 }')
[ "$(echo "$commands" | wc -l)" -ge 14 ] || fail "blox --help lists too few commands: $commands"
offered=$(complete_words blox "")
for command in $commands; do
  grep -qx "$command" <<<"$offered" || fail "completion after 'blox ' lacks $command (offers: $offered)"
  grep -q "^\.SS \"blox $command\"" "$prefix/share/man/man1/blox.1" || fail "the man page lacks blox $command"
done
[ "$(complete_words blox train --se)" = "--set" ] || fail "'blox train --se' completes to: $(complete_words blox train --se)"
[ "$(complete_words blox train cfg.yaml --set train.epo)" = "train.epochs=" ] ||
  fail "'blox train --set train.epo' completes to: $(complete_words blox train cfg.yaml --set train.epo)"
grep -qx -- "--format" <<<"$(complete_words blox export --f)" || fail "'blox export --f' does not offer --format"
echo "install: ok ($prefix)"
