"""Unit tests of the refuge, type III strikes, ISKP cells, founding outreach, network appeal and
the relocation wave (inflow and attacks), the dated pledge and the Taliban's contest of ISKP's
ground."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import run_model

from model.calendar import month_index_unchecked
from model.model import KhorasanModel
from model.parameters import Parameters
from model.state import ISKP, TALIBAN
from model.submodels import combat, defection, expansion, harm, movement, recruitment


def fresh(seed: int = 0, **values) -> KhorasanModel:
    """A model at 2015-01 (nothing simulated yet) with the given parameter values."""
    return KhorasanModel(Parameters(values), 24, seed)


# --- refuge -----------------------------------------------------------------------------------
def test_refuge_only_in_pakistan_border_network_provinces(provinces):
    model = fresh(refuge_capacity=100.0)
    border = provinces.pakistan_border_km > 0
    expected = 100.0 * provinces.hardline * border
    np.testing.assert_allclose(model.refuge, expected)
    assert model.refuge[provinces.index("Nangarhar")] == 100.0
    assert model.refuge[provinces.index("Jowzjan")] == 0.0  # a network, but no border


def test_exposed_forces_subtract_the_refuge():
    model = fresh(refuge_capacity=100.0)
    forces = np.zeros((34, 2))
    forces[:, TALIBAN] = 500.0
    forces[:, ISKP] = 150.0
    exposed = combat.exposed_forces(model, forces)
    np.testing.assert_array_equal(exposed[:, TALIBAN], forces[:, TALIBAN])
    np.testing.assert_allclose(exposed[:, ISKP], np.maximum(150.0 - model.refuge, 0.0))
    assert np.all(forces[:, ISKP] == 150.0)  # the input is left alone


def test_no_refuge_means_the_forces_themselves():
    model = fresh(refuge_capacity=0.0)
    forces = np.ones((34, 2))
    assert combat.exposed_forces(model, forces) is forces


def test_fighters_inside_the_refuge_draw_no_clashes(provinces):
    """With a refuge larger than any ISKP, Nangarhar and Kunar never see a clash."""
    model = run_model(Parameters({"refuge_capacity": 20000.0, "iskp_cell_rate": 0.0,
                                  "founding_outreach": 0.0}), seed=3, n_months=36)
    for name in ("Nangarhar", "Kunar"):
        i = provinces.index(name)
        assert model.out["iskp_fighters"][:, i].max() < 20000.0
        assert model.out["clashes"][:, i].sum() == 0


def test_clash_losses_never_exceed_exposed_fighters():
    model = fresh(refuge_capacity=100.0)
    exposed = np.zeros((34, 2))
    exposed[:, TALIBAN] = 1000.0
    exposed[:, ISKP] = 10.0
    losses = np.zeros((34, 2))
    combat.clash_losses(model, np.full(34, 5.0), exposed, losses)
    assert np.all(losses[:, ISKP] <= 10.0)
    assert np.all(losses[:, TALIBAN] > 0.0)


# --- clash threat elasticity -----------------------------------------------------------------
def _forces(taliban: float, iskp: float) -> np.ndarray:
    """The same Taliban and ISKP fighters in every province, shape ``(34, 2)``."""
    forces = np.empty((34, 2))
    forces[:, TALIBAN] = taliban
    forces[:, ISKP] = iskp
    return forces


def _clash_rates(psi: float, iskp: float) -> np.ndarray:
    model = fresh(clash_rate=0.3, clash_threat_elasticity=psi)
    out = np.empty(34)
    combat.clash_rate(model, _forces(900.0, iskp), out)
    return out


@pytest.mark.parametrize("psi", [0.25, 0.5, 1.0])
@pytest.mark.parametrize("iskp", [0.0, 25.0, 100.0, 1600.0])
def test_clash_rate_scales_with_local_iskp_strength(psi, iskp):
    """``rate = k sqrt(T X) / 100 * (X / 100)^psi``: equal to the plain law at 100 fighters."""
    plain = 0.3 * np.sqrt(900.0 * iskp) / 100.0
    np.testing.assert_allclose(_clash_rates(0.0, iskp), plain, rtol=1e-12)
    np.testing.assert_allclose(_clash_rates(psi, iskp), plain * (iskp / 100.0) ** psi,
                               rtol=1e-12)


def test_threat_elasticity_above_half_makes_per_fighter_clash_risk_rise():
    """Below 1/2 the per-fighter risk falls as ISKP grows; above 1/2 it rises (a check)."""
    sizes = (25.0, 100.0, 400.0, 1600.0)
    for psi, rising in ((0.0, False), (0.25, False), (0.75, True), (1.0, True)):
        risk = [_clash_rates(psi, x)[0] / x for x in sizes]
        assert (risk == sorted(risk)) is rising
        assert (risk == sorted(risk, reverse=True)) is not rising


# --- counter-terrorism strikes ----------------------------------------------------------------
@pytest.mark.parametrize("total", [10.0, 500.0, 1000.0, 5000.0])
def test_strikes_follow_a_type_three_response(total):
    model = fresh(ct_strikes_per_month=40.0, ct_target_half_saturation=1000.0)
    model.ct_factor = 1.0
    forces = np.zeros((34, 2))
    forces[:4, ISKP] = total / 4.0
    out = np.empty(34)
    combat.strike_rate(model, forces, out)
    expected = 40.0 * total ** 2 / (total ** 2 + 1000.0 ** 2)
    np.testing.assert_allclose(out.sum(), expected, rtol=1e-12)
    np.testing.assert_allclose(out[:4], expected / 4.0, rtol=1e-12)


def test_per_fighter_strike_risk_vanishes_as_iskp_shrinks():
    model = fresh(ct_strikes_per_month=40.0, ct_target_half_saturation=1000.0)
    model.ct_factor = 1.0
    risks = []
    for total in (1.0, 10.0, 100.0, 1000.0):
        forces = np.zeros((34, 2))
        forces[0, ISKP] = total
        out = np.empty(34)
        combat.strike_rate(model, forces, out)
        risks.append(out[0] / total)
    assert risks == sorted(risks)  # rising up to the half-saturation point
    assert risks[0] < 1e-4


# --- ISKP cells -------------------------------------------------------------------------------
def test_cells_conserve_fighters_and_go_next_door(provinces):
    model = fresh(seed=5, iskp_cell_rate=1.0, iskp_cell_size=30.0)
    c = model.commanders
    before = c.fighters.sum()
    iskp_before = c.forces(34)[:, ISKP].sum()
    parents = ((c.faction == ISKP) & (c.fighters >= 60.0)).nonzero()[0]
    homes = c.location[parents].copy()
    n_before = c.n
    model.month = 0
    expansion.step(model)
    new = np.arange(n_before, c.n)
    assert len(new) == len(parents) > 0  # rate 1: every eligible band founds one
    np.testing.assert_allclose(c.fighters.sum(), before)
    np.testing.assert_allclose(c.forces(34)[:, ISKP].sum(), iskp_before)
    assert np.all(c.fighters[new] == 30.0) and np.all(c.faction[new] == ISKP)
    for parent_home, dest in zip(homes, c.location[new], strict=True):
        assert dest != parent_home and (parent_home, dest) in _edges(provinces)
    np.testing.assert_array_equal(model.out["iskp_cells"][0],
                                  np.bincount(c.location[new], minlength=34))
    assert len(model.agent_of) == c.n


def test_no_cells_at_rate_zero():
    model = run_model(Parameters({"iskp_cell_rate": 0.0}), seed=2, n_months=48)
    assert model.out["iskp_cells"].sum() == 0


def test_small_bands_found_no_cells():
    model = fresh(seed=1, iskp_cell_rate=1.0, iskp_cell_size=500.0)
    model.commanders.fighters[model.commanders.faction == ISKP] = 999.0
    assert len(expansion.founders(model)) == 0


def _edges(provinces) -> set[tuple[int, int]]:
    edges = {tuple(e) for e in provinces.edges}
    return edges | {(b, a) for a, b in edges}


# --- founding outreach and network appeal -----------------------------------------------------
def test_founding_outreach_raises_taliban_defection_logits_only():
    base, push = fresh(founding_outreach=0.0), fresh(founding_outreach=2.0)
    diff = defection.logits(push) - defection.logits(base)
    c = push.commanders
    np.testing.assert_allclose(diff[0], 2.0 * (c.faction == TALIBAN), atol=1e-12)
    np.testing.assert_array_equal(diff[1], 0.0)  # surrender is untouched


def test_founding_wave_halves_every_half_life():
    model = fresh(founding_half_life=12.0)
    for _ in range(13):
        model.step()
    assert model.month == 12
    assert model.founding_wave == pytest.approx(0.5)


@pytest.mark.parametrize("appeal", [0.0, 0.3, 1.0])
def test_iskp_recruitment_scales_with_network_appeal(provinces, appeal):
    model = fresh(iskp_network_appeal=appeal, iskp_recruit_rate=0.05)
    expected = 0.05 * (appeal + (1.0 - appeal) * provinces.hardline)
    np.testing.assert_allclose(model.recruit_rates[:, ISKP], expected)
    np.testing.assert_allclose(model.recruit_rates[:, TALIBAN],
                               model.p.taliban_recruit_rate)


# --- relocation wave --------------------------------------------------------------------------
def test_relocation_wave_runs_from_mosul_to_baghuz():
    model = KhorasanModel(Parameters(), 60, 0)
    on = []
    for _ in range(60):
        model.step()
        on.append(model.relocation)
    start, end = month_index_unchecked("2017-07"), month_index_unchecked("2019-03")
    assert on == [start <= m < end for m in range(60)]


def test_relocation_inflow_adds_to_the_border_inflow():
    model = fresh(cross_border_inflow=0.0, relocation_inflow=90.0, iskp_external_support=2.0)
    iskp = np.zeros(34)
    iskp[[model.provinces.index("Nangarhar"), model.provinces.index("Kunar")]] = [300.0, 100.0]
    iskp[model.provinces.index("Jowzjan")] = 500.0  # no border: no inflow
    assert recruitment.cross_border(model, iskp) is None  # before the wave
    model.relocation = True
    inflow = recruitment.cross_border(model, iskp)
    assert inflow.sum() == pytest.approx(180.0)
    weight = model.provinces.pakistan_border_km * iskp
    np.testing.assert_allclose(inflow, 180.0 * weight / weight.sum())
    assert inflow[model.provinces.index("Jowzjan")] == 0.0


class _RecordingStream:
    """Stands in for the attack stream: records the Poisson mean and draws no attack."""

    def poisson(self, lam):
        self.lam = lam
        return 0


@pytest.mark.parametrize("gain", [0.0, 1.5])
def test_relocation_wave_raises_the_attack_rate(gain):
    model = fresh(relocation_attack_gain=gain, iskp_attack_rate=0.8, iskp_maturity_months=12.0)
    model.streams.attacks = _RecordingStream()
    iskp = np.full(34, 50.0)  # 1,700 fighters
    base = 0.8 * 1.7 * (1.0 - np.exp(-1.0 / 12.0))
    assert harm.iskp_attacks(model, iskp) is None
    assert model.streams.attacks.lam == pytest.approx(base)
    model.relocation = True
    harm.iskp_attacks(model, iskp)
    assert model.streams.attacks.lam == pytest.approx(base * (1.0 + gain))


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("total", [340.0, 1700.0, 6800.0])
def test_attack_count_follows_iskp_size_with_its_elasticity(alpha, total):
    """``mu = a (I / 1000)^alpha * maturity``: proportional at 1, independent of size at 0."""
    model = fresh(iskp_attack_elasticity=alpha, iskp_attack_rate=0.8, iskp_maturity_months=12.0)
    model.streams.attacks = _RecordingStream()
    harm.iskp_attacks(model, np.full(34, total / 34.0))
    maturity = 1.0 - np.exp(-1.0 / 12.0)
    assert model.streams.attacks.lam == pytest.approx(0.8 * (total / 1000.0) ** alpha * maturity)


def test_default_attack_elasticity_is_exactly_proportional():
    """At the default of 1 the factor is the plain ``I / 1000`` (no power rounding)."""
    for total in (1.0, 333.0, 1234.5, 98765.0):
        assert harm._size_factor(total, 1.0) == total / 1000.0


# --- Qari Hekmat's pledge (dated) -------------------------------------------------------------
def _jowzjan_bands(model, faction):
    c = model.commanders
    return ((c.location == model.jowzjan) & (c.faction == faction)).nonzero()[0]


def test_pledge_switches_jowzjans_largest_taliban_band_once():
    model = fresh(seed=4)
    taliban = _jowzjan_bands(model, TALIBAN)
    assert len(taliban) and not len(_jowzjan_bands(model, ISKP))
    largest = taliban[np.argmax(model.commanders.fighters[taliban])]
    fighters = model.commanders.fighters[largest]
    model._on_jowzjan_pledge()
    assert list(_jowzjan_bands(model, ISKP)) == [largest]
    assert model.commanders.from_taliban[largest]
    month = model.steps  # the month now starting
    assert model.out["defections_to_iskp"][month, model.jowzjan] == 1
    assert model.out["defecting_fighters_to_iskp"][month, model.jowzjan] == fighters
    model._on_jowzjan_pledge()  # ISKP now holds a band there: nothing more happens
    assert list(_jowzjan_bands(model, ISKP)) == [largest]
    assert model.out["defections_to_iskp"][month, model.jowzjan] == 1


def test_no_pledge_without_iskp():
    model = fresh(seed=4, iskp_initial_fighters=0)
    model._on_jowzjan_pledge()
    assert not len(_jowzjan_bands(model, ISKP))
    assert model.out["defections_to_iskp"].sum() == 0


def test_pledge_is_kept_when_the_monthly_draw_records_defections_too():
    """The monthly draw adds to the month's record, so the pledge recorded first survives."""
    model = run_model(Parameters({}), seed=8, n_months=24)
    out, j = model.out, model.jowzjan
    first = int(np.argmax(out["iskp_fighters"][:, j] > 0))
    assert out["iskp_fighters"][first, j] > 0
    assert out["defections_to_iskp"][: first + 1, j].sum() >= 1


# --- the Taliban contest ISKP's ground (movement) ---------------------------------------------
def _taliban_place(model, iskp: float) -> np.ndarray:
    """The Taliban's place scores with 500 Taliban and ``iskp`` ISKP fighters everywhere."""
    return movement.place_terms(model, _forces(500.0, iskp))[1][:34, TALIBAN].copy()


@pytest.mark.parametrize("weight, sign", [(0.0, -1), (1.0, 0), (2.0, 1)])
def test_contest_weight_sets_how_iskp_force_moves_the_taliban(weight, sign):
    """Below the safety weight ISKP repels Taliban bands, at it they ignore it, above it they
    seek it out (ISKP's own scores are untouched)."""
    model = fresh(taliban_contest_weight=weight, move_safety_weight=1.0)
    few, many = _taliban_place(model, 10.0), _taliban_place(model, 1000.0)
    if sign == 0:
        np.testing.assert_allclose(many, few, rtol=0, atol=1e-12)
    else:
        assert np.all(np.sign(many - few) == sign)


def test_contest_term_is_the_documented_log():
    model = fresh(taliban_contest_weight=0.7, move_safety_weight=0.0)
    base = fresh(taliban_contest_weight=0.0, move_safety_weight=0.0)
    effective = 300.0 * model.effectiveness[ISKP]
    np.testing.assert_allclose(_taliban_place(model, 300.0) - _taliban_place(base, 300.0),
                               0.7 * np.log1p(effective / 100.0))


def test_contest_leaves_iskp_scores_alone():
    forces = np.full((34, 2), 200.0)
    a = movement.place_terms(fresh(taliban_contest_weight=0.0), forces)[1][:34, ISKP].copy()
    b = movement.place_terms(fresh(taliban_contest_weight=2.0), forces)[1][:34, ISKP].copy()
    np.testing.assert_array_equal(a, b)
