"""The repository root is the plugin folder. QGIS imports it as ``wbe_surveillance`` from a plugins folder;
tests, benches and scripts do the same through a folder holding one link, ``wbe_surveillance`` → the root.

Never put the root itself on sys.path: its ``processing`` package would hide QGIS's own ``processing``.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NAME = "wbe_surveillance"
# What the plugin is made of: `make package` zips these under wbe_surveillance/; the rest of the root (tests,
# bench, scripts, docs, build files) stays in the repository.
PLUGIN_ENTRIES = (
    "metadata.txt",
    "LICENSE",
    "__init__.py",
    "plugin.py",
    "translate.py",
    "core",
    "dialogs",
    "processing",
    "storage",
    "resources",
    "i18n",
)
SKIP_SUFFIXES = (".pyc", ".gpkg-shm", ".gpkg-wal")


def plugin_files() -> list[Path]:
    """Every file of the plugin proper, sorted."""
    files: list[Path] = []
    for entry in PLUGIN_ENTRIES:
        path = REPO / entry
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += [p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(SKIP_SUFFIXES)]
    return sorted(files)


def package(zip_path: Path) -> Path:
    """The installable zip: the plugin's files under one folder named wbe_surveillance/."""
    import zipfile

    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in plugin_files():
            archive.write(path, f"{NAME}/{path.relative_to(REPO).as_posix()}")
    return zip_path


def plugins_folder() -> Path:
    """A folder (outside the repository) whose only entry is the link ``wbe_surveillance`` → the root."""
    tag = hashlib.sha1(str(REPO).encode()).hexdigest()[:10]
    folder = Path(tempfile.gettempdir()) / f"wbe-plugins-{os.getuid()}-{tag}"
    folder.mkdir(exist_ok=True)
    link = folder / NAME
    if not (link.is_symlink() and link.resolve() == REPO):
        tmp = folder / f".{NAME}.{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        tmp.symlink_to(REPO, target_is_directory=True)
        os.replace(tmp, link)
    return folder


def make_importable() -> Path:
    """Put the plugins folder first on sys.path (and take the root off it); returns the plugins folder."""
    folder = plugins_folder()
    sys.path[:] = [p for p in sys.path if Path(p or os.getcwd()).resolve() != REPO]
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    if "/usr/share/qgis/python/plugins" not in sys.path:
        sys.path.append("/usr/share/qgis/python/plugins")
    return folder


if __name__ == "__main__":
    if sys.argv[1:2] == ["package"]:
        print(package(Path(sys.argv[2])))
    else:
        print(plugins_folder())
