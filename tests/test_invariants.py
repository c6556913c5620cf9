"""Invariants of finished runs over several seeds, the Mesa agent views, and interventions."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import GOVERN, N_MONTHS, SEEDS, WITHDRAWAL, first_bad, run_model

from model.agents import Commander, Province
from model.calendar import CALENDAR_FIELDS, calendar_table, month_index
from model.errors import ParameterError
from model.model import Intervention, KhorasanModel
from model.outputs import OUTPUTS
from model.parameters import SPECS, Parameters
from model.state import FACTION_NAMES, HOSTS, MIN_BAND
from model.submodels.harm import CAUSES

FIGHTERS = ("taliban_fighters", "iskp_fighters")
COMMANDERS = ("commanders_taliban", "commanders_iskp")
CONTROL = ("control_state", "control_taliban", "control_iskp")
ISKP_COLUMNS = ("clashes", "iskp_fighters", "iskp_fighters_from_taliban", "commanders_iskp",
                "defections_to_iskp", "defections_to_taliban", "defecting_fighters_to_iskp",
                "recruits_iskp", "iskp_losses", "ct_strikes", "iskp_attacks",
                "civilian_casualties_iskp", "civ_cas_iskp_attack", "civ_cas_clash",
                "civ_cas_airstrike", "control_iskp", "iskp_detained",
                "iskp_largest_attack_killed", "iskp_external_attacks", "iskp_attacks_pakistan",
                "iskp_attacks_central_asia", "iskp_attacks_beyond")
JOWZJAN_SEEDS = (2, 8, 16, 22)  # seeds in which ISKP reaches Jowzjan by 2023-12 (defaults)


def assert_zero(out: dict[str, np.ndarray], columns, months: slice = slice(None)) -> None:
    for name in columns:
        values = out[name][months]
        assert np.all(values == 0), f"{name} nonzero at (month, province) {first_bad(values != 0)}"


# --- stocks and flows -------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(OUTPUTS))
def test_outputs_finite_and_non_negative(default_run, name):
    values = default_run.out[name]
    assert values.shape == (N_MONTHS, 34)
    assert np.all(np.isfinite(values)), f"{name} not finite at {first_bad(~np.isfinite(values))}"
    assert np.all(values >= 0), f"{name} negative at {first_bad(values < 0)}"


def test_population_conserved(default_run):
    """Residents, the displaced, refugees abroad and the dead add up to the people of 2015-01:
    the population plus the refugees abroad then (no births, no natural deaths)."""
    out, p = default_run.out, default_run.p
    total = (out["resident"] + out["displaced_stock"] + out["refugees_abroad"]
             + np.cumsum(out["civilians_killed"], axis=0))
    np.testing.assert_allclose(total, np.broadcast_to(total[0], total.shape), rtol=1e-9)
    abroad_2015 = (p.refugees_pakistan_2015 + p.refugees_iran_2015
                   + p.refugees_central_asia_2015)
    expected = default_run.provinces.population.sum() + abroad_2015
    assert total[0].sum() == pytest.approx(expected, rel=1e-9)


def test_displacement_stock_follows_flows(default_run):
    out = default_run.out
    stock = np.cumsum(out["displaced"] - out["refugees_out"] - out["returns"], axis=0)
    np.testing.assert_allclose(out["displaced_stock"], stock, rtol=1e-9, atol=1e-6)


def test_refugee_stocks_follow_flows(default_run):
    out = default_run.out
    hosts = sum(out[f"refugees_abroad_{host}"] for host in HOSTS)
    np.testing.assert_allclose(out["refugees_abroad"], hosts, rtol=1e-12)
    change = np.diff(out["refugees_abroad"], axis=0)
    flows = (out["refugees_out"] - out["refugee_returns"])[1:]
    np.testing.assert_allclose(change, flows, rtol=1e-9, atol=1e-6)
    assert np.all(out["refugees_abroad"] >= 0.0)


def test_casualties_add_up(default_run):
    out = default_run.out
    by_cause = sum(out[f"civ_cas_{cause}"] for cause in CAUSES)
    killed, injured = out["civilians_killed"], out["civilians_injured"]
    assert np.all(killed <= killed + injured)
    np.testing.assert_array_equal(killed + injured, by_cause)
    np.testing.assert_array_equal(out["civilian_casualties_iskp"], out["civ_cas_iskp_attack"])
    for name in ("civilians_killed", "civ_cas_war", "clashes", "iskp_attacks"):
        values = out[name]
        assert np.array_equal(values, np.round(values)), f"{name} is not a count"


def test_iskp_attacks_have_casualties(default_run):
    out = default_run.out
    attacks, casualties = out["iskp_attacks"], out["civilian_casualties_iskp"]
    assert np.all(casualties >= attacks)  # every attack has at least one casualty
    assert np.all((attacks > 0) == (casualties > 0))


def test_control_shares(default_run):
    shares = np.stack([default_run.out[name] for name in CONTROL])
    assert np.all((shares >= 0) & (shares <= 1))
    np.testing.assert_allclose(shares.sum(axis=0), 1.0, rtol=0, atol=1e-9)


def test_grievance_in_unit_interval(default_run):
    grievance = default_run.out["grievance"]
    assert np.all((grievance >= 0) & (grievance <= 1))


def test_bands_at_month_end_hold_at_least_min_band(default_run):
    out = default_run.out
    for fighters, commanders in zip(FIGHTERS, COMMANDERS, strict=True):
        assert np.all(out[fighters] >= MIN_BAND * out[commanders] - 1e-9)
        assert np.array_equal(out[fighters] > 0, out[commanders] > 0)


def test_defector_fighters_are_iskp_fighters(default_run):
    out = default_run.out
    assert np.all(out["iskp_fighters_from_taliban"] <= out["iskp_fighters"] * (1 + 1e-12))


# --- the Republic era ends with the fall of Kabul ---------------------------------------------
def test_republic_force_is_its_army_times_effectiveness_and_air_support(default_run):
    """``R(m) = A(m-1) · andsf_effectiveness · (1 + air_support_gain · S_air(m))``, where A is
    the army at the end of the previous month; it is not constant (the 2017-19 air surge)."""
    out, p = default_run.out, default_run.p
    army = np.concatenate([[p.andsf_initial_strength], out["andsf_strength"].sum(axis=1)])
    air = calendar_table(N_MONTHS)[CALENDAR_FIELDS.index("air_support")]
    expected = army[:GOVERN] * p.andsf_effectiveness * (1 + p.air_support_gain * air[:GOVERN])
    national = out["republic_force"][:GOVERN].sum(axis=1)
    np.testing.assert_allclose(national, expected, rtol=1e-9)
    assert national[month_index("2018-06")] > 1.5 * national[month_index("2016-06")]


def test_republic_era_activity_before_the_fall(default_run):
    out = default_run.out
    for name in ("ct_strikes", "civ_cas_war", "civ_cas_airstrike"):
        assert out[name][:GOVERN].sum() > 0, f"no {name} before 2021-09: the test below is vacuous"


def test_no_republic_war_or_strikes_after_the_fall(default_run):
    assert default_run.p.over_the_horizon_strikes == 0
    assert_zero(default_run.out, ("republic_force", "andsf_strength", "andsf_killed",
                                  "andsf_surrendered", "surrendered_to_government",
                                  "surrenders_to_government", "ct_strikes", "civ_cas_war",
                                  "civ_cas_airstrike"), slice(GOVERN, None))


def test_the_republic_weakens_through_the_withdrawal(default_run):
    national = default_run.out["republic_force"][WITHDRAWAL - 1: GOVERN + 1].sum(axis=1)
    assert np.all(np.diff(national) <= 0)
    assert national[0] > national[-2] > 0 == national[-1]
    army = default_run.out["andsf_strength"].sum(axis=1)
    assert army[GOVERN - 1] < army[WITHDRAWAL - 1]  # soldiers surrendered or deserted


def test_the_army_holds_within_its_authorized_strength_before_2021(default_run):
    army = default_run.out["andsf_strength"][:month_index("2021-01")].sum(axis=1)
    assert np.all(army <= default_run.p.andsf_authorized + 1e-6)
    assert np.all(army > 0.8 * default_run.p.andsf_initial_strength)


# --- without ISKP -----------------------------------------------------------------------------
def test_no_iskp_without_founders_or_inflow(iskp_off_run):
    assert_zero(iskp_off_run.out, ISKP_COLUMNS)
    factions = {agent.faction for agent in iskp_off_run.commander_agents()}
    assert factions == {"Taliban"}


def test_taliban_war_goes_on_without_iskp(iskp_off_run):
    out = iskp_off_run.out
    assert out["taliban_fighters"][-1].sum() > 0
    assert out["civ_cas_war"][:GOVERN].sum() > 0


# --- where ISKP fighters come from ------------------------------------------------------------
def arrivals(model: KhorasanModel) -> np.ndarray:
    """(month, province) cells where ISKP has fighters at month end and had none before.

    At 2015-01 the founders' provinces (Nangarhar, Kunar) do not count as arrivals.
    """
    iskp = model.out["iskp_fighters"] > 0
    before = np.vstack([np.zeros((1, iskp.shape[1]), bool), iskp[:-1]])
    for name in ("Nangarhar", "Kunar"):
        before[0, model.provinces.index(name)] = True
    return iskp & ~before


def test_iskp_arrives_only_by_defection_movement_or_cells(default_run):
    """Recruitment and cross-border inflow need ISKP present, so ISKP can only reach a new
    province through a Taliban band defecting there, a band moving in or a new cell that
    month."""
    out = default_run.out
    explained = (out["defections_to_iskp"] > 0) | (out["moves"] > 0) | (out["iskp_cells"] > 0)
    unexplained = arrivals(default_run) & ~explained
    assert not unexplained.any(), f"ISKP appeared at {first_bad(unexplained)} unexplained"


@pytest.fixture(scope="module")
def jowzjan_runs() -> list[KhorasanModel]:
    return [run_model(seed=seed) for seed in JOWZJAN_SEEDS]


def test_jowzjan_iskp_comes_from_defection(jowzjan_runs):
    """Jowzjan's ISKP (Qari Hekmat's IMU network, 2015-18) is Taliban defectors.

    Honest mechanics: ISKP first appears in Jowzjan by a defection there or a band moving in
    (a defector band from Balkh, Faryab or Sar-e Pol, or in principle a founding band after
    five moves north). At the defaults the first ISKP fighters in Jowzjan were all in
    defector bands in every one of seeds 0..199 where ISKP reached it (116 runs), so for these
    fixed seeds the stronger statement is asserted as well.
    """
    reached = 0
    for model in jowzjan_runs:
        j, out = model.provinces.index("Jowzjan"), model.out
        present = out["iskp_fighters"][:, j] > 0
        if not present.any():
            continue
        reached += 1
        first = int(np.argmax(present))
        defected = out["defections_to_iskp"][: first + 1, j].sum() > 0
        assert defected or out["moves"][first, j] > 0 or out["iskp_cells"][first, j] > 0
        assert defected or out["iskp_fighters_from_taliban"][first, j] > 0
        np.testing.assert_allclose(out["iskp_fighters_from_taliban"][first, j],
                                   out["iskp_fighters"][first, j], rtol=1e-12)
    assert reached, f"ISKP never reached Jowzjan in seeds {JOWZJAN_SEEDS}: pick other seeds"


# --- Mesa agent views -------------------------------------------------------------------------
def assert_agents_match_arrays(model: KhorasanModel) -> None:
    """Commander and Province agents agree with the arrays recorded for the current month."""
    month, out, names = model.month, model.out, model.provinces.names
    commanders = model.commander_agents()
    assert len(commanders) == model.commanders.n
    assert len(model.agents_by_type[Commander]) == model.commanders.n
    totals = commanders.groupby("faction").agg("fighters", sum)
    for faction, column in zip(FACTION_NAMES, FIGHTERS, strict=True):
        np.testing.assert_allclose(totals.get(faction, 0.0), out[column][month].sum(), rtol=1e-12)
    fighters, count, defectors = np.zeros((2, 34)), np.zeros((2, 34)), np.zeros(34)
    for agent in commanders:
        where, f = names.index(agent.province), FACTION_NAMES.index(agent.faction)
        fighters[f, where] += agent.fighters
        count[f, where] += 1
        defectors[where] += agent.fighters * (f == 1 and agent.defected_from_taliban)
        assert agent.cell is model.cells[where]
        assert agent in agent.cell.agents
    for f in (0, 1):
        np.testing.assert_allclose(fighters[f], out[FIGHTERS[f]][month], rtol=1e-12, atol=1e-9)
        np.testing.assert_array_equal(count[f], out[COMMANDERS[f]][month])
    np.testing.assert_allclose(defectors, out["iskp_fighters_from_taliban"][month], rtol=1e-12,
                               atol=1e-9)


def assert_provinces_on_network(model: KhorasanModel) -> None:
    agents = sorted(model.agents_by_type[Province], key=lambda a: a.index)
    assert [a.index for a in agents] == list(range(34))
    for agent in agents:
        assert agent.name == model.provinces.names[agent.index]
        assert agent.cell is model.space[agent.index]
        assert agent in agent.cell.agents
        assert agent.population == model.out["resident"][model.month][agent.index]
        nbrs = model.provinces.neighbours[agent.index]
        assert {c.coordinate for c in agent.cell.connections.values()} == set(
            nbrs[nbrs >= 0].tolist())


def test_agents_match_arrays_at_the_end(default_run):
    assert_agents_match_arrays(default_run)
    assert_provinces_on_network(default_run)
    assert len(default_run.agents) == 34 + default_run.commanders.n


def test_commander_agents_are_built_on_request_and_dropped_at_the_next_step():
    model = KhorasanModel(Parameters(), 3, 1)
    model.step()
    assert Commander not in model.agents_by_type or not model.agents_by_type[Commander]
    views = model.commander_agents()
    assert model.commander_agents() is not views and set(model.commander_agents()) == set(views)
    stale = next(iter(views))
    model.step()
    assert not model.agents_by_type.get(Commander)
    assert len(model.agents) == 34
    with pytest.raises(RuntimeError, match="earlier step"):
        _ = stale.fighters


def test_agents_match_arrays_every_month():
    model = KhorasanModel(Parameters(), N_MONTHS, SEEDS[0])
    for _ in range(N_MONTHS):
        model.step()
        assert_agents_match_arrays(model)
    assert_provinces_on_network(model)


# --- interventions ----------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS[:2])
def test_over_the_horizon_strikes(seed):
    strikes = Intervention(month=GOVERN, values={"over_the_horizon_strikes": 20.0})
    out, base = run_model(seed=seed, interventions=(strikes,)).out, run_model(seed=seed).out
    assert np.all(base["iskp_fighters"][GOVERN - 1:].sum(axis=1) > 0), "no ISKP to strike"
    monthly = out["ct_strikes"][GOVERN:].sum(axis=1)
    assert monthly.sum() > 0
    # strikes saturate with targets: at most Poisson(20) a month over 28 months (560 +- 24)
    assert monthly.sum() < 660
    assert out["civ_cas_airstrike"][GOVERN:].sum() > 0
    for name in OUTPUTS:  # the past is untouched
        np.testing.assert_array_equal(out[name][:GOVERN], base[name][:GOVERN], err_msg=name)


def test_province_scoped_intervention_changes_only_that_province(provinces):
    kunar, month = provinces.index("Kunar"), 10
    change = Intervention(month=month, values={"clash_rate": 0.7}, provinces=(kunar,))
    model = KhorasanModel(Parameters(), month + 2, 3, [change])
    default = SPECS["clash_rate"].default
    for _ in range(month):
        model.step()
    assert np.all(model.spatial["clash_rate"] == default)
    model.step()
    expected = np.full(34, default)
    expected[kunar] = 0.7
    np.testing.assert_array_equal(model.spatial["clash_rate"], expected)
    assert model.p.clash_rate == default
    for name, values in model.spatial.items():
        if name != "clash_rate":
            assert np.all(values == SPECS[name].default), name


def test_national_intervention_sets_every_province():
    change = Intervention(month=2, values={"grievance_shock": 0.3, "iskp_pay": 2.5})
    model = run_model(seed=4, n_months=4, interventions=(change,))
    assert np.all(model.spatial["grievance_shock"] == 0.3)
    assert (model.p.grievance_shock, model.p.iskp_pay) == (0.3, 2.5)
    assert model.views().p.iskp_pay == 2.5  # what the kernels read


@pytest.mark.parametrize("values", [{"iskp_pay": 3.0}, {"no_such_parameter": 1.0},
                                    {"clash_rate": -5.0}])
def test_invalid_province_scoped_intervention_is_rejected(values):
    change = Intervention(month=1, values=values, provinces=(0,))
    with pytest.raises(ParameterError):
        run_model(seed=1, n_months=3, interventions=(change,))
