"""Key outcomes per replicate over the projection window, their quantiles and paired differences.

Counts (clashes, defections, casualties, new displacement, attacks abroad) are totals over the
window; stocks (ISKP fighters, ISKP-controlled provinces, the displaced stock, security, refugees
abroad) are read at the window's last month, the horizon, and their keys say so
(``..._at_horizon``, as in ``summarize``); the tail metrics are the largest attack of the window
and whether one reached the Kabul airport attack's 170 killed. Quantiles, number formatting and
the split of each outcome's spread into parameters and chance come from :mod:`model.stats`, as
in every view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from model.calendar import month_index, month_label
from model.errors import KhorasanError
from model.reporting.runs import Pairing, ScenarioRun
from model.stats import interval, spread_text, summary, variance_split

PROJECTION_START = "2021-09"
"""First full month after Kabul fell (2021-08-15): the default start of the window."""
CONTROL_THRESHOLD = 0.5
AIRPORT_KILLED = 170
"""People killed in ISKP's attack on Kabul airport, 2021-08-26 (calibration/FACTS.md §7.4)."""


@dataclass(frozen=True)
class Outcome:
    """A key outcome.

    Attributes:
        key: Column name in the tables.
        label: Human-readable name.
        unit: Unit.
        columns: Output columns summed.
        at_horizon: Read at the window's last month (a stock) instead of summed over it.
        largest: The window's largest monthly value instead of the sum.
        threshold: If given, 1 where the window's largest value reaches it, else 0 (so that the
            mean over replicates is a probability).
    """

    key: str
    label: str
    unit: str
    columns: tuple[str, ...]
    at_horizon: bool = False
    largest: bool = False
    threshold: float | None = None


KEY_OUTCOMES: tuple[Outcome, ...] = (
    Outcome("clashes", "Taliban–ISKP clashes", "events", ("clashes",)),
    Outcome("iskp_fighters_at_horizon", "ISKP fighters at the horizon", "fighters",
            ("iskp_fighters",), True),
    Outcome("iskp_controlled_provinces", "ISKP-controlled provinces at the horizon "
            f"(ISKP share ≥ {CONTROL_THRESHOLD})", "provinces", ("control_iskp",), True),
    Outcome("defections_to_iskp", "Defections to ISKP", "commanders", ("defections_to_iskp",)),
    Outcome("defections_to_taliban", "Defections to the Taliban", "commanders",
            ("defections_to_taliban",)),
    Outcome("fighters_to_iskp", "Fighters defecting to ISKP", "fighters",
            ("defecting_fighters_to_iskp",)),
    Outcome("iskp_fighters_to_taliban", "ISKP fighters defecting or surrendering to the Taliban",
            "fighters", ("defecting_fighters_to_taliban", "surrendered_to_taliban")),
    Outcome("civilian_casualties", "Civilian casualties (killed + injured)", "people",
            ("civilians_killed", "civilians_injured")),
    Outcome("civilian_casualties_iskp", "Civilian casualties attributed to ISKP", "people",
            ("civilian_casualties_iskp",)),
    Outcome("displaced", "New displacement", "people", ("displaced",)),
    Outcome("displaced_stock_at_horizon", "Displaced, not yet returned, at the horizon",
            "people", ("displaced_stock",), True),
    Outcome("security_at_horizon", "Security (population-weighted) at the horizon", "[0,1]",
            ("security",), True),
    Outcome("refugees_abroad_at_horizon", "Refugees abroad at the horizon", "people",
            ("refugees_abroad",), True),
    Outcome("refugees_out", "People leaving as refugees", "people", ("refugees_out",)),
    Outcome("iskp_detained", "ISKP fighters killed or detained by the Taliban state's raids",
            "fighters", ("iskp_detained",)),
    Outcome("iskp_external_attacks", "ISKP attacks outside Afghanistan", "events",
            ("iskp_external_attacks",)),
    Outcome("iskp_largest_attack_killed", "Killed in the largest ISKP attack", "people",
            ("iskp_largest_attack_killed",), largest=True),
    Outcome("airport_sized_attack", f"An ISKP attack killing ≥ {AIRPORT_KILLED} (the Kabul "
            "airport attack's toll)", "share of replicates",
            ("iskp_largest_attack_killed",), largest=True, threshold=AIRPORT_KILLED),
)
"""The outcomes of the key-outcome table, in table order."""

BY_KEY = {o.key: o for o in KEY_OUTCOMES}


@dataclass(frozen=True)
class Window:
    """The months summarised, inclusive.

    Attributes:
        start: First month.
        end: Last month (the horizon).
        note: How the window was chosen, if not as asked.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    note: str = ""

    @property
    def label(self) -> str:
        """``YYYY-MM to YYYY-MM``."""
        return f"{self.start:%Y-%m} to {self.end:%Y-%m}"


def _month(text: str, what: str) -> pd.Timestamp:
    return pd.Timestamp(month_label(month_index(text, f"--window {what}")))


def common_window(runs: Sequence[ScenarioRun], text: str | None = None) -> Window:
    """The window ``START:END`` (either side may be empty) within the months of every run.

    Without ``text`` the window runs from 2021-09 to the last month the runs share; if the
    runs end before 2021-09, it is their whole common span (with a note saying so).

    Raises:
        KhorasanError: If the window is malformed, reversed or outside a run.
    """
    first = max(r.run.dates[0] for r in runs)
    last = min(r.run.dates[-1] for r in runs)
    if first > last:
        raise KhorasanError("the runs share no month; allowed: runs covering a common period")
    if text is None:
        start = _month(PROJECTION_START, "start")
        if last < start:
            return Window(first, last, f"the runs end before {PROJECTION_START}: whole "
                                       "common span used")
        return Window(max(start, first), last)
    if text.count(":") != 1:
        raise KhorasanError(f"--window: '{text}' is not allowed; use START:END as YYYY-MM:YYYY-MM")
    lo, hi = text.split(":")
    lo_t = _month(lo, "start") if lo else first
    hi_t = _month(hi, "end") if hi else last
    if hi_t < lo_t or lo_t < first or hi_t > last:
        raise KhorasanError(f"--window: '{text}' is empty or outside the months all runs share "
                            f"({first:%Y-%m}..{last:%Y-%m})")
    return Window(lo_t, hi_t)


def per_replicate(run: ScenarioRun, window: Window) -> pd.DataFrame:
    """One row per replicate, one column per key outcome, over the window."""
    nat = run.run.national
    nat = nat[nat["date"].between(window.start, window.end)]
    horizon = nat[nat["date"] == window.end].set_index("replicate")
    columns = sorted({c for o in KEY_OUTCOMES for c in o.columns})
    grouped = nat.groupby("replicate")[columns]
    totals, largest = grouped.sum(), grouped.max()
    table = pd.DataFrame(index=totals.index)
    for o in KEY_OUTCOMES:
        source = horizon if o.at_horizon else largest if o.largest else totals
        table[o.key] = source[list(o.columns)].sum(axis=1)
        if o.threshold is not None:
            table[o.key] = (table[o.key] >= o.threshold).astype(float)
    prov = run.run.provinces
    end = prov[prov["date"] == window.end]
    held = (end["control_iskp"] >= CONTROL_THRESHOLD).groupby(end["replicate"]).sum()
    table["iskp_controlled_provinces"] = held.reindex(table.index, fill_value=0)
    table.index = table.index.astype(int)
    return table


def all_replicates(runs: Sequence[ScenarioRun], window: Window) -> dict[str, pd.DataFrame]:
    """Scenario name -> :func:`per_replicate` table."""
    return {r.name: per_replicate(r, window) for r in runs}


def key_table(values: dict[str, pd.DataFrame], window: Window,
              draws: dict[str, pd.Series] | None = None) -> pd.DataFrame:
    """Tidy table of the key outcomes: one row per scenario and outcome.

    Columns: ``scenario``, ``outcome``, ``label``, ``unit``, ``window``, ``replicates``,
    ``median``, ``q05``, ``q95``, ``mean``, then the split of the variance across replicates
    (:func:`model.stats.variance_split`): ``parameter_draws``, ``between_variance``,
    ``within_variance`` and ``share_parameters`` (NaN where it cannot be estimated).

    Args:
        values: Scenario -> :func:`per_replicate` table.
        window: The months summarised.
        draws: Scenario -> each replicate's parameter draw (see
            :attr:`model.reporting.runs.ScenarioRun.draws`); one set for all if not given.
    """
    rows = []
    for scenario, table in values.items():
        group = (draws or {}).get(scenario)
        group = (group.reindex(table.index).to_numpy() if group is not None
                 else [0] * len(table))
        for o in KEY_OUTCOMES:
            split = variance_split(table[o.key], group)
            rows.append({"scenario": scenario, "outcome": o.key, "label": o.label,
                         "unit": o.unit, "window": window.label, "replicates": len(table),
                         **summary(table[o.key]), "parameter_draws": split["draws"],
                         "between_variance": split["between"],
                         "within_variance": split["within"],
                         "share_parameters": split["share_parameters"]})
    return pd.DataFrame(rows)


def paired_differences(values: dict[str, pd.DataFrame],
                       pairing: Pairing) -> dict[str, pd.DataFrame]:
    """Scenario -> replicate x outcome table of ``scenario[r] - baseline[r]`` (not baseline)."""
    names = list(values)
    common = list(pairing.replicates)
    base = values[names[0]].loc[common]
    return {n: values[n].loc[common] - base for n in names[1:]}


def difference_table(diffs: dict[str, pd.DataFrame], baseline: str,
                     pairing: Pairing) -> pd.DataFrame:
    """Tidy table of paired differences from the baseline.

    Columns: ``scenario``, ``baseline``, ``outcome``, ``label``, ``unit``, ``pairs``,
    ``paired``, ``median``, ``q05``, ``q95``, ``mean``, ``share_higher`` (share of pairs in
    which the scenario's value exceeds the baseline's), ``share_lower``.
    """
    rows = []
    for scenario, table in diffs.items():
        for o in KEY_OUTCOMES:
            d = table[o.key]
            rows.append({"scenario": scenario, "baseline": baseline, "outcome": o.key,
                         "label": o.label, "unit": o.unit, "pairs": len(d),
                         "paired": pairing.paired, **summary(d),
                         "share_higher": float((d > 0).mean()),
                         "share_lower": float((d < 0).mean())})
    return pd.DataFrame(rows)


def outcome_cell(row, signed: bool = False) -> str:
    """A table cell: ``median (q05 to q95)``, or a probability outcome's mean as a percentage."""
    outcome = BY_KEY.get(row.get("outcome"))
    if outcome is not None and outcome.threshold is not None:
        share = round(100.0 * row["mean"])
        return f"{share:+d} points" if signed else f"{share:d}% of replicates"
    return interval(row, signed)


def _wide(table: pd.DataFrame, cell) -> pd.DataFrame:
    cells = table.assign(cell=table.apply(cell, axis=1))
    wide = cells.pivot(index="outcome", columns="scenario", values="cell")
    wide = wide.reindex(index=[o.key for o in KEY_OUTCOMES],
                        columns=list(dict.fromkeys(table["scenario"])))
    wide.insert(0, "unit", [BY_KEY[k].unit for k in wide.index])
    wide.index = pd.Index([BY_KEY[k].label for k in wide.index], name="outcome")
    wide.columns.name = None
    return wide


def wide_key_table(table: pd.DataFrame) -> pd.DataFrame:
    """Outcome x scenario table of ``median (q05 to q95)`` strings (for Markdown and HTML)."""
    return _wide(table, outcome_cell)


def spread_cell(row) -> str:
    """A table cell: how much of the spread across replicates comes from parameters."""
    return spread_text({"share_parameters": row["share_parameters"],
                        "within": row["within_variance"], "draws": row["parameter_draws"]})


def wide_spread_table(table: pd.DataFrame) -> pd.DataFrame:
    """Outcome x scenario table of where the spread comes from (parameters or chance)."""
    return _wide(table, spread_cell)


def wide_difference_table(table: pd.DataFrame) -> pd.DataFrame:
    """Outcome x scenario table of paired differences with the share of pairs higher."""
    return _wide(table, lambda row: f"{outcome_cell(row, signed=True)}; "
                                    f"higher in {row['share_higher']:.0%} of pairs")


def markdown(wide: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of a wide table (index as the first column)."""
    header = [wide.index.name or "", *map(str, wide.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, row in wide.iterrows():
        cells = [str(label), *(str(v).replace("|", "\\|") for v in row)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
