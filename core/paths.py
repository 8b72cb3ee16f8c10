"""Where the plugin's own files are: every module finds resources through here, wherever it sits."""

from __future__ import annotations

import os

PLUGIN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESOURCES = os.path.join(PLUGIN_DIR, "resources")


def resource(*parts: str) -> str:
    """The path of a file under resources/."""
    return os.path.join(RESOURCES, *parts)
