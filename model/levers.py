"""The levers catalogue: every parameter a scenario may change, in planners' terms.

``khorasan levers`` prints it (``--json`` for machines). Each lever is a declared parameter
(:mod:`model.parameter_table`) with its meaning, unit, default, hard bounds, whether it is
uncertain (it has a prior range, and a ``--params posterior`` run draws it for each replicate:
from the posterior if the calibration frees it, else from its prior), whether an
intervention may set it for some provinces only, and the ODD section that defines it.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from typing import Any

from model import parameter_table, parameter_table_world
from model.parameters import SPECS

ODD_SECTIONS = {
    "initial conditions": "§5",
    "ideology and faction policy": "§7.1",
    "recruitment": "§7.2",
    "defection and surrender": "§7.4",
    "movement": "§7.5",
    "combat": "§7.6",
    "the Republic": "§7.10",
    "civilian harm": "§7.7",
    "displacement and grievance": "§7.8",
    "control, pay and momentum": "§7.9",
}
"""Group of the parameter table (its ``# --- group ---`` comments) -> ODD section; a group
that names its section, ``# --- security provision (§7.12) ---``, needs no entry."""
TABLE_SECTION = "§7.16"
_GROUP = re.compile(r"#\s*---\s*(.+?)\s*-{3,}")
_ROW = re.compile(r'^\s*\(\s*"(\w+)"\s*,')
_SECTION = re.compile(r"\((§[\d.]+)\)")


def groups() -> dict[str, str]:
    """Parameter name -> its group in the parameter table (``""`` before any group)."""
    found, group = {}, ""
    source = inspect.getsource(parameter_table) + inspect.getsource(parameter_table_world)
    for line in source.splitlines():
        if (head := _GROUP.search(line)) is not None:
            group = head.group(1)
        elif (row := _ROW.match(line)) is not None and row.group(1) in SPECS:
            found[row.group(1)] = group
    return found


def odd_section(group: str) -> str:
    """The ODD section of a parameter-table group (the parameter table's if none)."""
    named = _SECTION.search(group)
    return named.group(1) if named else ODD_SECTIONS.get(group, TABLE_SECTION)


def catalogue() -> list[dict[str, Any]]:
    """One record per parameter, in the table's order.

    Returns:
        Records with ``name``, ``meaning``, ``unit``, ``default``, ``bounds``, ``calibrated``,
        ``prior``, ``per_province``, ``group``, ``odd`` and ``source``.
    """
    group_of = groups()
    records = []
    for name, spec in SPECS.items():
        group = group_of.get(name, "")
        records.append({
            "name": name, "meaning": spec.description, "unit": spec.unit,
            "default": spec.default, "bounds": list(spec.bounds),
            "calibrated": spec.prior is not None,
            "prior": list(spec.prior) if spec.prior is not None else None,
            "per_province": spec.spatial, "group": group,
            "odd": odd_section(group), "source": spec.source,
        })
    return records


def _bounds(low: float, high: float) -> str:
    return f"[{low:g}, {high:g}]"


def render(records: list[dict[str, Any]], width: int = 100) -> str:
    """The catalogue as text: one block per group, two lines per lever."""
    lines: list[str] = []
    group = None
    for r in records:
        if r["group"] != group:
            group = r["group"]
            lines += ["", f"== {group or 'other'} (ODD {r['odd']}) =="]
        flags = ["uncertain: drawn per replicate" if r["calibrated"] else "fixed",
                 "per province" if r["per_province"] else "national"]
        lines.append(f"{r['name']}  default {r['default']:g} {r['unit']}, bounds "
                     f"{_bounds(*r['bounds'])}; {', '.join(flags)}")
        lines += textwrap.wrap(r["meaning"], width, initial_indent="    ",
                               subsequent_indent="    ")
    return "\n".join(lines).lstrip("\n")


FOOTER = """\
In a scenario: [parameters] name = value (from the start), or a dated
[[interventions]] with set = {name = value} and/or scale = {name = factor};
add provinces = ["Kabul", ...] for a per-province lever. 'set' on an uncertain
lever replaces every replicate's draw (from the posterior, or from its prior
for the parameters the calibration leaves free of the data); 'scale'
multiplies each draw."""


def search(records: list[dict[str, Any]], words: list[str]) -> list[dict[str, Any]]:
    """Records whose name, meaning, unit or group hold every word (case-insensitive)."""
    def text(r: dict[str, Any]) -> str:
        return " ".join(str(r[k]) for k in ("name", "meaning", "unit", "group")).lower()
    return [r for r in records if all(w.lower() in text(r) for w in words)]
