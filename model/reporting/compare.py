"""Compare scenario runs: key-outcome table, paired differences and figures.

The first run (or ``--baseline``) is the baseline. Runs must pair replicate by replicate
(same seeds and parameter draws, see :mod:`model.reporting.runs`); otherwise
:func:`compare` refuses unless ``allow_unpaired`` is set, and every output then says so.

Outputs of :func:`write_outputs` (in the output folder): ``key_outcomes.csv`` / ``.md`` (with
the share of each outcome's spread that comes from the parameter draws),
``paired_differences.csv`` / ``.md``, ``replicates.csv`` (one row per scenario and replicate,
with its parameter draw) and the figures ``fan_<series>.png``, ``distributions.png``,
``differences.png`` and ``map_<kind>.png``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from model.errors import KhorasanError
from model.reporting.figures import (
    DPI,
    FAN_SERIES,
    differences_figure,
    distributions_figure,
    fan_figure,
    save_png,
)
from model.reporting.maps import MAP_KINDS, map_figure
from model.reporting.outcomes import (
    Window,
    all_replicates,
    common_window,
    difference_table,
    key_table,
    markdown,
    paired_differences,
    wide_difference_table,
    wide_key_table,
    wide_spread_table,
)
from model.reporting.runs import Pairing, ScenarioRun, check_pairing, load_runs


@dataclass(frozen=True)
class Comparison:
    """Scenario runs compared with their baseline.

    Attributes:
        runs: The runs, baseline first.
        window: The months summarised.
        pairing: Whether the runs pair replicate by replicate.
        values: Scenario -> replicate x key-outcome table.
        diffs: Scenario (not the baseline) -> replicate x outcome paired differences.
        key: Tidy key-outcome table (see :func:`model.reporting.outcomes.key_table`).
        differences: Tidy difference table (see
            :func:`model.reporting.outcomes.difference_table`).
    """

    runs: list[ScenarioRun]
    window: Window
    pairing: Pairing
    values: dict[str, pd.DataFrame]
    diffs: dict[str, pd.DataFrame]
    key: pd.DataFrame
    differences: pd.DataFrame

    @property
    def baseline(self) -> str:
        """Name of the baseline scenario."""
        return self.runs[0].name


def compare(dirs: Sequence[Path], baseline: str | None = None, window: str | None = None,
            allow_unpaired: bool = False) -> Comparison:
    """Read run directories and compute the key outcomes and paired differences.

    Args:
        dirs: Run directories; the first is the baseline unless ``baseline`` is given.
        baseline: Scenario (or folder) name of the baseline.
        window: ``START:END`` (``YYYY-MM``); 2021-09 to the common end by default.
        allow_unpaired: Compare runs whose seeds or parameter draws differ (with warnings)
            instead of refusing.

    Raises:
        KhorasanError: On a bad directory, window or baseline, or unpaired runs without
            ``allow_unpaired``.
    """
    runs = load_runs(dirs, baseline)
    pairing = check_pairing(runs)
    if not pairing.paired and not allow_unpaired:
        raise KhorasanError(f"runs are not paired: {'; '.join(pairing.problems)}; allowed: "
                            "runs made with the same --seed and --params (or --allow-unpaired)")
    span = common_window(runs, window)
    values = all_replicates(runs, span)
    diffs = paired_differences(values, pairing)
    draws = {r.name: r.draws for r in runs}
    return Comparison(runs=runs, window=span, pairing=pairing, values=values, diffs=diffs,
                      key=key_table(values, span, draws),
                      differences=difference_table(diffs, runs[0].name, pairing))


def figure_makers(comp: Comparison) -> dict[str, Callable[[], Figure]]:
    """File stem -> function drawing that figure (drawn on demand, in this order)."""
    makers: dict[str, Callable[[], Figure]] = {}
    for series in FAN_SERIES:
        makers[f"fan_{series.key}"] = (
            lambda s=series: fan_figure(comp.runs, s, comp.window))
    makers["distributions"] = lambda: distributions_figure(comp.values, comp.runs, comp.window)
    makers["differences"] = lambda: differences_figure(comp.diffs, comp.runs, comp.window,
                                                       comp.pairing)
    for kind in MAP_KINDS:
        makers[f"map_{kind.key}"] = lambda k=kind: map_figure(comp.runs, k, comp.window)
    return makers


def header_lines(comp: Comparison) -> list[str]:
    """What was compared: scenarios, replicates, window, pairing."""
    lines = [f"Scenarios: {', '.join(r.name for r in comp.runs)} "
             f"(the first, {comp.baseline}, is the baseline); window {comp.window.label}; "
             f"{len(comp.pairing.replicates)} replicates compared."]
    if comp.window.note:
        lines.append(f"Note: {comp.window.note}.")
    lines.append(comp.pairing.note())
    return lines


SPREAD_NOTE = (
    "Spread from parameters: the share of an outcome's variance across replicates that comes "
    "from the parameter draws (the rest comes from chance: replicates of one draw differ only "
    "by their random numbers). Each posterior draw is run with run.seeds_per_draw seeds; the "
    "law of total variance splits the variance into the mean variance within a draw (chance) "
    "and the variance of the draws' means less the part chance leaves in it (parameters). It "
    "is estimated from the run's draws: with few draws it is rough.")
"""How to read the spread table (compare and report)."""


def key_markdown(comp: Comparison) -> str:
    """The key-outcome table, then where the spread comes from, as a Markdown document."""
    return "\n\n".join([
        f"# Key outcomes, {comp.window.label}",
        "\n".join(header_lines(comp)),
        "Cells: median across replicates (90% interval: 5th to 95th percentile). Counts are "
        "totals over the window; 'at the horizon' values are at its last month.",
        markdown(wide_key_table(comp.key)),
        "## Spread from parameters and from chance",
        SPREAD_NOTE,
        markdown(wide_spread_table(comp.key)),
    ]) + "\n"


def differences_markdown(comp: Comparison) -> str:
    """The paired-difference table as a Markdown document."""
    return "\n\n".join([
        f"# Differences from the baseline '{comp.baseline}', {comp.window.label}",
        "\n".join(header_lines(comp)),
        "Cells: median difference (90% interval); 'higher in' is the share of pairs in which "
        "the scenario's value exceeds the baseline's.",
        markdown(wide_difference_table(comp.differences)),
    ]) + "\n"


def replicate_table(comp: Comparison) -> pd.DataFrame:
    """One row per scenario and replicate: its parameter draw and every key outcome."""
    draws = {r.name: r.draws for r in comp.runs}
    frames = [t.rename_axis("replicate").reset_index().assign(
        scenario=name, draw=draws[name].reindex(t.index).to_numpy())
              for name, t in comp.values.items()]
    table = pd.concat(frames, ignore_index=True)
    first = ["scenario", "replicate", "draw"]
    return table[[*first, *[c for c in table if c not in first]]]


def write_outputs(comp: Comparison, out: Path, dpi: int = DPI,
                  progress: Callable[[str], None] = lambda message: None) -> list[Path]:
    """Write the tables (CSV and Markdown) and the figures (PNG) into ``out``.

    ``progress`` is called with a short message before each figure.

    Raises:
        KhorasanError: If ``out`` cannot be created or written.
    """
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        written = [out / "key_outcomes.csv", out / "key_outcomes.md",
                   out / "paired_differences.csv", out / "paired_differences.md",
                   out / "replicates.csv"]
        comp.key.to_csv(written[0], index=False, float_format="%.6g")
        written[1].write_text(key_markdown(comp), encoding="utf-8")
        comp.differences.to_csv(written[2], index=False, float_format="%.6g")
        written[3].write_text(differences_markdown(comp), encoding="utf-8")
        replicate_table(comp).to_csv(written[4], index=False, float_format="%.6g")
        makers = figure_makers(comp)
        for k, (stem, make) in enumerate(makers.items(), 1):
            progress(f"figure {k}/{len(makers)}: {stem}")
            written.append(save_png(make(), out / f"{stem}.png", dpi))
    except OSError as exc:
        raise KhorasanError(f"{out}: cannot write the comparison: {exc}") from None
    return written
