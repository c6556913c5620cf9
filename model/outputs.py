"""The output schema: per province and month series recorded by the model.

Each entry: column name -> (how it aggregates to the national table, unit, description).
``sum`` columns are counts or stocks summed over provinces; ``popmean`` columns are shares
weighted by the 2021 population; ``max`` columns take the largest province's value (and the
largest month's over a window). ISKP's attacks abroad are counted in the province whose
fighters mounted them, refugees abroad in their home province.
"""

from __future__ import annotations

OUTPUTS: dict[str, tuple[str, str, str]] = {
    "clashes": ("sum", "events", "Taliban-ISKP clashes (the ACLED-comparable count)"),
    "taliban_fighters": ("sum", "fighters", "Taliban fighters at month end"),
    "iskp_fighters": ("sum", "fighters", "ISKP fighters at month end"),
    "iskp_fighters_from_taliban": (
        "sum", "fighters", "ISKP fighters in bands that defected from the Taliban"),
    "commanders_taliban": ("sum", "commanders", "Living Taliban commanders"),
    "commanders_iskp": ("sum", "commanders", "Living ISKP commanders"),
    "defections_to_iskp": ("sum", "commanders", "Taliban commanders who went over to ISKP"),
    "defections_to_taliban": ("sum", "commanders", "ISKP commanders who went over to the Taliban"),
    "defecting_fighters_to_iskp": ("sum", "fighters", "Fighters in bands that went over to ISKP"),
    "defecting_fighters_to_taliban": (
        "sum", "fighters", "Fighters in bands that went over to the Taliban"),
    "surrenders_to_government": (
        "sum", "commanders", "Commanders (either faction) who surrendered to the Republic"),
    "surrenders_to_taliban": (
        "sum", "commanders", "ISKP commanders who surrendered to the governing Taliban"),
    "surrendered_to_government": (
        "sum", "fighters", "Fighters in bands that surrendered to the Republic"),
    "surrendered_to_taliban": (
        "sum", "fighters", "Fighters in ISKP bands that surrendered to the governing Taliban"),
    "iskp_surrendered": ("sum", "fighters", "Fighters in ISKP bands that surrendered"),
    "surrendered_fighters": ("sum", "fighters", "Fighters in bands that surrendered (all)"),
    "recruits_taliban": ("sum", "fighters", "New Taliban recruits"),
    "recruits_iskp": ("sum", "fighters", "New ISKP recruits (local and cross-border)"),
    "moves": ("sum", "commanders", "Bands that moved into the province"),
    "iskp_cells": ("sum", "commanders", "New ISKP cells founded in the province"),
    "taliban_losses": ("sum", "fighters", "Taliban fighters lost in combat"),
    "iskp_losses": ("sum", "fighters", "ISKP fighters lost in combat and strikes"),
    "ct_strikes": ("sum", "strikes", "Counter-terrorism strikes on ISKP"),
    "republic_force": ("sum", "fighter-equivalents", "Effective Republic force present"),
    "andsf_strength": ("sum", "soldiers", "ANDSF soldiers at month end"),
    "andsf_killed": ("sum", "soldiers", "ANDSF soldiers killed fighting the Taliban"),
    "andsf_surrendered": (
        "sum", "soldiers", "ANDSF soldiers who surrendered or deserted to the Taliban"),
    "civilians_killed": ("sum", "people", "Civilians killed, all causes"),
    "civilians_injured": ("sum", "people", "Civilians injured, all causes"),
    "civ_cas_war": ("sum", "people", "Civilian casualties of Taliban-Republic fighting"),
    "civ_cas_clash": ("sum", "people", "Civilian casualties of Taliban-ISKP clashes"),
    "civ_cas_airstrike": ("sum", "people", "Civilian casualties of counter-terrorism strikes"),
    "civ_cas_iskp_attack": ("sum", "people", "Civilian casualties of ISKP attacks"),
    "civilian_casualties_iskp": ("sum", "people", "Civilian casualties attributed to ISKP"),
    "iskp_attacks": ("sum", "events", "ISKP mass-casualty attacks on civilians"),
    "displaced": ("sum", "people", "New displacement this month"),
    "returns": ("sum", "people", "Returns of the displaced this month"),
    "displaced_stock": ("sum", "people", "People displaced and not yet returned (month end)"),
    "resident": ("sum", "people", "Resident population (month end)"),
    "grievance": ("popmean", "[0,1]", "Civilian grievance"),
    "control_state": ("popmean", "share", "Influence share of the Republic"),
    "control_taliban": ("popmean", "share", "Influence share of the Taliban"),
    "control_iskp": ("popmean", "share", "Influence share of ISKP"),
    "security": ("popmean", "[0,1]", "Security provided to the population (month end)"),
    "state_capacity": (
        "popmean", "[0,1]", "The governing Taliban's counter-ISKP capacity (national)"),
    "iskp_detained": (
        "sum", "fighters", "ISKP fighters killed or detained by the Taliban state's raids"),
    "iskp_largest_attack_killed": (
        "max", "people", "People killed in the month's largest ISKP attack in Afghanistan"),
    "refugees_out": ("sum", "people", "People who left the province as refugees abroad"),
    "refugee_returns": ("sum", "people", "Refugees who returned home from abroad"),
    "refugees_abroad": ("sum", "people", "The province's refugees abroad (month end)"),
    "refugees_abroad_pakistan": ("sum", "people", "The province's refugees in Pakistan"),
    "refugees_abroad_iran": ("sum", "people", "The province's refugees in Iran"),
    "refugees_abroad_central_asia": (
        "sum", "people", "The province's refugees in the Central Asian states"),
    "iskp_external_attacks": (
        "sum", "events", "ISKP attacks outside Afghanistan, by the province that mounted them"),
    "iskp_attacks_pakistan": ("sum", "events", "ISKP attacks in Pakistan"),
    "iskp_attacks_central_asia": ("sum", "events", "ISKP attacks in the Central Asian states"),
    "iskp_attacks_beyond": ("sum", "events", "ISKP attacks beyond the region"),
}

STOCKS = frozenset({
    "taliban_fighters", "iskp_fighters", "iskp_fighters_from_taliban", "commanders_taliban",
    "commanders_iskp", "republic_force", "andsf_strength", "displaced_stock", "resident",
    "grievance", "control_state", "control_taliban", "control_iskp", "security", "state_capacity",
    "refugees_abroad", "refugees_abroad_pakistan", "refugees_abroad_iran",
    "refugees_abroad_central_asia",
})
"""Columns that are month-end stocks (summaries take means over a window, not sums)."""

MAXIMA = frozenset(name for name, (how, _, _) in OUTPUTS.items() if how == "max")
"""Columns whose national value, and whose value over a window, is a maximum."""
