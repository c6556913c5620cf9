"""Khorasan: an agent-based scenario model of the Taliban-ISKP power struggle in Afghanistan.

The public names are loaded on first use, so that the views (``summarize``, ``plot``,
``report``) can read ``model.__version__`` without importing Mesa or the simulation.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("khorasan")
except PackageNotFoundError:  # pragma: no cover - a source tree that is not installed
    __version__ = "0.1.0"

_LAZY = {
    "Replicate": "model.api",
    "run_replicate": "model.api",
    "simulate": "model.api",
    "Intervention": "model.model",
    "KhorasanModel": "model.model",
    "SPECS": "model.parameters",
    "Parameters": "model.parameters",
}

__all__ = [
    "SPECS",
    "Intervention",
    "KhorasanModel",
    "Parameters",
    "Replicate",
    "__version__",
    "run_replicate",
    "simulate",
]


def __getattr__(name: str):
    """Import a public name from its module on first use."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'model' has no attribute '{name}'")
