"""One check of every file or folder an algorithm is about to write, before it reads anything.

QGIS's writers fail late and in their own words ("Creation of data source failed (OGR error: …)", or a Python
traceback from an algorithm that opens the file itself). ``check_destinations`` looks at each destination
parameter (feature sinks, vector, raster and file destinations, folder destinations) once, up front, and ends
the run with a worded ``QgsProcessingException`` naming the parameter and the path when:

- a file destination is an existing folder;
- a folder on the way to it is in fact a file ("a file where a folder is expected"), or does not exist;
- the file exists and is read-only (no write permission bit, or the system refuses writing), which is how
  users protect last quarter's map;
- the folder it goes into is read-only (no write permission bit, the system refuses, or a read-only mount);
- a folder destination is an existing file, or cannot be created under a read-only or missing parent.

Nothing is created or changed here. Temporary outputs, memory layers and database destinations
(``postgis:``, ``ogr:`` connection strings…) are not files and are left to their providers.
``WbeAlgorithm.prepareAlgorithm`` (processing/base.py) calls it, so every algorithm of the provider gets it.
"""

from __future__ import annotations

import os
import re
import stat

from qgis.core import QgsProcessing, QgsProcessingException, QgsProcessingOutputLayerDefinition

from ...translate import tr

FILE_TYPES = ("sink", "vectorDestination", "rasterDestination", "fileDestination", "pointcloudDestination")
FOLDER_TYPES = ("folderDestination",)
_PROVIDER_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9_]+:")  # postgis:, ogr:, memory:, spatialite:… (not C:)


def _raw_text(value) -> str:
    """The destination as the caller gave it, before Processing resolves it (for the temporary check)."""
    if isinstance(value, QgsProcessingOutputLayerDefinition):
        return value.sink.staticValue() if value.sink is not None else ""
    if value is None:
        return ""
    if hasattr(value, "isNull") and value.isNull():
        return ""
    return str(value)


def destination_path(text: str) -> str:
    """The file system path of a destination string, or "" when it is not a file (temporary, memory, database)."""
    text = (text or "").strip()
    if not text or text == QgsProcessing.TEMPORARY_OUTPUT or text.startswith("/vsi"):
        return ""
    if _PROVIDER_PREFIX.match(text):
        return ""
    return os.path.abspath(os.path.expanduser(text.split("|", 1)[0]))


def _read_only_mount(path: str) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def _writable(path: str) -> bool:
    """False for a path nobody may write (no write bit: what users set to protect a file, and what root would
    otherwise ignore), one the system refuses for this user, or one on a read-only mount."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return False
    return os.access(path, os.W_OK) and not _read_only_mount(path)


def _existing_ancestor(path: str) -> str:
    parent = os.path.dirname(path)
    while parent and not os.path.lexists(parent):
        up = os.path.dirname(parent)
        if up == parent:
            break
        parent = up
    return parent


def file_problem(path: str, label: str, extension: str = "") -> str:
    """The worded problem with writing the file ``path`` for the output ``label``, or "".
    ``extension`` (without the dot) is used in the example file name given for a folder."""
    if os.path.isdir(path):
        suffix = "." + extension.lstrip(".") if extension else (os.path.splitext(path)[1] or ".gpkg")
        return tr("The output “{label}” is the folder “{path}”, not a file. Give a file name, for example “{example}”.").format(
            label=label, path=path, example=os.path.join(path, "result" + suffix)
        )
    folder = os.path.dirname(path)
    ancestor = _existing_ancestor(path)
    if ancestor and not os.path.isdir(ancestor):
        return tr("The output “{label}” cannot be written to “{path}”: “{file}” is a file, not a folder.").format(
            label=label, path=path, file=ancestor
        )
    if ancestor != folder:
        return tr("The output “{label}” cannot be written to “{path}”: the folder “{folder}” does not exist.").format(
            label=label, path=path, folder=folder
        )
    if os.path.lexists(path) and not _writable(path):
        return tr(
            "The output “{label}” cannot be written: the file “{path}” exists and is read-only. Choose another name or make it writable."
        ).format(label=label, path=path)
    if not _writable(folder):
        return tr("The output “{label}” cannot be written to “{path}”: the folder “{folder}” is read-only.").format(
            label=label, path=path, folder=folder
        )
    return ""


def folder_problem(path: str, label: str) -> str:
    """The worded problem with writing into (or creating) the folder ``path`` for the output ``label``, or ""."""
    if os.path.lexists(path) and not os.path.isdir(path):
        return tr("The output “{label}” needs a folder, but “{path}” is a file.").format(label=label, path=path)
    if os.path.isdir(path):
        if not _writable(path):
            return tr("The output “{label}” cannot be written: the folder “{path}” is read-only.").format(label=label, path=path)
        return ""
    ancestor = _existing_ancestor(path)
    if ancestor and not os.path.isdir(ancestor):
        return tr("The output “{label}” cannot be written to “{path}”: “{file}” is a file, not a folder.").format(
            label=label, path=path, file=ancestor
        )
    if ancestor and not _writable(ancestor):
        return tr("The output “{label}” cannot be written to “{path}”: the folder “{folder}” is read-only.").format(
            label=label, path=path, folder=ancestor
        )
    return ""


def check_destinations(algorithm, parameters: dict, context) -> None:
    """Raise a worded QgsProcessingException for the first destination of ``algorithm`` that cannot be written."""
    for definition in algorithm.destinationParameterDefinitions():
        kind = definition.type()
        if kind not in FILE_TYPES and kind not in FOLDER_TYPES:
            continue
        name = definition.name()
        value = parameters.get(name)
        if not _raw_text(value).strip() or _raw_text(value).strip() == QgsProcessing.TEMPORARY_OUTPUT:
            continue
        try:
            if kind in ("fileDestination", "folderDestination"):
                resolved = algorithm.parameterAsFileOutput(parameters, name, context)
            else:
                resolved = algorithm.parameterAsOutputLayer(parameters, name, context)
        except Exception:  # Processing itself words a destination it cannot read
            continue
        path = destination_path(resolved)
        if not path:
            continue
        label = definition.description() or name
        if kind in FOLDER_TYPES:
            problem = folder_problem(path, label)
        else:
            extension = definition.defaultFileExtension() if hasattr(definition, "defaultFileExtension") else ""
            problem = file_problem(path, label, extension)
        if problem:
            raise QgsProcessingException(problem)


def discard_output(dest_id: str, context) -> None:
    """After a cancel: remove a file output written in part (a cancelled run leaves no output). The sink must
    already be closed (deleted) by the caller; memory layers are dropped with the context."""
    import os

    from qgis.core import QgsProcessingUtils

    path = str(dest_id).split("|")[0]
    layer = QgsProcessingUtils.mapLayerFromString(dest_id, context, False) if not os.path.exists(path) else None
    if layer is not None:
        return
    if "|layername=" in str(dest_id) and os.path.isfile(path):
        # One layer of a file that may hold others (a GeoPackage the user chose): drop that layer only.
        from osgeo import ogr

        name = str(dest_id).split("|layername=")[1].split("|")[0]
        dataset = ogr.Open(path, 1)
        if dataset is not None:
            for index in range(dataset.GetLayerCount()):
                if dataset.GetLayerByIndex(index).GetName() == name:
                    dataset.DeleteLayer(index)
                    break
            dataset = None
        return
    if os.path.isfile(path):
        stem, _ext = os.path.splitext(path)
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        if path.lower().endswith(".shp"):
            for ext in (".shx", ".dbf", ".prj", ".cpg", ".qix", ".qmd"):
                if os.path.exists(stem + ext):
                    os.remove(stem + ext)
