#!/usr/bin/python3
"""Mechanical Qt6 (QGIS 4) rewrite of the plugin's Python files; idempotent: a second run changes nothing.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/qt6_rewrite.py          rewrite in place, list the files
    QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/qt6_rewrite.py --check  change nothing; print each place
                                                                                 still to rewrite, exit 1 if any

It does what QGIS's scripts/pyqt5_to_pyqt6/pyqt5_to_pyqt6.py does for a QGIS 3 + 4 code base (that script
needs PyQt6 or an enum table that is not packaged, so it cannot run here), restricted to what this plugin uses,
and writes only code that runs on QGIS 3.22 as well:

- unscoped enum members of Qt and QGIS classes imported by name become fully scoped, as PyQt6 requires:
  ``Qt.AlignLeft`` → ``Qt.AlignmentFlag.AlignLeft``, ``QgsProcessing.TypeVectorPoint`` →
  ``QgsProcessing.SourceType.TypeVectorPoint``. The enum is found by introspecting the running PyQt5/QGIS,
  and only a scoped name that resolves to the very same member is written; QGIS enums that later moved to
  ``Qgis`` are left as they are (QGIS 4 keeps their old names);
- ``QVariant.Int``/``Double``/``String``/… used as field types become ``FIELD_INT``/… from
  ``processing/compat.py`` (``QVariant.Type`` on QGIS < 3.38, ``QMetaType.Type`` after), imported
  relatively, and ``QVariant`` leaves the imports where it is no longer used;
- ``exec_()`` → ``exec()``, ``print_()`` → ``print()``; ``from PyQt5.X import`` → ``from qgis.PyQt.X import``;
- once nothing is left, ``supportsQt6=True`` in metadata.txt.

The plugin's files are the repository root minus tests/, bench/, scripts/ and docs/ (what `make package` zips),
and never processing/compat.py, the one module allowed to name QVariant types. After a rewrite, import blocks
are sorted with ruff (when .venv/bin/ruff exists) so `make lint` stays clean.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {"tests", "bench", "scripts", "docs", ".venv", ".git", "i18n", "resources", "dist", "__pycache__"}
COMPAT = ("processing", "compat")
QT_MODULES = ("qgis.PyQt.", "qgis.core", "qgis.gui", "qgis.analysis", "PyQt5.")
# PyQt5 spelled these with a trailing underscore (reserved words in Python 2); PyQt5 on Python 3 has both, PyQt6
# only the plain ones.
RENAMED_METHODS = {"exec_": "exec", "print_": "print"}


def compat_field_types(root: Path = ROOT) -> dict[str, str]:
    """processing/compat.py's FIELD_TYPE_NAMES (QVariant.Type member → compat constant), read from its source: the
    one mapping, beside the constants it names (this script does not import the plugin)."""
    tree = ast.parse((root / "processing" / "compat.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "FIELD_TYPE_NAMES" for t in node.targets):
            return ast.literal_eval(node.value)
    raise SystemExit("processing/compat.py has no FIELD_TYPE_NAMES")


FIELD_TYPES = compat_field_types()


def plugin_files(root: Path = ROOT) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root)
        dirnames[:] = sorted(
            d for d in dirnames if not (rel == Path(".") and d in SKIP_DIRS) and d != "__pycache__" and not d.startswith(".")
        )
        for name in sorted(filenames):
            if name.endswith(".py"):
                path = Path(dirpath) / name
                if path.relative_to(root).with_suffix("").parts != COMPAT:
                    out.append(path)
    return out


def enum_scope(cls, member: str) -> str | None:
    """The name of the enum, nested in ``cls``, that ``cls.member`` belongs to, when ``cls.<enum>.member``
    is the very same object; None for anything that is not an unscoped enum member."""
    try:
        value = getattr(cls, member)
    except AttributeError:
        return None
    kind = type(value)
    if not isinstance(value, int) or kind in (int, bool):
        return None
    enum_name = kind.__name__
    scope = getattr(cls, enum_name, None)
    if scope is not kind:
        return None
    if getattr(scope, member, None) is not value and getattr(scope, member, None) != value:
        return None
    return enum_name


def imported_objects(tree: ast.Module) -> dict[str, object]:
    """Names imported from Qt/QGIS modules in this file → the objects (resolved in this interpreter)."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith(QT_MODULES):
            module_name = node.module.replace("PyQt5.", "qgis.PyQt.", 1) if node.module.startswith("PyQt5.") else node.module
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue
            for alias in node.names:
                if hasattr(module, alias.name):
                    found[alias.asname or alias.name] = getattr(module, alias.name)
    return found


def compat_import(path: Path, root: Path, names: list[str]) -> str:
    package = list(path.relative_to(root).parent.parts)
    target = list(COMPAT)
    k = 0
    while k < len(package) and k < len(target) - 1 and package[k] == target[k]:
        k += 1
    dots = "." * (len(package) - k + 1)
    return f"from {dots}{'.'.join(target[k:])} import {', '.join(sorted(names))}"


def plan(path: Path, root: Path = ROOT) -> tuple[list[tuple[int, int, int, str]], list[str], str]:
    """Edits for one file: (line, start byte, end byte, new text) on the original, the compat names to import,
    and the source."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    objects = imported_objects(tree)
    lines = source.encode("utf-8").split(b"\n")
    edits: list[tuple[int, int, int, str]] = []
    compat_names: set[str] = set()
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.lineno == node.end_lineno:
            owner = node.value.id
            line = lines[node.lineno - 1]
            attr_start = node.end_col_offset - len(node.attr.encode("utf-8"))
            if owner == "QVariant" and node.attr in FIELD_TYPES and not isinstance(parents.get(node), ast.Attribute):
                name = FIELD_TYPES[node.attr]
                edits.append((node.lineno, node.col_offset, node.end_col_offset, name))
                compat_names.add(name)
            elif owner in objects:
                scope = enum_scope(objects[owner], node.attr)
                if scope and line[attr_start : node.end_col_offset].decode() == node.attr:
                    edits.append((node.lineno, attr_start, attr_start, f"{scope}."))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in RENAMED_METHODS:
            end = node.func.end_col_offset
            edits.append((node.func.end_lineno, end - len(node.func.attr), end, RENAMED_METHODS[node.func.attr]))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("PyQt5."):
            line = lines[node.lineno - 1]
            start = line.index(b"PyQt5.")
            edits.append((node.lineno, start, start + len("PyQt5"), "qgis.PyQt"))
    return edits, sorted(compat_names), source


def apply(path: Path, root: Path = ROOT) -> bool:
    edits, compat_names, source = plan(path, root)
    if not edits:
        return False
    lines = source.encode("utf-8").split(b"\n")
    for lineno, start, end, text in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        line = lines[lineno - 1]
        lines[lineno - 1] = line[:start] + text.encode("utf-8") + line[end:]
    new = b"\n".join(lines).decode("utf-8")
    if compat_names:
        new = add_compat_import(new, path, root, compat_names)
        new = drop_unused_qvariant(new)
    path.write_text(new, encoding="utf-8")
    return True


def add_compat_import(source: str, path: Path, root: Path, names: list[str]) -> str:
    tree = ast.parse(source)
    wanted = compat_import(path, root, names)
    module = wanted.split()[1]
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and ("." * node.level + (node.module or "")) == module:
            have = {a.name for a in node.names}
            merged = sorted(have | set(names))
            lines = source.split("\n")
            lines[node.lineno - 1 : node.end_lineno] = [f"from {module} import {', '.join(merged)}"]
            return "\n".join(lines)
    last = max((n.end_lineno for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))), default=0)
    lines = source.split("\n")
    lines.insert(last, wanted)
    return "\n".join(lines)


def drop_unused_qvariant(source: str) -> str:
    tree = ast.parse(source)
    used = any(isinstance(n, ast.Name) and n.id == "QVariant" for n in ast.walk(tree))
    if used:
        return source
    lines = source.split("\n")
    for node in reversed(tree.body):
        if isinstance(node, ast.ImportFrom) and any(a.name == "QVariant" for a in node.names):
            rest = [a for a in node.names if a.name != "QVariant"]
            text = (
                [f"from {node.module} import {', '.join(a.name + (f' as {a.asname}' if a.asname else '') for a in rest)}"] if rest else []
            )
            lines[node.lineno - 1 : node.end_lineno] = text
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; list what is left to rewrite")
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    pending = 0
    changed = []
    for path in plugin_files(args.root):
        if args.check:
            edits, _names, source = plan(path, args.root)
            lines = source.split("\n")
            for lineno, _s, _e, text in sorted(edits):
                print(f"{path.relative_to(args.root)}:{lineno}: → {text}: {lines[lineno - 1].strip()}")
            pending += len(edits)
        elif apply(path, args.root):
            changed.append(path)
    if args.check:
        print(f"qt6_rewrite: {pending} place(s) to rewrite")
        return 1 if pending else 0
    ruff = args.root / ".venv" / "bin" / "ruff"
    if changed and ruff.exists():
        files = [str(p) for p in changed]
        subprocess.run([str(ruff), "check", "-q", "--select", "I", "--fix", *files], cwd=args.root, check=False)
        subprocess.run([str(ruff), "format", "-q", *files], cwd=args.root, check=False)
    for path in changed:
        print(f"rewritten: {path.relative_to(args.root)}")
    left = sum(len(plan(path, args.root)[0]) for path in plugin_files(args.root))
    print(f"qt6_rewrite: {len(changed)} file(s) rewritten, {left} place(s) left")
    if left == 0:
        mark_qt6_ready(args.root / "metadata.txt")
    return 0 if left == 0 else 1


def mark_qt6_ready(metadata: Path) -> None:
    """supportsQt6=True in metadata.txt, once nothing is left to rewrite."""
    lines = metadata.read_text(encoding="utf-8").split("\n")
    lines = [line for line in lines if not line.startswith("supportsQt6=")]
    at = next(i for i, line in enumerate(lines) if line.startswith("qgisMinimumVersion=")) + 1
    lines.insert(at, "supportsQt6=True")
    metadata.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
