"""Write a history-matching calibration's posterior and diagnostics."""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model.calibration.export import identifiability
from model.calibration.hm import natural
from model.calibration.hm_config import HmConfig
from model.manifest import git_commit


def _ess(weights: np.ndarray) -> float:
    w = weights / weights.sum()
    return float(1.0 / np.sum(w ** 2))


def record(config: HmConfig, result: dict[str, Any]) -> dict[str, Any]:
    """The calibration record stored with the posterior: what reproduces it."""
    return {"method": "history matching + rejection ABC", "config": config.path.name,
            "settings": config.settings, "free": list(config.free),
            "prior_drawn": list(config.prior_drawn),
            "targets": [t.name for t in config.targets], "fingerprint": config.fingerprint(),
            "model_runs": int(result["model_runs"]), "git_commit": git_commit()}


def export(config: HmConfig, result: dict[str, Any]) -> dict[str, Any]:
    """Write ``posterior`` (Parquet: free parameters + ``weight``) and ``diagnostics``.

    The weights are equal (rejection sampling), so the effective sample size is the
    population size; the distance threshold (epsilon) is the largest accepted distance.
    """
    frame = pd.DataFrame(natural(config.free, result["u"]))
    frame["weight"] = 1.0 / len(frame)
    meta = record(config, result)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           b"khorasan": json.dumps(meta).encode()})
    path = config.file("posterior")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)
    everything = result["all_distances"]
    diagnostics = {
        **{k: meta[k] for k in ("method", "config", "free", "prior_drawn", "model_runs",
                                "git_commit", "fingerprint")},
        "seed": config["seed"], "population_size": len(frame),
        "ess": _ess(frame["weight"].to_numpy()), "particles": len(everything),
        "replicates_per_particle": config["replicates_per_particle"],
        "epsilon": float(result["distance"].max()),
        "acceptance_share": len(frame) / len(everything),
        "distance_quantiles": dict(zip(("q01", "q10", "q50"), np.quantile(
            everything, [0.01, 0.1, 0.5]).round(3).tolist(), strict=True)),
        "wall_s": round(float(result["wall_s"]), 1), "waves": result["waves"],
        "final": result["final"], "settings": config.settings,
        "targets": meta["targets"], "identifiability": identifiability(frame),
    }
    out = config.file("diagnostics")
    out.write_text(json.dumps(diagnostics, indent=2, default=float) + "\n", encoding="utf-8")
    return diagnostics
