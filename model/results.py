"""Reading a run directory's result files (light: no Mesa, no simulation)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model.errors import KhorasanError


def read_table(run_dir: Path, kind: str) -> pd.DataFrame:
    """Read ``provinces`` or ``national`` results of a run directory.

    Raises:
        KhorasanError: If the file is missing or unreadable.
    """
    path = Path(run_dir) / f"{kind}.parquet"
    try:
        return pq.read_table(path).to_pandas()
    except (OSError, pa.ArrowInvalid) as exc:
        raise KhorasanError(f"{path}: cannot read results: {exc}") from None


def replicate_draws(manifest: dict[str, Any], replicates: Iterable[int],
                    where: str = "manifest.json") -> pd.Series:
    """Each replicate's parameter draw, from a run's manifest (indexed by replicate).

    Runs record it as ``parameters.draw_of_replicate``. For a manifest written before that,
    a posterior run gave each replicate its own draw, and any other run one parameter set to
    all replicates (draw 0).

    Raises:
        KhorasanError: If the recorded list does not cover the replicates (``where`` names
            the manifest).
    """
    info = manifest.get("parameters") or {}
    replicates = [int(r) for r in replicates]
    recorded = info.get("draw_of_replicate")
    if recorded is not None:
        if not isinstance(recorded, list) or any(not 0 <= r < len(recorded)
                                                 for r in replicates):
            raise KhorasanError(f"{where}: 'parameters.draw_of_replicate' does not give the "
                                f"draw of replicates 0..{max(replicates, default=0)}")
        draws = [recorded[r] for r in replicates]
    elif info.get("source") == "posterior":
        draws = replicates
    else:
        draws = [0] * len(replicates)
    return pd.Series(draws, index=pd.Index(replicates, name="replicate"), name="draw")


def read_draws(run_dir: Path, replicates: Iterable[int]) -> pd.Series:
    """:func:`replicate_draws` of a run directory's ``manifest.json`` (one set if unreadable)."""
    path = Path(run_dir) / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    return replicate_draws(manifest if isinstance(manifest, dict) else {}, replicates,
                           str(path))
