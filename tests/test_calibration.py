"""Calibration: targets, summary statistics, the distance, and tiny end-to-end ABC runs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import error_line, snapshot

from model.calendar import month_index
from model.calibration.stats import compute, months_needed, statistics
from model.calibration.targets import load_targets
from model.cli import main
from model.data import load_provinces
from model.errors import KhorasanError
from model.observed import load_observed
from model.outputs import OUTPUTS
from model.posterior import fingerprint

REPO = Path(__file__).resolve().parents[1]
TARGETS = REPO / "calibration" / "targets.toml"
NAMES = load_provinces().names


def blank(months: int = 80) -> dict[str, np.ndarray]:
    return {name: np.zeros((months, 34)) for name in OUTPUTS}


def write_targets(path: Path, body: str) -> Path:
    path.write_text(body)
    return path


def one_target(tmp_path: Path, **fields) -> object:
    lines = "\n".join(f"{k} = {json.dumps(v)}" for k, v in fields.items())
    return load_targets(write_targets(tmp_path / "t.toml", f"[[target]]\n{lines}\n"))[0]


def test_shipped_targets_load_and_cover_every_pattern():
    names = {t.name for t in load_targets(TARGETS)}
    assert {"clashes_total", "provinces_with_clashes", "clash_share_top3",
            "jowzjan_clash_rank", "jowzjan_collapse_month", "nangarhar_fall",
            "iskp_fall_2016_2017"} <= names
    assert sum(n.startswith("iskp_20") for n in names) == 8
    assert {f"iskp_casualties_{y}" for y in range(2015, 2021)} <= names


def test_targets_agree_with_observed_figures():
    targets = {t.name: t for t in load_targets(TARGETS)}
    observed = load_observed()
    for est in observed.iskp_strength:
        t = targets[f"iskp_{est.date.replace('-', '_')}"]
        assert (t.low, t.high) == (est.low, est.high)
        assert t.window == (month_index(est.date),) * 2
    by_year = {r.period: r for r in observed.civilian_casualties}
    for year in range(2015, 2021):
        assert targets[f"iskp_casualties_{year}"].value == by_year[str(year)].iskp
    assert targets["clashes_total"].value == observed.clashes.total
    assert targets["provinces_with_clashes"].value == observed.clashes.provinces_with_clashes


def test_sum_share_and_nonzero_on_hand_made_table(tmp_path):
    arrays = blank()
    nangarhar, kunar, kabul = (NAMES.index(n) for n in ("Nangarhar", "Kunar", "Kabul"))
    arrays["clashes"][30, nangarhar] = 6
    arrays["clashes"][40, kunar] = 2
    arrays["clashes"][50, kabul] = 2
    arrays["clashes"][10, kabul] = 100  # before the window
    window = ["2017-01", "2021-08"]
    total = one_target(tmp_path, statistic="sum", column="clashes", window=window, value=1)
    count = one_target(tmp_path, statistic="provinces_nonzero", column="clashes", window=window,
                       value=1)
    share = one_target(tmp_path, statistic="share", column="clashes", window=window,
                       provinces=["Nangarhar", "Jowzjan", "Kunar"], low=0.5, high=1.0)
    assert compute(total, arrays) == 10
    assert compute(count, arrays) == 3
    assert compute(share, arrays) == pytest.approx(0.8)


def test_value_ratio_peak_and_annual_mean(tmp_path):
    arrays = blank()
    j = NAMES.index("Jowzjan")
    arrays["iskp_fighters"][10:40, j] = np.linspace(0, 500, 30)
    arrays["iskp_fighters"][40:, j] = 20
    arrays["civilians_killed"][:12] = 1.0
    arrays["civilians_injured"][:12] = 2.0
    peak = one_target(tmp_path, statistic="fraction_of_peak", column="iskp_fighters",
                      provinces=["Jowzjan"], window=["2015-01", "2018-09"], low=0.0, high=0.1)
    ratio = one_target(tmp_path, statistic="ratio", column="iskp_fighters",
                       provinces=["Jowzjan"], window=["2017-06", "2018-09"], low=0.0, high=0.2)
    value = one_target(tmp_path, statistic="value", column="iskp_fighters", date="2018-06",
                       low=0, high=1)
    annual = one_target(tmp_path, statistic="annual_mean", column="civilian_casualties",
                        window=["2015-01", "2016-12"], value=1)
    assert compute(peak, arrays) == pytest.approx(20 / 500)
    assert compute(ratio, arrays) == pytest.approx(20 / arrays["iskp_fighters"][29, j])
    assert compute(value, arrays) == 20
    assert compute(annual, arrays) == pytest.approx(34 * 3 * 12 / 2)


def test_collapse_of_a_branch_that_never_existed_counts_as_no_collapse(tmp_path):
    target = one_target(tmp_path, statistic="fraction_of_peak", column="iskp_fighters",
                        provinces=["Jowzjan"], window=["2015-01", "2018-09"], low=0.0, high=0.1)
    assert compute(target, blank()) == 1.0
    assert target.miss(1.0) == pytest.approx(0.9 / target.scale)


def test_miss_is_zero_inside_a_range_and_scaled_outside(tmp_path):
    rng = one_target(tmp_path, statistic="value", column="iskp_fighters", date="2019-06",
                     low=2000, high=4000, scale=1000)
    point = one_target(tmp_path, statistic="sum", column="clashes", window=["2017-01", "2021-08"],
                       value=207, scale=50)
    assert rng.miss(2000) == rng.miss(3999) == 0.0
    assert rng.miss(1500) == pytest.approx(0.5)
    assert rng.miss(6000) == pytest.approx(2.0)
    assert point.miss(257) == pytest.approx(1.0)
    assert point.miss(math.nan) == 10.0
    assert rng.covers(3500, 9000) and not rng.covers(4500, 9000)
    assert point.covers(180, 235) and not point.covers(100, 200)


@pytest.mark.parametrize("body, key", [
    ("[[target]]\nstatistic = 'sum'\ncolumn = 'clashes'\nwindow = ['2017-01','2017-02']\n"
     "value = 1\nbogus = 2\n", "bogus"),
    ("[[target]]\nstatistic = 'median'\ncolumn = 'clashes'\nvalue = 1\n", "statistic"),
    ("[[target]]\nstatistic = 'sum'\ncolumn = 'nothing'\nvalue = 1\n", "column"),
    ("[[target]]\nstatistic = 'sum'\ncolumn = 'clashes'\nwindow = ['2017-01','2017-02']\n"
     "value = 1\nlow = 0\nhigh = 2\n", "value"),
    ("[[target]]\nstatistic = 'sum'\ncolumn = 'clashes'\nwindow = ['2017-01','2040-02']\n"
     "value = 1\n", "window"),
    ("", "target"),
])
def test_bad_targets_name_the_key(tmp_path, body, key):
    with pytest.raises(KhorasanError, match=key):
        load_targets(write_targets(tmp_path / "bad.toml", body))


TINY_TARGETS = """
[[target]]
name = "clashes_2015"
statistic = "sum"
column = "clashes"
window = ["2015-01", "2015-12"]
value = 40
scale = 20

[[target]]
name = "iskp_2015_12"
statistic = "value"
column = "iskp_fighters"
date = "2015-12"
low = 1500
high = 3500
scale = 1000
"""


def tiny_config(tmp_path: Path, generations: int) -> Path:
    (tmp_path / "targets.toml").write_text(TINY_TARGETS)
    config = tmp_path / "abc.toml"
    config.write_text(
        f"[abc]\npopulation_size = 8\nmax_generations = {generations}\nmin_epsilon = 0.0\n"
        "max_walltime_minutes = 2.0\nseed = 3\ntargets = 'targets.toml'\n"
        "db = 'history.db'\nposterior = 'posterior.parquet'\n"
        "[parameters]\nfree = ['clash_rate', 'iskp_initial_fighters']\n")
    return config


def test_tiny_abc_run_writes_a_posterior_and_resumes(tmp_path, capsys):
    config = tiny_config(tmp_path, generations=2)
    assert main(["calibrate", str(config), "--workers", "1"]) == 0
    posterior = pd.read_parquet(tmp_path / "posterior.parquet")
    assert list(posterior.columns) == ["clash_rate", "iskp_initial_fighters", "weight"]
    assert posterior["weight"].sum() == pytest.approx(1.0)
    assert posterior["clash_rate"].between(0.01, 0.5).all()
    first = json.loads((tmp_path / "diagnostics.json").read_text())
    assert first["generations"] == 2
    record = fingerprint(tmp_path / "posterior.parquet")["calibration"]
    assert record["free"] == ["clash_rate", "iskp_initial_fighters"]
    assert record["settings"]["max_generations"] == 2 and record["pyabc"]
    assert record["git_commit"] and record == {k: first[k] for k in record}
    assert {r["parameter"] for r in first["identifiability"]} == {"clash_rate",
                                                                 "iskp_initial_fighters"}
    tiny_config(tmp_path, generations=1)  # one more generation on top of the stored two
    assert main(["calibrate", str(config), "--workers", "1", "--resume"]) == 0
    resumed = json.loads((tmp_path / "diagnostics.json").read_text())
    assert resumed["generations"] == 3
    assert resumed["simulations"] > first["simulations"]
    assert first["invocations"] == 1 and first["wall_time_total_s"] == first["wall_time_s"]
    assert resumed["invocations"] == 2
    assert resumed["wall_time_total_s"] == pytest.approx(
        first["wall_time_s"] + resumed["wall_time_s"], abs=0.11)
    out = capsys.readouterr().out
    assert "generation 2" in out and "over 2 invocations" in out


def test_resume_without_history_is_a_one_line_error(tmp_path, capsys):
    config = tiny_config(tmp_path, generations=1)
    assert main(["calibrate", str(config), "--resume"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_calibration_model_is_deterministic_per_particle(tmp_path):
    from model.calibration.abc import CalibrationModel, load_abc_config

    model = CalibrationModel(load_abc_config(tiny_config(tmp_path, generations=1)))
    particle = {"clash_rate": 0.2, "iskp_initial_fighters": 1500.4}
    assert model(particle) == model(particle)
    assert model(particle) != model({**particle, "clash_rate": 0.21})


def test_check_prints_coverage_and_criteria(tmp_path, capsys):
    code = main(["check", "--replicates", "4", "--params", "defaults", "--workers", "1",
                 "--targets", str(TARGETS), "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "clashes_total" in out and "covered" in out
    assert out.count("PASS") + out.count("FAIL") == 9
    sims = pd.read_csv(tmp_path / "ppc_statistics.csv")
    assert len(sims) == 4 and "jowzjan_collapse_month" in sims
    assert (tmp_path / "ppc_targets.png").stat().st_size > 10_000


def test_statistics_from_a_real_run_are_finite():
    from model.api import simulate
    from model.parameters import Parameters

    targets = load_targets(TARGETS)
    stats = statistics(targets, simulate(Parameters(), months_needed(targets), 1))
    undefined = {t.name for t in targets if t.statistic in ("rank", "collapse_month",
                                                            "crossing_month")}
    assert all(np.isfinite(v) for k, v in stats.items() if k not in undefined), stats
    assert all(np.isnan(v) or v >= 0 for k, v in stats.items() if k in undefined), stats


def test_logit_scale_maps_onto_the_prior_range():
    from scipy.stats import logistic

    from model.calibration.abc import CalibrationModel, natural
    from model.parameters import SPECS

    lo, hi = SPECS["clash_rate"].prior
    assert natural("clash_rate", 0.0) == pytest.approx((lo + hi) / 2)
    assert lo < natural("clash_rate", -30.0) < natural("clash_rate", 30.0) < hi + 1e-12
    z = logistic.rvs(size=20000, random_state=np.random.default_rng(4))
    values = np.array([natural("clash_rate", v) for v in z])
    counts = np.histogram(values, bins=5, range=(lo, hi))[0]
    assert counts.min() > 0.9 * counts.mean()  # uniform over the prior range
    assert CalibrationModel.params(None, {"iskp_initial_fighters": 0.0}) \
        .iskp_initial_fighters == round(natural("iskp_initial_fighters", 0.0))


@pytest.mark.parametrize("key, value", [("transition", "'gaussian'"), ("distance", "'l1'"),
                                        ("replicates_per_particle", "0"), ("prior_share", "1.0"),
                                        ("degrees_of_freedom", "0"),
                                        ("replicates_per_particle", "'many'"),
                                        ("replicate_statistic", "'mode'")])
def test_bad_abc_choice_names_the_allowed_values(tmp_path, capsys, key, value):
    config = tiny_config(tmp_path, generations=1)
    config.write_text(config.read_text().replace("[abc]\n", f"[abc]\n{key} = {value}\n"))
    before = snapshot(tmp_path)
    assert main(["calibrate", str(config)]) == 2
    line = error_line(capsys)
    assert f"'abc.{key}'" in line and "allowed values" in line and str(config) in line
    assert snapshot(tmp_path) == before


def test_student_transition_takes_its_settings():
    from model.calibration.abc import _transition
    from model.calibration.kernel import DEGREES_OF_FREEDOM

    default = _transition({})
    assert (default.scaling, default.prior_share, default.df) == (1.0, 0.1, DEGREES_OF_FREEDOM)
    tuned = _transition({"kernel_scaling": 2, "prior_share": 0.05, "degrees_of_freedom": 2})
    assert (tuned.scaling, tuned.prior_share, tuned.df) == (2.0, 0.05, 2.0)


@pytest.mark.parametrize("transition", ["student", "mvn", "local"])
def test_both_transitions_run(tmp_path, transition):
    config = tiny_config(tmp_path, generations=2)
    config.write_text(config.read_text().replace(
        "[abc]\n", f"[abc]\ntransition = '{transition}'\nkernel_scaling = 0.5\n"))
    assert main(["calibrate", str(config), "--workers", "1"]) == 0
    assert json.loads((tmp_path / "diagnostics.json").read_text())["generations"] == 2


@pytest.mark.parametrize("setting, reduce", [("", np.mean),
                                             ("replicate_statistic = 'mean'\n", np.mean),
                                             ("replicate_statistic = 'median'\n", np.median)])
def test_replicates_per_particle_reduce_the_statistics(tmp_path, setting, reduce):
    from model.calibration.abc import CalibrationModel, load_abc_config

    config = tiny_config(tmp_path, generations=1)
    config.write_text(config.read_text().replace(
        "[abc]\n", f"[abc]\nreplicates_per_particle = 3\n{setting}"))
    model = CalibrationModel(load_abc_config(config))
    particle = {"clash_rate": 0.5, "iskp_initial_fighters": -0.3}
    misses = model(particle)
    assert model.replicates == 3 and misses == model(particle)
    clashes = _clashes_2015(model, particle)
    assert np.median(clashes) != pytest.approx(np.mean(clashes))  # the two reductions differ
    assert misses["clashes_2015"] == pytest.approx(model.targets[0].miss(float(reduce(clashes))))


def _clashes_2015(model, particle) -> list[float]:
    from model.api import simulate
    from model.calibration.abc import particle_seed

    seeds = particle_seed(model.seed, particle).spawn(3)
    return [float(simulate(model.params(particle), model.n_months, s)["clashes"][:12].sum())
            for s in seeds]


def test_student_proposal_mixes_in_the_prior():
    from pyabc.parameters import Parameter
    from scipy import stats

    from model.calibration.kernel import StudentTransition

    particles = pd.DataFrame({"a": [0.0, 0.1, -0.1, 0.05], "b": [1.0, 1.1, 0.9, 1.0]})
    weights = np.full(4, 0.25)
    plain, mixed = StudentTransition(), StudentTransition(prior_share=0.2)
    for kernel in (plain, mixed):
        kernel.fit(particles, weights)
    far = Parameter({"a": 6.0, "b": -6.0})
    prior = np.exp(stats.logistic.logpdf([6.0, -6.0]).sum())
    assert mixed.pdf(far) >= 0.2 * prior > plain.pdf(far)
    assert mixed.pdf(far) == pytest.approx(0.8 * plain.pdf(far) + 0.2 * prior)
    np.random.seed(0)
    draws = mixed.rvs(400)
    assert (draws["a"].abs() > 2).mean() > 0.02  # prior draws (20%) reach far out: ~5%


def test_earlier_invocations_of_a_resumed_run(tmp_path):
    from model.calibration.export import _earlier_invocations

    path = tmp_path / "diagnostics.json"
    assert _earlier_invocations(path) == (0.0, 0)  # none yet
    path.write_text(json.dumps({"wall_time_s": 586.0}))  # written before totals existed
    assert _earlier_invocations(path) == (586.0, 1)
    path.write_text(json.dumps({"wall_time_s": 750.0, "wall_time_total_s": 1336.0,
                                "invocations": 2}))
    assert _earlier_invocations(path) == (1336.0, 2)
    path.write_text("{not json")
    assert _earlier_invocations(path) == (0.0, 0)


@pytest.mark.parametrize("workers", [1, 2])
def test_local_samplers_cap_a_generation_at_max_eval(workers):
    """pyabc enforces population_size / min_acceptance_rate per generation only on request."""
    from model.calibration.abc import _sampler

    sampler = _sampler(workers, None)
    assert sampler.check_max_eval is True


def test_export_generation_writes_that_generation_without_sampling(tmp_path, capsys):
    config = tiny_config(tmp_path, generations=2)
    assert main(["calibrate", str(config), "--workers", "1"]) == 0
    last = json.loads((tmp_path / "diagnostics.json").read_text())
    history = tmp_path / "history.db"
    stamp = history.stat().st_mtime_ns
    assert main(["calibrate", str(config), "--export-generation", "0"]) == 0
    first = json.loads((tmp_path / "diagnostics.json").read_text())
    assert history.stat().st_mtime_ns == stamp  # nothing sampled
    assert first["exported_generation"] == 0 and first["generations_stored"] == 2
    assert [g["t"] for g in first["per_generation"]] == [0]
    assert first["final_epsilon"] == last["per_generation"][0]["epsilon"]
    assert first["simulations"] == last["simulations"] - last["per_generation"][1]["simulations"]
    assert first["wall_time_total_s"] == last["wall_time_total_s"]
    assert first["invocations"] == 1
    # pyabc's own timings: the calibration sample and generation 0, then generation 1 on top
    assert 0 < first["sampling_time_s"] < last["sampling_time_s"] <= last["wall_time_s"]
    assert last["sampling_time_s"] - first["sampling_time_s"] == pytest.approx(
        last["per_generation"][1]["wall_time_s"], abs=0.11)
    assert pd.read_parquet(tmp_path / "posterior.parquet")["weight"].sum() == pytest.approx(1.0)
    assert "generation 0 of 2 exported, nothing sampled" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--export-generation", "5"], "no generation 5; allowed values: 0..1"),
    (["--export-generation", "0", "--resume"], "not both"),
])
def test_export_generation_bad_input_is_a_one_line_error(tmp_path, capsys, argv, message):
    config = tiny_config(tmp_path, generations=2)
    assert main(["calibrate", str(config), "--workers", "1"]) == 0
    before = (tmp_path / "posterior.parquet").read_bytes()
    capsys.readouterr()
    assert main(["calibrate", str(config), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert (tmp_path / "posterior.parquet").read_bytes() == before


def test_export_generation_without_history_is_a_one_line_error(tmp_path, capsys):
    config = tiny_config(tmp_path, generations=1)
    assert main(["calibrate", str(config), "--export-generation", "0"]) == 2
    assert "nothing to export" in capsys.readouterr().err
    assert not (tmp_path / "posterior.parquet").exists()
