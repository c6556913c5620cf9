"""Regenerate the code-derived tables of ``docs/ODD.md``.

The parameter table, the output table, the dated-event table and the table of module-level
constants in ``docs/ODD.md`` are generated from the code, so the model description cannot
drift from what the model does. Each table sits between two marker lines::

    <!-- BEGIN PARAMETER TABLE -->
    ...generated...
    <!-- END PARAMETER TABLE -->

Only the text between the markers is rewritten; the prose around them is left alone.

Usage (from the repository root)::

    python scripts/gen_odd_tables.py           # rewrite docs/ODD.md in place
    python scripts/gen_odd_tables.py --check   # exit 1 if docs/ODD.md is out of date
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from model.calendar import DATED_EVENTS, TALIBAN_GOVERN, month_label
from model.outputs import OUTPUTS, STOCKS
from model.parameters import SPECS, ParamSpec
from model.state import FACTION_NAMES

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
HINT = "run `python scripts/gen_odd_tables.py`"

# The Taliban-govern regime change is not a DatedEvent (it starts a month, not a day); its
# row is described here and dated from model.calendar.TALIBAN_GOVERN.
GOVERN_ROW = (
    "taliban_govern",
    "The Taliban govern: the Republic's army is gone (A_i = 0); CT strikes only as "
    "`over_the_horizon_strikes`; `taliban_crackdown`, `taliban_amnesty` and "
    "`governance_strain` take effect; surrender only of ISKP bands (to the Taliban).",
    "FACTS §2: Kabul fell 2021-08-15, last US flight 2021-08-31; the brief's scenarios start "
    "2021-09.",
)

# Module-level constants of the model: (module, name, unit, meaning). A constant that is
# renamed or moved makes the generator fail, so the description cannot silently go stale.
CONSTANTS: tuple[tuple[str, str, str, str], ...] = (
    ("model.model", "CT_FACTOR_2015", "multiplier",
     "CT strike intensity (share of `ct_strikes_per_month`) before `ct_authority`"),
    ("model.model", "CT_FACTOR_POST_DOHA", "multiplier",
     "CT strike intensity from `doha_agreement` until the Taliban govern"),
    ("model.state", "MIN_BAND", "fighters", "a band below this size dissolves after combat"),
    ("model.state", "MAX_BAND", "fighters", "a band above this size splits into two halves"),
    ("model.state", "CAPACITY", "commanders", "commander slots per run (array capacity)"),
    ("model.initialize", "IDEOLOGY_BETA", "Beta(a, b)", "initial commander ideology by faction"),
    ("model.initialize", "LOYALTY_BETA", "Beta(a, b)", "initial commander loyalty by faction"),
    ("model.initialize", "BAND_SIZE_SHAPE", "gamma shape",
     "relative initial band sizes (coefficient of variation 1/sqrt(shape))"),
    ("model.initialize", "ISKP_FOUNDING", "weight",
     "where the founding ISKP commanders are placed"),
    ("model.submodels.combat", "PRESSURE_MEMORY", "fraction",
     "weight of last month's pressure in a commander's pressure average"),
    ("model.submodels.movement", "STAY_BONUS", "score", "move-score bonus for staying put"),
    ("model.submodels.harm", "ATTACK_SIZE_CAP", "casualties",
     "physical ceiling on the casualties of one ISKP attack"),
    ("model.submodels.harm", "ATTACK_REFERENCE_FIGHTERS", "fighters",
     "ISKP strength at which the attack-size scale is `attack_size_scale` (its typical "
     "strength, 2015-2021)"),
    ("model.submodels.harm", "TARGET_POPULATION_EXPONENT", "exponent",
     "attack targeting's weight on population before ISKP goes covert"),
)


def _cell(text: object) -> str:
    """Escape a value for a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _number(value: float) -> str:
    """Format a number compactly: integral values as integers, other floats with %g.

    No thousands separators: they would be ambiguous inside ``[low, high]`` ranges.
    """
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}"


def _range(pair: tuple[float, float]) -> str:
    return f"[{_number(pair[0])}, {_number(pair[1])}]"


def _row(cells: Sequence[object]) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = [_row(header), "|" + "|".join("---" for _ in header) + "|"]
    lines.extend(_row(r) for r in rows)
    return "\n".join(lines)


def _param_row(spec: ParamSpec) -> list[str]:
    prior = "fixed" if spec.prior is None else f"U{_range(spec.prior)}"
    kind = "int" if spec.kind == "int" else ""
    scope = "per province" if spec.spatial else ""
    notes = ", ".join(x for x in (kind, scope) if x)
    name = f"`{spec.name}`" + (f" ({notes})" if notes else "")
    return [name, spec.description, spec.unit, _number(spec.default), prior,
            _range(spec.bounds), spec.source]


def parameter_table() -> str:
    """Markdown table of every parameter in :data:`model.parameters.SPECS`.

    Returns:
        The table, one row per parameter in declaration order.
    """
    header = ("name", "description", "unit", "default", "prior", "bounds", "source / rationale")
    return _table(header, [_param_row(spec) for spec in SPECS.values()])


def output_table() -> str:
    """Markdown table of every output column in :data:`model.outputs.OUTPUTS`.

    Returns:
        The table, one row per column in schema order.
    """
    national = {"sum": "sum over provinces",
                "popmean": "mean weighted by 2021 population"}
    rows = [[f"`{name}`", "stock (month end)" if name in STOCKS else "flow (per month)",
             national.get(how, how), unit, description]
            for name, (how, unit, description) in OUTPUTS.items()]
    return _table(("column", "kind", "national aggregation", "unit", "description"), rows)


def event_table() -> str:
    """Markdown table of the dated events of :mod:`model.calendar` plus the Taliban-govern row.

    Returns:
        The table, in date order.
    """
    rows = [[e.date, month_label(e.month), f"`{e.name}`", e.description, e.source]
            for e in DATED_EVENTS]
    name, effect, source = GOVERN_ROW
    label = month_label(TALIBAN_GOVERN)
    rows.append([label, label, f"`{name}`", effect, source])
    return _table(("date", "in force from month", "event", "effect", "source"), rows)


def _constant_value(value: object) -> str:
    """Format a constant: faction-keyed dicts by faction name, tuples as argument lists."""
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            label = FACTION_NAMES[key] if isinstance(key, int) else key
            shown = ("(" + ", ".join(_number(x) for x in item) + ")"
                     if isinstance(item, tuple) else _number(item))
            parts.append(f"{label}: {shown}")
        return "; ".join(parts)
    if isinstance(value, int | float):
        return _number(value)
    return str(value)


def constant_table() -> str:
    """Markdown table of the module-level constants listed in :data:`CONSTANTS`.

    Returns:
        The table.

    Raises:
        SystemExit: If a listed constant no longer exists (update :data:`CONSTANTS`).
    """
    rows = []
    for module, name, unit, meaning in CONSTANTS:
        try:
            value = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            raise SystemExit(f"constant {module}.{name} not found: update CONSTANTS in "
                             "scripts/gen_odd_tables.py and the prose of docs/ODD.md") from None
        rows.append([f"`{name}`", f"`{module}`", _constant_value(value), unit, meaning])
    return _table(("constant", "module", "value", "unit", "meaning"), rows)


BLOCKS: dict[str, Callable[[], str]] = {
    "PARAMETER TABLE": parameter_table,
    "OUTPUT TABLE": output_table,
    "EVENT TABLE": event_table,
    "CONSTANT TABLE": constant_table,
}


def render(text: str) -> str:
    """Return ``text`` with every generated block replaced by a fresh table.

    Args:
        text: The current contents of ``docs/ODD.md``.

    Returns:
        The updated contents.

    Raises:
        ValueError: If a pair of marker lines is missing, duplicated or out of order.
    """
    for block, make in BLOCKS.items():
        begin, end = f"<!-- BEGIN {block} -->", f"<!-- END {block} -->"
        if text.count(begin) != 1 or text.count(end) != 1:
            raise ValueError(f"docs/ODD.md needs exactly one '{begin}' and one '{end}' line")
        if text.index(end) < text.index(begin):
            raise ValueError(f"docs/ODD.md: '{end}' comes before '{begin}'")
        head, rest = text.split(begin)
        _, tail = rest.split(end)
        text = f"{head}{begin}\n{make()}\n{end}{tail}"
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite (or, with ``--check``, verify) the generated tables of docs/ODD.md.

    Args:
        argv: Command-line arguments (``sys.argv[1:]`` when None).

    Returns:
        0 on success or when up to date; 1 if ``--check`` finds the file out of date.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the file is out of date")
    parser.add_argument("--path", type=Path, default=ODD, help="the ODD file (docs/ODD.md)")
    args = parser.parse_args(argv)
    current = args.path.read_text(encoding="utf-8")
    fresh = render(current)
    if args.check:
        if fresh != current:
            print(f"{args.path} is out of date: {HINT}", file=sys.stderr)
            return 1
        return 0
    if fresh != current:
        args.path.write_text(fresh, encoding="utf-8")
        print(f"updated {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
