"""Command-line options that several sub-commands share, declared once."""

from __future__ import annotations

import argparse
import os

DEFAULT_POSTERIOR = "calibration/posterior.parquet"
"""The committed posterior (relative to the working folder)."""
PARAM_SOURCES = ("posterior", "map", "defaults")
DEFAULT_WORKERS = min(2, os.cpu_count() or 1)


def add_workers(p: argparse.ArgumentParser,
                help: str = "worker processes (results do not depend on it)") -> None:
    """``--workers N`` (default: up to 2, the cores of a CI machine)."""
    p.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help=help)


def add_param_source(p: argparse.ArgumentParser, params_help: str,
                     posterior_help: str = "posterior file for --params posterior|map") -> None:
    """``--params posterior|map|defaults`` and ``--posterior FILE``."""
    p.add_argument("--params", default="posterior", choices=list(PARAM_SOURCES),
                   help=params_help)
    p.add_argument("--posterior", default=DEFAULT_POSTERIOR, help=posterior_help)
