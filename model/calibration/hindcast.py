"""Out-of-sample hindcast: score a posterior's projection against what was observed later.

The hindcast posterior is calibrated on the targets observed up to 2019-12
(``calibration/hindcast/README.md``). Its projection of 2020-01..2021-08 is scored, target by
target, with the 90% interval's coverage and the continuous ranked probability score (CRPS),
next to the CRPS of two naive point forecasts written in the targets file: persistence (the
last value observed before 2020) and climatology (the mean of the years before 2020).

A replicate in which a month statistic (``crossing_month``) never happens counts as the month
after the target's window: later than every month in it, as
:func:`model.calendar.month_quantiles` has it, but finite, so that the CRPS is defined.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.calendar import MONTH_STATISTICS
from model.calibration.check import predictive
from model.calibration.targets import KEYS, Target, parse_target, read_target_tables
from model.config import MAX_REPLICATES, ConfigError
from model.errors import KhorasanError
from model.lock import folder_lock
from model.manifest import write_json
from model.posterior import load_posterior
from model.stats import fmt
from model.suggest import unknown as suggest

NAIVE_KEYS = ("persistence", "climatology", "naive_source")
"""The keys a hindcast target has on top of :data:`model.calibration.targets.KEYS`."""
SCORE_KEYS = ("target", "observed", "median", "q05", "q95", "covered", "crps",
              "crps_persistence", "crps_climatology")
"""The keys of every score (``observed_text`` comes in addition)."""
SCORES, SUMMARY = "scores.json", "summary.json"
QUANTILES = (0.05, 0.5, 0.95)
CIVILIAN = "civilian"
"""Targets whose name holds this word get a verdict against the naive forecasts."""
POSTERIOR_HINT = "the posterior that khorasan calibrate calibration/hindcast/calibrate.toml writes"


@dataclass(frozen=True)
class HindcastTarget:
    """A scored target and its naive forecasts.

    Attributes:
        target: The target (statistic, window, observation).
        persistence: The last value observed before 2020, carried forward, or None.
        climatology: The mean of the values observed in the years before 2020, or None.
        naive_source: How both were derived (one line; empty without them).
    """

    target: Target
    persistence: float | None = None
    climatology: float | None = None
    naive_source: str = ""


def is_month(target: Target) -> bool:
    """True if the target's values are month indices (a month statistic)."""
    return target.statistic in MONTH_STATISTICS


def _number(where: str, key: str, value: Any) -> float | None:
    """None, or a finite number; anything else is a one-line error naming the key."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{where}.{key}' must be a finite number (got {value!r})")
    return float(value)


def _check_target(where: str, target: Target) -> None:
    """What the scores assume of a parsed target: numbers, an ordered range, a month in reach."""
    for key in ("value", "low", "high"):
        _number(where, key, getattr(target, key))
    if target.low is not None and target.low > target.high:
        raise ConfigError(f"{where}.low' must be <= 'high' (got {target.observed})")
    last = target.value if target.value is not None else target.high
    if is_month(target) and last > target.window[1]:
        raise ConfigError(f"{where}.window' must reach the observed months {target.observed}, "
                          "so that a replicate where nothing happens lies beyond them")


def _naive(where: str, given: dict, target: Target) -> dict[str, Any]:
    """The naive forecasts of one table (its :data:`NAIVE_KEYS`), checked."""
    forecasts = {key: _number(where, key, given.get(key)) for key in NAIVE_KEYS[:2]}
    source = given.get("naive_source")
    has = any(v is not None for v in forecasts.values())
    if has and is_month(target):
        raise ConfigError(f"{where}.{next(iter(given))}' is not allowed for statistic "
                          f"'{target.statistic}'; allowed: no naive forecast for a month")
    if source is not None and (not isinstance(source, str) or not source.strip()
                               or "\n" in source):
        raise ConfigError(f"{where}.naive_source' must be one line of text (got {source!r})")
    if has != (source is not None):
        raise ConfigError(f"{where}.naive_source' goes with 'persistence' or 'climatology': "
                          "give the forecasts and their one-line derivation together")
    return {**forecasts, "naive_source": source or ""}


def _hindcast_target(path: Path, k: int, raw: dict) -> HindcastTarget:
    where = f"{path}: key 'target[{k}]"
    allowed = sorted(KEYS | set(NAIVE_KEYS))
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}' is unknown; {suggest(unknown[0], allowed)}")
    window = raw.get("window")
    if "date" not in raw and not (isinstance(window, list) and len(window) == 2):
        raise ConfigError(f"{where}.window' must be [first, last] as YYYY-MM (or give 'date')")
    _number(where, "scale", raw.get("scale"))
    raw = dict(raw)
    naive = {key: raw.pop(key) for key in NAIVE_KEYS if key in raw}
    target = parse_target(path, k, raw)
    _check_target(where, target)
    return HindcastTarget(target, **_naive(where, naive, target))


def load_hindcast_targets(path: str | Path) -> list[HindcastTarget]:
    """Load a hindcast targets file: ``[[target]]`` tables with their naive forecasts.

    Raises:
        ConfigError: On a missing or malformed file, an unknown key or an invalid value
            (one line naming the file and the key), or two targets with one name.
    """
    path = Path(path)
    loaded = [_hindcast_target(path, k, raw) for k, raw in enumerate(read_target_tables(path))]
    names = [h.target.name for h in loaded]
    for k, name in enumerate(names):
        if name in names[:k]:
            raise ConfigError(f"{path}: key 'target[{k}].name' {name!r} is already the name of "
                              f"target[{names.index(name)}]; allowed: a name used once")
    return loaded


# --- scores ---------------------------------------------------------------------------------

def crps(samples, observed: float) -> float:
    """The sample CRPS of an ensemble: ``mean|X - y| - mean|X - X'| / 2``, in O(n log n).

    The mean over all pairs (``X'`` runs over the same samples) comes from the sorted samples:
    ``sum_ij |x_i - x_j| = 2 sum_i (2i - n - 1) x_(i)`` (``i`` from 1).

    Args:
        samples: The ensemble (at least one finite value).
        observed: The observation ``y``.

    Raises:
        ValueError: If there are no samples.
    """
    x = np.sort(np.asarray(samples, dtype=float).ravel())
    n = len(x)
    if n == 0:
        raise ValueError("crps: no samples")
    ranks = 2.0 * np.arange(1, n + 1) - n - 1
    return float(np.abs(x - observed).mean() - ranks @ x / (n * n))


def point_crps(forecast: float | None, observed: float) -> float | None:
    """The CRPS of a point forecast, ``|forecast - y|``; None without a forecast."""
    return None if forecast is None else abs(forecast - observed)


def observed_point(target: Target) -> float:
    """The observation as one number: the point, or the range's midpoint."""
    return target.value if target.value is not None else (target.low + target.high) / 2


def outcomes(target: Target, values) -> np.ndarray:
    """The replicates' statistics as scored.

    For a month statistic, a replicate where it never happens (NaN) counts as the month after
    the window, ``window[1] + 1``; for the others NaNs are left out.
    """
    x = np.asarray(values, dtype=float)
    if is_month(target):
        return np.where(np.isnan(x), target.window[1] + 1.0, x)
    return x[~np.isnan(x)]


def observed_text(target: Target) -> str:
    """The observation as text: ``YYYY-MM`` months, other numbers in full (``2,225,000``)."""
    if is_month(target):
        return target.observed
    if target.value is not None:
        return f"{target.value:,.12g}"
    return f"{target.low:,.12g}..{target.high:,.12g}"


def _finite(x: float) -> float | None:
    return float(x) if x is not None and np.isfinite(x) else None


def score(item: HindcastTarget, values) -> dict[str, Any]:
    """One target's score (:data:`SCORE_KEYS` and ``observed_text``).

    ``median``, ``q05`` and ``q95`` follow :meth:`Target.quantiles` (months as month indices
    from 2015-01); ``covered`` is :meth:`Target.covers` of ``[q05, q95]``; the CRPS are
    against :func:`observed_point`. Without any finite replicate value they are null (and
    ``covered`` false).
    """
    t = item.target
    x = outcomes(t, values)
    y = observed_point(t)
    q05, q50, q95 = t.quantiles(x, QUANTILES) if len(x) else (math.nan,) * 3
    return {"target": t.name, "observed": float(y), "observed_text": observed_text(t),
            "median": _finite(q50), "q05": _finite(q05), "q95": _finite(q95),
            "covered": bool(len(x)) and bool(t.covers(q05, q95)),
            "crps": crps(x, y) if len(x) else None,
            "crps_persistence": point_crps(item.persistence, y),
            "crps_climatology": point_crps(item.climatology, y)}


def naive_verdict(row: dict[str, Any]) -> bool | None:
    """True if the projection's CRPS is at most both naive forecasts'; None if one is null."""
    naive = (row["crps_persistence"], row["crps_climatology"])
    if row["crps"] is None or None in naive:
        return None
    return all(row["crps"] <= n for n in naive)


def summarize(scores: list[dict[str, Any]]) -> dict[str, Any]:
    """Coverage over all targets and, per civilian target, the verdict against naive forecasts."""
    covered = sum(row["covered"] for row in scores)
    return {"targets": len(scores), "covered": covered,
            "coverage_share": covered / len(scores) if scores else None,
            "interval": f"{QUANTILES[0]:.0%}..{QUANTILES[-1]:.0%} of the replicates",
            "civilian_crps_at_most_naive": {row["target"]: naive_verdict(row) for row in scores
                                            if CIVILIAN in row["target"]}}


def hindcast(targets: list[HindcastTarget], replicates: int, seed: int, posterior: Path,
             workers: int = 1) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Simulate the posterior's replicates and score every target.

    The runs are :func:`model.calibration.check.predictive`'s: one posterior draw and one
    seed per replicate, from 2015-01 to the last month any target needs.

    Args:
        targets: From :func:`load_hindcast_targets`.
        replicates: Model runs.
        seed: Base seed (posterior draws and replicate seeds).
        posterior: The hindcast posterior file.
        workers: Worker processes (the scores do not depend on it).

    Returns:
        The scores, one per target, and the summary (:func:`summarize` plus the run's
        replicates, seed and the posterior's file, SHA-256 and calibration record).

    Raises:
        KhorasanError: If the posterior is missing or invalid.
    """
    check_posterior(posterior)
    sims, source = predictive([h.target for h in targets], replicates, seed, posterior, workers)
    scores = [score(h, sims[h.target.name]) for h in targets]
    record = {key: source[key] for key in ("file", "sha256", "calibration")}
    return scores, {**summarize(scores), "replicates": replicates, "seed": seed,
                    "posterior": record}


def check_posterior(posterior: Path) -> None:
    """Refuse a missing, unreadable or invalid posterior file, in one line.

    Raises:
        KhorasanError: Naming the file and what is allowed.
    """
    if not Path(posterior).is_file():
        raise KhorasanError(f"{posterior}: no such posterior file (--posterior); allowed: "
                            f"{POSTERIOR_HINT}")
    load_posterior(Path(posterior))


def check_output(out: Path, overwrite: bool) -> None:
    """Refuse to replace ``out``'s scores without ``overwrite``.

    Raises:
        KhorasanError: If ``out/scores.json`` exists and ``overwrite`` is false.
    """
    if (out / SCORES).exists() and not overwrite:
        raise KhorasanError(f"{out / SCORES}: the hindcast scores exist; allowed: --overwrite "
                            "(replace them) or another --out")


def write(out: Path, scores: list[dict[str, Any]], summary: dict[str, Any]) -> list[Path]:
    """Write ``scores.json`` and ``summary.json`` into ``out`` (each atomically)."""
    write_json(scores, out / SCORES)
    write_json(summary, out / SUMMARY)
    return [out / SCORES, out / SUMMARY]


def _shown(item: HindcastTarget, x: float | None) -> str:
    if x is None:
        return "n/a"
    return str(item.target.shown(x)) if is_month(item.target) else fmt(x)


def table(targets: list[HindcastTarget], scores: list[dict[str, Any]],
          summary: dict[str, Any]) -> str:
    """The scores as a text table, then the coverage and the civilian verdicts."""
    rows = [{"target": row["target"], "observed": row["observed_text"],
             "median": _shown(item, row["median"]),
             "90% interval": f"{_shown(item, row['q05'])} .. {_shown(item, row['q95'])}",
             "covered": "yes" if row["covered"] else "no",
             **{name: fmt(row[key]) for name, key in
                (("CRPS", "crps"), ("persistence", "crps_persistence"),
                 ("climatology", "crps_climatology"))}}
            for item, row in zip(targets, scores, strict=True)]
    lines = [pd.DataFrame(rows).to_string(index=False),
             f"covered: {summary['covered']} of {summary['targets']} targets "
             f"({summary['coverage_share']:.0%})"]
    for name, verdict in summary["civilian_crps_at_most_naive"].items():
        said = {True: "yes", False: "no", None: "n/a (no naive forecast)"}[verdict]
        lines.append(f"{name}: CRPS <= persistence and climatology: {said}")
    return "\n".join(lines)


def run_hindcast(targets_path: Path, posterior: Path, out: Path, replicates: int = 200,
                 seed: int = 20210826, workers: int = 1, overwrite: bool = False) -> str:
    """``khorasan hindcast``: check the inputs, then, holding ``out``'s lock, score and write.

    Returns:
        What the command prints: the run, the table and the files written.

    Raises:
        KhorasanError: On a bad option, targets file or posterior (before anything is
            written), if another command holds ``out``, or if ``out`` holds scores and
            ``overwrite`` is false.
    """
    if not 1 <= replicates <= MAX_REPLICATES or workers < 1 or seed < 0:
        raise KhorasanError(f"--replicates must be >= 1 and <= {MAX_REPLICATES}, --workers >= 1 "
                            f"and --seed >= 0 (got {replicates}, {workers}, {seed})")
    targets = load_hindcast_targets(targets_path)
    check_posterior(posterior)
    with folder_lock(out):
        check_output(out, overwrite)
        scores, summary = hindcast(targets, replicates, seed, posterior, workers)
        written = write(out, scores, summary)
    return "\n".join([f"hindcast: {replicates} replicates, posterior {posterior} (sha256 "
                      f"{summary['posterior']['sha256'][:12]})", table(targets, scores, summary),
                      "wrote " + ", ".join(str(path) for path in written)])
