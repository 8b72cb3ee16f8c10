#!/usr/bin/python3
"""Every Qt name the plugin's code uses, resolved in real PyQt6 (issue 15 item 3: ready for QGIS 4).

    python3 scripts/qt6_names.py [REPO]      (where PyQt6 is installed: the sid chroot, `make test-versions`)

QGIS's scripts/pyqt5_to_pyqt6/pyqt5_to_pyqt6.py cannot run here (it needs a Qt6 QGIS, or an enums.json no package
ships). This does the part of its work that only PyQt6 can answer, by introspection rather than a list:

1. each name the plugin imports from ``qgis.PyQt.<Module>`` exists in ``PyQt6.<Module>`` (on QGIS 4,
   ``qgis.PyQt.<Module>`` is ``from PyQt6.<Module> import *``);
2. each attribute chain rooted at such a name, as written in the code (``Qt.AlignmentFlag.AlignLeft``,
   ``QMetaType.Type.Double``, ``QSizePolicy.Policy.Expanding``, ``QPainter.RenderHint.Antialiasing``,
   ``QCoreApplication.translate``…), resolves attribute by attribute on the PyQt6 class. An unscoped enum
   member (``Qt.AlignLeft``) does not resolve in PyQt6, so it fails here too.

The code is collected with ``ast`` from the plugin's files (scripts/qt6_rewrite.py's ``plugin_files``) plus
processing/compat.py, whose branches for QGIS before 3.38 (``if QGIS_VERSION_INT >= …: … else: <old QGIS>``)
are left out: QGIS 4 never runs them; so is a Qt5 import in ``except ImportError`` after a ``try`` that imports the
same name the Qt6 way (the Qt6 one is checked). Only the standard library and PyQt6 are imported, never QGIS or PyQt5.
Prints the count of names checked and each failure (file:line name: reason); exit 1 on any failure.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from pathlib import Path

QT_PACKAGE = "qgis.PyQt"


def plugin_files(root: Path) -> list[Path]:
    """The plugin's Python files (as scripts/qt6_rewrite.py lists them) and processing/compat.py."""
    spec = importlib.util.spec_from_file_location("qt6_rewrite", root / "scripts" / "qt6_rewrite.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    files = module.plugin_files(root)
    compat = root / "processing" / "compat.py"
    return [*files, compat] if compat.exists() and compat not in files else files


def _old_qgis_branches(tree: ast.Module) -> set[int]:
    """ids of the statements under ``else`` of ``if QGIS_VERSION_INT >= N`` (or under ``if QGIS_VERSION_INT < N``):
    code only QGIS 3 runs."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.If) and isinstance(node.test, ast.Compare) and len(node.test.ops) == 1):
            continue
        left = node.test.left
        if not (isinstance(left, ast.Name) and left.id == "QGIS_VERSION_INT"):
            continue
        op = node.test.ops[0]
        old = node.orelse if isinstance(op, (ast.GtE, ast.Gt)) else node.body if isinstance(op, (ast.Lt, ast.LtE)) else []
        for statement in old:
            skipped.update(id(n) for n in ast.walk(statement))
    return skipped


def _fallback_imports(tree: ast.Module) -> set[int]:
    """ids of the imports in an ``except ImportError`` handler that import a name its ``try`` body imports too
    (``try: from qgis.PyQt.QtGui import QAction`` / ``except ImportError: from qgis.PyQt.QtWidgets import QAction``):
    the Qt5 spelling, which QGIS 4 never reaches when the Qt6 one resolves (and that one is checked)."""
    fallbacks: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try):
            continue
        tried = {a.asname or a.name for n in node.body for sub in ast.walk(n) if isinstance(sub, ast.ImportFrom) for a in sub.names}
        for handler in node.handlers:
            caught = handler.type
            names = [caught] if not isinstance(caught, ast.Tuple) else list(caught.elts)
            if not any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError") for n in names):
                continue
            for statement in handler.body:
                for sub in ast.walk(statement):
                    if isinstance(sub, ast.ImportFrom) and all((a.asname or a.name) in tried for a in sub.names):
                        fallbacks.add(id(sub))
    return fallbacks


def _chain(node: ast.Attribute) -> list[str] | None:
    """``A.b.c`` → ["A", "b", "c"]; None when the chain does not start at a plain name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def uses(path: Path) -> tuple[list[tuple[int, str, str, str]], list[tuple[int, str, list[str]]]]:
    """What one file takes from Qt: its imports ``(line, module, name, local name)`` from ``qgis.PyQt.<Module>``,
    and the longest attribute chains ``(line, module, [name, attr, …])`` rooted at an imported name."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skipped = _old_qgis_branches(tree) | _fallback_imports(tree)
    imports = []
    for node in ast.walk(tree):
        if id(node) in skipped or not isinstance(node, ast.ImportFrom) or not node.module:
            continue
        if node.module.startswith(QT_PACKAGE + "."):
            qt_module = node.module[len(QT_PACKAGE) + 1 :]
            imports += [(node.lineno, qt_module, a.name, a.asname or a.name) for a in node.names]
        elif node.module == QT_PACKAGE:  # from qgis.PyQt import QtCore: the module itself
            imports += [(node.lineno, a.name, "", a.asname or a.name) for a in node.names]
    local = {asname: (module, name) for _line, module, name, asname in imports}
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    chains = []
    for node in ast.walk(tree):
        if id(node) in skipped or not isinstance(node, ast.Attribute) or isinstance(parents.get(node), ast.Attribute):
            continue  # only the outermost attribute of a chain
        parts = _chain(node)
        if parts and parts[0] in local:
            module, name = local[parts[0]]
            chains.append((node.lineno, module, ([name] if name else []) + parts[1:]))
    return imports, chains


def resolve(module: str, parts: list[str]) -> str:
    """ "" when ``PyQt6.<module>.<parts…>`` exists, else what is missing."""
    try:
        obj = importlib.import_module("PyQt6." + module)
    except ImportError as exc:
        return f"PyQt6.{module} cannot be imported ({exc})"
    walked = "PyQt6." + module
    for part in parts:
        if not hasattr(obj, part):
            hint = ""
            if walked == "PyQt6." + module:  # a top-level name: say which PyQt6 module has it instead
                for other in ("QtCore", "QtGui", "QtWidgets", "QtSvg", "QtXml", "QtPrintSupport", "QtNetwork", "QtTest"):
                    if (
                        other != module
                        and importlib.util.find_spec("PyQt6." + other)
                        and hasattr(importlib.import_module("PyQt6." + other), part)
                    ):
                        hint = f" (it is in PyQt6.{other})"
                        break
            return f"{walked} has no {part}{hint}"
        obj = getattr(obj, part)
        walked += "." + part
    return ""


def check(root: Path) -> tuple[int, list[str]]:
    """(how many distinct names were resolved, each failure as "file:line name: reason")."""
    seen: dict[tuple[str, tuple[str, ...]], str] = {}
    failures = []
    for path in plugin_files(root):
        imports, chains = uses(path)
        where = path.relative_to(root)
        items = [(line, module, [name] if name else []) for line, module, name, _ in imports] + chains
        for line, module, parts in items:
            key = (module, tuple(parts))
            if key not in seen:
                seen[key] = resolve(module, parts)
            if seen[key]:
                failures.append(f"{where}:{line} {'.'.join([module, *parts])}: {seen[key]}")
    return len(seen), failures


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0] if args else Path(__file__).resolve().parents[1]).resolve()
    from PyQt6.QtCore import PYQT_VERSION_STR, QT_VERSION_STR

    count, failures = check(root)
    for failure in failures:
        print(failure)
    print(
        f"qt6_names: {count} Qt names the plugin uses checked against PyQt6 {PYQT_VERSION_STR} (Qt {QT_VERSION_STR}): {len(failures)} failing"
    )
    return 1 if failures or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
