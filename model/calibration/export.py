"""Export a pyabc history: the posterior Parquet, generation diagnostics, identifiability."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model.calibration.abc import natural
from model.manifest import git_commit
from model.parameters import SPECS


def generations(history) -> list[dict[str, Any]]:
    """Per generation: epsilon, simulations, particles, acceptance rate, ESS, wall time.

    The wall time is the generation's own, as pyabc recorded it.
    """
    pops = history.get_all_populations()
    rows = []
    for _, pop in pops[pops["t"] >= 0].iterrows():
        _, w = history.get_distribution(m=0, t=int(pop["t"]))
        rows.append({
            "t": int(pop["t"]), "epsilon": float(pop["epsilon"]),
            "simulations": int(pop["samples"]), "particles": int(pop["particles"]),
            "acceptance_rate": float(pop["particles"] / max(pop["samples"], 1)),
            "ess": float(1.0 / np.sum(np.square(w / w.sum()))),
            "wall_time_s": round(float(pop["wall_time"]), 3),
        })
    return rows


def sampling_time(history, t: int) -> float:
    """Seconds pyabc spent sampling up to generation ``t``, the calibration sample included.

    Read from the history itself, so it is right for any generation, any number of
    invocations (pauses between them excluded) and whatever diagnostics file lies next to it.
    """
    pops = history.get_all_populations()
    return round(float(pops.loc[pops["t"] <= t, "wall_time"].sum()), 3)


def identifiability(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Posterior vs prior spread per parameter: ratio < 0.5 means the data constrain it."""
    w = frame["weight"].to_numpy() / frame["weight"].sum()
    rows = []
    for name in frame.columns.drop("weight"):
        lo, hi = SPECS[name].prior
        x = frame[name].to_numpy()
        mean = float(np.sum(w * x))
        sd = float(np.sqrt(np.sum(w * (x - mean) ** 2)))
        ratio = sd / ((hi - lo) / np.sqrt(12.0))
        q = np.interp([0.05, 0.5, 0.95], np.cumsum(w[np.argsort(x)]), np.sort(x))
        rows.append({"parameter": name, "prior": [lo, hi], "mean": mean, "q05": q[0],
                     "median": q[1], "q95": q[2], "sd_ratio": ratio,
                     "verdict": "constrained" if ratio < 0.5 else
                     ("weakly constrained" if ratio < 0.8 else "near prior")})
    return rows


def export(history, config, wall_time_s: float, resumed: bool = False,
           generation: int | None = None) -> dict[str, Any]:
    """Write ``posterior.parquet`` and ``diagnostics.json`` next to the config; return both.

    ``wall_time_s`` is this invocation's; ``wall_time_total_s`` adds those of the earlier
    invocations of a resumed run (read from the ``diagnostics.json`` being replaced), and
    ``invocations`` counts them. With ``generation`` (no sampling: ``--export-generation``)
    the posterior is that generation's population, the diagnostics stop at it, and the
    earlier invocations' wall time is carried over unchanged.

    Args:
        history: pyabc History of the run.
        config: The :class:`~model.calibration.abc.AbcConfig`.
        wall_time_s: Wall time of this invocation.
        resumed: Whether this invocation continued a stored run (``--resume``).
        generation: The generation to export (default: the last).
    """
    diag_path = Path(config.file("posterior")).with_name("diagnostics.json")
    earlier = _earlier_invocations(diag_path) if resumed or generation is not None else (0.0, 0)
    t = history.max_t if generation is None else generation
    frame, w = history.get_distribution(m=0, t=t)
    frame = frame.reset_index(drop=True)[list(config.free)]
    for name in config.free:  # logit scale -> the parameter's own units
        frame[name] = [natural(name, z) for z in frame[name]]
    frame["weight"] = w / w.sum()
    every = generations(history)
    gens = [g for g in every if g["t"] <= t]
    # the calibration sample before generation 0 counts too
    later = sum(g["simulations"] for g in every[len(gens):])
    simulations = int(history.total_nr_simulations) - later
    replicates = config.replicates
    meta = {"generations": len(gens), "final_epsilon": gens[-1]["epsilon"],
            "simulations": simulations, "replicates_per_particle": replicates,
            "model_runs": simulations * replicates, "config": config.path.name,
            **provenance(config)}
    if generation is not None:
        meta["exported_generation"] = generation
        meta["generations_stored"] = len(every)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           b"khorasan": json.dumps(meta).encode()})
    pq.write_table(table, config.file("posterior"))
    sampled = generation is None
    diagnostics = {**meta, "sampling_time_s": sampling_time(history, t),
                   "wall_time_s": round(wall_time_s, 1),
                   "wall_time_total_s": round(earlier[0] + wall_time_s, 1),
                   "invocations": earlier[1] + sampled, "per_generation": gens,
                   "identifiability": identifiability(frame)}
    diag_path.write_text(json.dumps(diagnostics, indent=2, default=float) + "\n")
    return diagnostics


def provenance(config) -> dict[str, Any]:
    """What reproduces the export: the config's settings and free parameters, the commit, pyabc.

    The commit is that of the export; ``--export-generation`` can run at a later commit than
    the sampling did.
    """
    return {"settings": config.settings, "free": list(config.free), "git_commit": git_commit(),
            "pyabc": metadata.version("pyabc")}


def _earlier_invocations(path: Path) -> tuple[float, int]:
    """Total wall time and number of the invocations recorded in an earlier diagnostics file.

    ``(0.0, 0)`` if there is none or it cannot be read (the total then covers this
    invocation only).
    """
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
        return (float(old.get("wall_time_total_s", old["wall_time_s"])),
                int(old.get("invocations", 1)))
    except (OSError, ValueError, KeyError, TypeError):
        return 0.0, 0
