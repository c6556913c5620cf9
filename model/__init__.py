"""Khorasan: an agent-based scenario model of the Taliban-ISKP power struggle in Afghanistan."""

from model.api import Replicate, run_replicate, simulate
from model.model import Intervention, KhorasanModel
from model.parameters import SPECS, Parameters

__version__ = "0.1.0"

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
