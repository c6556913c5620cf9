"""The state, security, the region, the attack tail and the economy (docs/ODD.md §7.7, §7.11-14).

Kernel-level tests check each equation's signs and limits on a fresh model's views; run-level
tests check what the baseline must show (the refugee stock, ISKP's attacks in Pakistan, the
2016 return drive) on a handful of default replicates.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_mechanisms import fresh, stream, with_regime

from model.api import simulate
from model.calendar import month_index
from model.parameters import Parameters
from model.state import ISKP, TALIBAN
from model.submodels import external, governance, harm, policy, refugees, security
from model.submodels.control import effective_forces
from model.submodels.layout import Calendar

GOVERNED = {"governs": 1.0}


def _views(**values):
    model = fresh(**values)
    return model, model.views()


# --- the Taliban as the state (§7.11) ---------------------------------------------------------
def test_no_raids_without_capacity():
    _, v = _views()
    v.pv.control_taliban[:] = 1.0
    assert governance.raid_losses(v.p, v.sides, v.pv, 500.0, 0) == 0.0


@pytest.mark.parametrize("kappa, share, attacks", [(0.5, 1.0, 0), (1.0, 0.5, 0), (1.0, 1.0, 2)])
def test_raids_scale_with_capacity_influence_and_attacks(kappa, share, attacks):
    _, v = _views(state_raid_rate=0.1, raid_attack_exposure=0.5)
    v.sides.capacity[TALIBAN] = kappa
    v.pv.control_taliban[3] = share
    v.pv.last_attacks[3] = attacks
    expected = 0.1 * kappa * share * (1.0 + 0.5 * attacks) * 400.0
    assert governance.raid_losses(v.p, v.sides, v.pv, 400.0, 3) == pytest.approx(expected)


def test_raids_never_exceed_the_exposed_fighters():
    _, v = _views(state_raid_rate=1.0, raid_attack_exposure=10.0)
    v.sides.capacity[TALIBAN] = 1.0
    v.pv.control_taliban[0], v.pv.last_attacks[0] = 1.0, 5.0
    assert governance.raid_losses(v.p, v.sides, v.pv, 120.0, 0) == 120.0


def _capacity_after(months: int, attacks: float, pay: float, governs: bool, **values) -> float:
    _, v = _views(**values)
    if governs:
        v = with_regime(v, **GOVERNED)
    v.sides.pay[TALIBAN] = pay
    for _ in range(months):
        governance.state_capacity(v.p, v.r, v.sides, attacks, v.o)
    return float(v.sides.capacity[TALIBAN])


def test_capacity_builds_only_once_the_taliban_govern():
    assert _capacity_after(12, 3.0, 1.5, governs=False) == 0.0
    assert 0.0 < _capacity_after(12, 0.0, 1.5, governs=True) < 1.0


def test_capacity_approaches_one_and_responds_to_attacks_and_money():
    quiet = _capacity_after(6, 0.0, 1.5, governs=True)
    attacked = _capacity_after(6, 4.0, 1.5, governs=True)
    broke = _capacity_after(6, 0.0, 0.3, governs=True)
    assert broke < quiet < attacked
    assert _capacity_after(400, 0.0, 1.5, governs=True) == pytest.approx(1.0)


def _pay_after_policy(governs: float, **values) -> np.ndarray:
    model, v = _views(**values)
    v = with_regime(v, governs=governs)
    policy.policy(12, v.p, v.r, Calendar(*model.calendar), v.w, v.pv, v.sides, v.o)
    return v.sides.pay.copy()


def test_economic_collapse_cuts_the_governing_taliban_pay_only():
    for governs, cut in ((0.0, 1.0), (1.0, 1.0 - 0.75 * 0.6)):
        pay = _pay_after_policy(governs, economic_collapse=0.6, aid_financed_spending=0.75)
        base = _pay_after_policy(governs)
        assert pay[TALIBAN] == pytest.approx(cut * base[TALIBAN])
        assert pay[ISKP] == base[ISKP]


def test_covert_iskp_holds_no_ground():
    _, v = _views(iskp_combat_effectiveness=1.5)
    forces = np.zeros((34, 2))
    forces[5, ISKP] = 200.0
    assert effective_forces(v.p, v.pv, forces, 5, 0.0)[2] == pytest.approx(300.0)
    assert effective_forces(v.p, v.pv, forces, 5, 0.4)[2] == pytest.approx(180.0)
    assert effective_forces(v.p, v.pv, forces, 5, 1.0)[2] == 0.0


def test_covert_iskp_attacks_more_and_in_the_largest_cities():
    model, v = _views(covert_attack_gain=1.0, covert_urban_focus=1.0)
    assert harm.attack_rate(v.p, v.r, 30, 2000.0, 0.5) == pytest.approx(
        1.5 * harm.attack_rate(v.p, v.r, 30, 2000.0, 0.0))
    forces = model.forces
    kabul = model.provinces.index("Kabul")
    open_share, covert_share = (harm.attack_weights(v.p, model.neighbours, v.pv, forces, phi)
                                for phi in (0.0, 1.0))
    assert covert_share[kabul] / covert_share.sum() > open_share[kabul] / open_share.sum()


# --- the tail (§7.7) --------------------------------------------------------------------------
def test_attack_size_scale_grows_with_capability():
    _, v = _views(attack_size_scale=40.0, attack_size_elasticity=0.5)
    assert harm.size_scale(v.p, 2000.0) == pytest.approx(40.0)
    assert harm.size_scale(v.p, 8000.0) == pytest.approx(80.0)
    _, v = _views(attack_size_scale=40.0, attack_size_elasticity=0.5, iskp_external_support=4.0)
    assert harm.size_scale(v.p, 2000.0) == pytest.approx(80.0)
    _, v = _views(attack_size_scale=40.0, attack_size_elasticity=0.0)
    assert harm.size_scale(v.p, 100.0) == pytest.approx(40.0)


def test_attack_sizes_follow_the_lomax_of_their_scale():
    model, v = _views(attack_size_tail=2.0)
    state = stream(model, "attacks")
    sizes = np.array([harm.attack_size(v.p, 30.0, state) for _ in range(20000)])
    for x in (30.0, 100.0, 300.0):
        expected = (1.0 + x / 30.0) ** -2.0  # ceil shifts a draw up by < 1 casualty
        assert np.mean(sizes > x) == pytest.approx(expected, abs=0.01 + 0.02 * expected)
    assert sizes.min() >= 1 and sizes.max() <= harm.ATTACK_SIZE_CAP


# --- security (§7.12) -------------------------------------------------------------------------
def test_security_target_needs_an_authority_and_no_killing():
    _, v = _views(security_harm_weight=0.5)
    v.pv.control_state[0], v.pv.control_taliban[0], v.pv.control_iskp[0] = 0.2, 0.7, 0.1
    v.pv.harm_rate[0] = 0.0
    assert security.security_target(v.p, v.pv, 0) == pytest.approx(0.7)
    v.pv.harm_rate[0] = 2.0
    assert security.security_target(v.p, v.pv, 0) == pytest.approx(0.35)


def test_security_relaxes_toward_its_target_and_stays_in_the_unit_interval():
    _, v = _views(security_adjust_rate=0.3)
    v.pv.security[:] = 1.0
    v.pv.harm_rate[:] = 50.0
    for _ in range(50):
        security.security(v.p, v.pv, v.o)
    assert np.all((v.pv.security >= 0.0) & (v.pv.security <= 1.0))
    assert np.all(v.pv.security < 0.2)


def test_insecurity_and_collapse_raise_the_grievance_target():
    _, v = _views(security_grievance_weight=0.2, collapse_grievance=0.3)
    v.pv.security[0], v.pv.security[1] = 1.0, 0.0
    secure, insecure = (harm.grievance_target(v.p, v.s, v.pv, i) for i in (0, 1))
    assert insecure - secure == pytest.approx(0.2)
    _, c = _views(security_grievance_weight=0.2, collapse_grievance=0.3, economic_collapse=0.5)
    c.pv.security[0] = 1.0
    assert harm.grievance_target(c.p, c.s, c.pv, 0) - secure == pytest.approx(0.15)


# --- refugees (§7.13) -------------------------------------------------------------------------
def test_routes_sum_to_one_and_favour_the_bordering_host():
    model, v = _views()
    for name, host in (("Herat", 1), ("Nangarhar", 0), ("Takhar", 2), ("Kabul", 0)):
        routes = np.array(refugees.routes(v.p, v.w, model.provinces.index(name)))
        assert routes.sum() == pytest.approx(1.0)
        assert routes.argmax() == host or name == "Takhar"
    takhar = refugees.routes(v.p, v.w, model.provinces.index("Takhar"))
    kabul = refugees.routes(v.p, v.w, model.provinces.index("Kabul"))
    assert takhar[2] > kabul[2]


def test_a_closed_border_stops_its_share_of_departures():
    model, v = _views(refugee_exit_share=0.1, pakistan_border_open=0.0)
    nangarhar = model.provinces.index("Nangarhar")
    out = np.array(refugees.departures(v.p, v.w, nangarhar, 1000.0))
    assert out[0] == 0.0
    _, o = _views(refugee_exit_share=0.1)
    opened = np.array(refugees.departures(o.p, o.w, nangarhar, 1000.0))
    assert opened.sum() == pytest.approx(100.0)
    np.testing.assert_allclose(out[1:], opened[1:])


def test_collapse_raises_departures():
    _, v = _views(refugee_exit_share=0.05, collapse_exit_gain=2.0, economic_collapse=0.5)
    assert sum(refugees.departures(v.p, v.w, 0, 1000.0)) == pytest.approx(100.0)


def test_forced_returns_and_the_2016_drive():
    _, v = _views(refugee_return_rate=0.002, iran_forced_return=0.05,
                  pakistan_return_drive_2016=0.04)
    np.testing.assert_allclose(refugees.return_rates(v.p, v.r, 0.5), [0.001, 0.051, 0.001])
    v = with_regime(v, return_drive=1.0)
    assert refugees.return_rates(v.p, v.r, 0.5)[0] == pytest.approx(0.041)


# --- ISKP abroad (§7.13) ----------------------------------------------------------------------
def test_reach_counts_bordering_fighters_fully_and_others_partly():
    model, v = _views(external_reach=0.25)
    forces = np.zeros((34, 2))
    nangarhar, kabul = model.provinces.index("Nangarhar"), model.provinces.index("Kabul")
    forces[nangarhar, ISKP], forces[kabul, ISKP] = 1000.0, 400.0
    pakistan = external.reach_weights(v.p, v.w, forces, external.PAKISTAN)
    assert pakistan[nangarhar] == 1000.0 and pakistan[kabul] == 100.0
    beyond = external.reach_weights(v.p, v.w, forces, external.BEYOND)
    assert beyond.sum() == 1400.0


def test_safe_haven_and_support_multiply_the_external_rate():
    _, v = _views(iskp_maturity_months=0.1)
    base = external.region_rate(v.p, 50, 1500.0, external.PAKISTAN)
    assert base == pytest.approx(v.p.iskp_pakistan_attack_rate * 1.5)
    _, h = _views(iskp_maturity_months=0.1, iskp_safe_haven=2.0, iskp_external_support=1.5)
    assert external.region_rate(h.p, 50, 1500.0, external.PAKISTAN) == pytest.approx(3 * base)


# --- the baseline must show (defaults, 12 replicates) -----------------------------------------
@pytest.fixture(scope="module")
def default_runs() -> list[dict[str, np.ndarray]]:
    months = month_index("2021-08", "end") + 1
    return [simulate(Parameters(), months, seed) for seed in range(12)]


def test_refugee_stock_at_the_end_of_2020_near_unhcr(default_runs):
    """UNHCR: 2.2 M Afghan refugees in the neighbouring countries at the end of 2020 (±25%)."""
    end_2020 = month_index("2020-12", "m")
    stocks = [out["refugees_abroad"][end_2020].sum() for out in default_runs]
    assert 0.75 * 2.2e6 <= np.median(stocks) <= 1.25 * 2.2e6


def test_pakistan_drive_of_2016_sends_people_home(default_runs):
    months = np.arange(month_index("2016-07", "m"), month_index("2016-12", "m") + 1)
    for out in default_runs:
        pakistan = out["refugees_abroad_pakistan"].sum(axis=1)
        assert 250_000 < pakistan[months[0] - 1] - pakistan[months[-1]] < 500_000


def test_iskp_attacks_pakistan_in_most_replicates(default_runs):
    counts = [out["iskp_attacks_pakistan"].sum() for out in default_runs]
    assert np.mean(np.array(counts) > 0) > 0.5
