"""Display names of outcomes and scenarios for figures, the report and the explorer.

Extend :data:`OUTCOME_LABELS` or :data:`SCENARIO_LABELS` for nicer names; anything not listed
falls back to the output schema's description (:data:`model.outputs.OUTPUTS`) or to the name
with its underscores turned into spaces, so new outcomes and scenarios show without changes
here.
"""

from __future__ import annotations

from model.outputs import OUTPUTS

OUTCOME_LABELS = {
    "clashes": "Taliban–ISKP clashes",
    "iskp_fighters": "ISKP fighters",
    "taliban_fighters": "Taliban fighters",
    "iskp_attacks": "ISKP mass-casualty attacks",
    "civilian_casualties_iskp": "Civilian casualties of ISKP",
    "civilians_killed": "Civilians killed",
    "civilians_injured": "Civilians injured",
    "displaced": "New displacement",
    "displaced_stock": "Displaced, not yet returned",
    "control_iskp": "ISKP influence share",
    "control_taliban": "Taliban influence share",
    "control_state": "Republic influence share",
    "defections_to_iskp": "Commanders defecting to ISKP",
    "defections_to_taliban": "Commanders defecting to the Taliban",
    "recruits_iskp": "ISKP recruits",
    "ct_strikes": "Counter-terrorism strikes",
}
SCENARIO_LABELS = {
    "baseline": "Baseline",
    "ct_pressure": "Counter-terrorism pressure",
    "iskp_resurgence": "ISKP resurgence",
    "humanitarian_collapse": "Humanitarian collapse",
    "taliban_fragmentation": "Taliban fragmentation",
}


def humanise(name: str) -> str:
    """``some_name`` -> ``Some name``."""
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def outcome_label(name: str) -> str:
    """A reader's name of an output column."""
    if name in OUTCOME_LABELS:
        return OUTCOME_LABELS[name]
    if name in OUTPUTS:
        return OUTPUTS[name][2]
    return humanise(name)


def outcome_unit(name: str) -> str:
    """The unit of an output column (``""`` if unknown)."""
    return OUTPUTS[name][1] if name in OUTPUTS else ""


def scenario_label(name: str) -> str:
    """A reader's name of a scenario."""
    return SCENARIO_LABELS.get(name, humanise(name))
