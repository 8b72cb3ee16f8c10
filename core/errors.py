"""The one coded error of core/: core never holds user-visible text, so it raises an exception carrying a
``code`` (a fixed lowercase word) and ``details`` (the values that explain it), and the Processing layer words
the message, through tr(), from the code (see processing/messages.py).

Each core module keeps its own subclass (``class NetworkError(CodedError, ValueError)``), so callers still
write ``except NetworkError``; the base only removes the copies of the same constructor.
"""

from __future__ import annotations

from typing import Any


class CodedError(Exception):
    """Raised with a ``code`` and ``details``; ``str(error)`` is the code."""

    def __init__(self, code: str, **details: Any):
        super().__init__(code)
        self.code = code
        self.details = details
