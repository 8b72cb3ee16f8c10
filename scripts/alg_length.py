"""Lines of each algorithm's processAlgorithm (def line to last line, as `ast` sees it), and their median.

Usage: python3 scripts/alg_length.py [--max N]  (exit 1 when the median exceeds N; QGIS's own median is 58).
"""

from __future__ import annotations

import argparse
import ast
import statistics
import sys
from pathlib import Path

ALGORITHMS = Path(__file__).resolve().parents[1] / "processing" / "algorithms"


def lengths(folder: Path = ALGORITHMS) -> dict[str, int]:
    found = {}
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "processAlgorithm":
                found[path.stem] = node.end_lineno - node.lineno + 1
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=float, default=None, help="fail when the median is above this")
    args = parser.parse_args(argv)
    found = lengths()
    for name, n in sorted(found.items(), key=lambda kv: -kv[1]):
        print(f"{n:5d}  {name}")
    median = statistics.median(found.values())
    print(f"median processAlgorithm: {median:g} lines over {len(found)} algorithms")
    return 1 if args.max is not None and median > args.max else 0


if __name__ == "__main__":
    sys.exit(main())
