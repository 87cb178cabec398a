"""Every #include in lib/blox goes to the same folder or one below it.

Usage: layering_test.py LIB_BLOX_DIR LAYERS_FILE
LAYERS_FILE is written by lib/CMakeLists.txt from its BLOX_LAYERS list: lines "folder:below1 below2".
Exits 1 listing each backwards include (file:line), and when a folder is missing from the list.
"""
import pathlib
import re
import sys


def allowed_below(layers):
    """Each folder's transitive set of lower folders."""
    closure = {}

    def below(folder):
        if folder not in closure:
            closure[folder] = set()
            for lower in layers[folder]:
                closure[folder] |= {lower} | below(lower)
        return closure[folder]

    for folder in layers:
        below(folder)
    return closure


def main():
    root = pathlib.Path(sys.argv[1])
    layers = {}
    for line in pathlib.Path(sys.argv[2]).read_text().splitlines():
        folder, _, lower = line.partition(":")
        layers[folder] = lower.split()
    may_use = allowed_below(layers)
    problems = []
    include = re.compile(r'#include\s+"blox/([a-z_]+)/')
    for folder in sorted(p.name for p in root.iterdir() if p.is_dir()):
        if folder not in layers:
            problems.append(f"lib/blox/{folder}: not in lib/CMakeLists.txt's BLOX_LAYERS")
            continue
        for source in sorted((root / folder).glob("*")):
            for number, text in enumerate(source.read_text().splitlines(), 1):
                match = include.search(text)
                if match and match.group(1) != folder and match.group(1) not in may_use[folder]:
                    problems.append(
                        f"lib/blox/{folder}/{source.name}:{number}: includes blox/{match.group(1)}/, "
                        f"which is not below {folder} (below it: {', '.join(sorted(may_use[folder])) or 'nothing'})")
    for problem in problems:
        print(problem)
    checked = sum(1 for _ in root.glob("*/*"))
    print(f"layering: {checked} files checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
