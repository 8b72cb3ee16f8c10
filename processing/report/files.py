"""Checked writes for maps, reports and charts: every file is written to a temporary name beside its target and
renamed into place only once it is complete, so a failure or a cancel never leaves a partial file and never
replaces an earlier round's output. A target that is a folder, or an existing file the user made read-only,
is refused with words, before anything is drawn."""

from __future__ import annotations

import os
import tempfile

from ...translate import tr


class WriteError(Exception):
    """A worded reason why an output file cannot be written (the caller raises QgsProcessingException with it)."""


def check_target(path: str) -> None:
    if not path:
        raise WriteError(tr("No output file was given."))
    if os.path.isdir(path):
        raise WriteError(tr("The output “{path}” is a folder, not a file: give a file name.").format(path=path))
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as error:
            raise WriteError(
                tr("The folder of “{path}” cannot be created: {error}").format(path=path, error=error.strerror or str(error))
            ) from error
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise WriteError(
            tr("The file “{path}” exists and is read-only: it was left as it is. Choose another name or make it writable.").format(
                path=path
            )
        )
    if not os.access(folder, os.W_OK):
        raise WriteError(tr("The folder of “{path}” is not writable.").format(path=path))


def temp_beside(path: str) -> str:
    """A new empty temporary file in the target's folder (same file system, so the final rename is atomic)."""
    folder = os.path.dirname(os.path.abspath(path))
    stem, ext = os.path.splitext(os.path.basename(path))
    try:
        handle, tmp = tempfile.mkstemp(prefix=f".{stem[:40]}.", suffix=f".part{ext}", dir=folder)
    except OSError as error:
        raise WriteError(
            tr("The file “{path}” cannot be written: {error}").format(path=path, error=error.strerror or str(error))
        ) from error
    os.close(handle)
    return tmp


def commit(tmp: str, path: str) -> None:
    """Rename a complete temporary file onto its target; an empty file is a failed write."""
    if not os.path.exists(tmp) or os.path.getsize(tmp) == 0:
        raise WriteError(tr("The file “{path}” could not be written (nothing was produced).").format(path=path))
    try:
        os.replace(tmp, path)
    except OSError as error:
        raise WriteError(
            tr("The file “{path}” cannot be written: {error}").format(path=path, error=error.strerror or str(error))
        ) from error


def discard(tmp: str | None) -> None:
    if tmp and os.path.exists(tmp):
        try:
            os.remove(tmp)
        except OSError:
            pass
