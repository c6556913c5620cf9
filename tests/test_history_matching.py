"""History matching + rejection ABC: config, statistics, emulators, criteria, end-to-end runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import error_line

from model.calendar import month_index
from model.calibration import emulator
from model.calibration.check import PATTERNS, TOLERANCE, acceptance
from model.calibration.hm_config import load_hm_config
from model.calibration.stats import compute
from model.calibration.targets import load_targets
from model.cli import main
from model.data import load_provinces
from model.outputs import OUTPUTS
from model.posterior import calibration_record, load_posterior

REPO = Path(__file__).resolve().parents[1]
NAMES = load_provinces().names
TINY_TARGETS = """
[[target]]
name = "iskp_2016_01"
statistic = "value"
column = "iskp_fighters"
date = "2016-01"
low = 2500
high = 3500
scale = 500

[[target]]
name = "clashes_2017"
statistic = "sum"
column = "clashes"
window = ["2017-01", "2017-12"]
value = 40
scale = 20

[[target]]
name = "iskp_casualties_2015"
statistic = "sum"
column = "civilian_casualties_iskp"
window = ["2015-01", "2015-12"]
value = 82
scale = 300
"""


def tiny_config(folder: Path, **settings) -> Path:
    (folder / "targets.toml").write_text(TINY_TARGETS)
    body = {"waves": 1, "wave_size": 40, "noise_pairs": 10, "final_particles": 30,
            "population_size": 10, "replicates_per_particle": 1, "chunk": 8,
            "walk_steps": 5, **settings}
    lines = "\n".join(f"{k} = {json.dumps(v)}" for k, v in body.items())
    path = folder / "calibrate.toml"
    path.write_text(f"[calibration]\n{lines}\n[parameters]\n"
                    'free = ["iskp_initial_fighters", "clash_rate"]\n'
                    'prior_drawn = ["attack_size_tail"]\n')
    return path


def blank(months: int = 80) -> dict[str, np.ndarray]:
    return {name: np.zeros((months, 34)) for name in OUTPUTS}


def one_target(tmp_path: Path, body: str):
    path = tmp_path / "t.toml"
    path.write_text("[[target]]\n" + body)
    return load_targets(path)[0]


def test_rank_counts_provinces_ahead_and_is_nan_without_events(tmp_path):
    target = one_target(tmp_path, 'name = "r"\nstatistic = "rank"\ncolumn = "clashes"\n'
                        'window = ["2017-01", "2017-12"]\nprovinces = ["Jowzjan"]\n'
                        "low = 1\nhigh = 3\n")
    arrays = blank()
    assert np.isnan(compute(target, arrays))
    j, n, k = NAMES.index("Jowzjan"), NAMES.index("Nangarhar"), NAMES.index("Kunar")
    arrays["clashes"][30, [n, k, j]] = [9, 5, 5]
    assert compute(target, arrays) == 2.0  # Kunar ties with Jowzjan: the rank is shared
    arrays["clashes"][30, k] = 6
    assert compute(target, arrays) == 3.0


def test_collapse_month_dates_the_first_fall_under_a_tenth_of_the_peak(tmp_path):
    target = one_target(tmp_path, 'name = "c"\nstatistic = "collapse_month"\n'
                        'column = "iskp_fighters"\nprovinces = ["Jowzjan"]\n'
                        'window = ["2015-01", "2021-08"]\nlow = "2018-06"\nhigh = "2018-10"\n')
    arrays = blank()
    assert np.isnan(compute(target, arrays))  # never existed: never collapsed
    j = NAMES.index("Jowzjan")
    arrays["iskp_fighters"][20:43, j] = 600
    arrays["iskp_fighters"][43:, j] = 59
    assert compute(target, arrays) == 43 == month_index("2018-08")
    assert target.miss(43) == 0 and target.observed == "2018-06..2018-10"


def test_share_and_rank_need_provinces(tmp_path, capsys):
    path = tmp_path / "t.toml"
    path.write_text('[[target]]\nname = "r"\nstatistic = "rank"\ncolumn = "clashes"\n'
                    'window = ["2017-01", "2017-12"]\nlow = 1\nhigh = 3\n')
    (tmp_path / "c.toml").write_text(f'[abc]\ntargets = "{path.name}"\n')
    assert main(["calibrate", str(tmp_path / "c.toml")]) == 2
    assert "provinces" in error_line(capsys)


def test_target_arrays_agree_with_each_target(tmp_path):
    targets = load_targets(REPO / "calibration" / "targets.toml")
    obs = emulator.TargetArrays.of(targets)
    rng = np.random.default_rng(0)
    for _ in range(20):
        stats = np.array([(t.value if t.value is not None else t.low) * rng.uniform(0, 2)
                          for t in targets])
        stats[rng.random(len(stats)) < 0.1] = np.nan
        expected = [t.miss(float(x)) for t, x in zip(targets, stats, strict=True)]
        np.testing.assert_allclose(obs.misses(stats[None])[0], expected)


def test_emulator_learns_a_smooth_statistic_and_rules_out_far_points(tmp_path):
    target = one_target(tmp_path, 'name = "y"\nstatistic = "sum"\ncolumn = "clashes"\n'
                        'window = ["2017-01", "2017-12"]\nvalue = 10\nscale = 1\n')
    obs = emulator.TargetArrays.of([target])
    rng = np.random.default_rng(1)
    x = rng.random((2000, 2))
    y = (20 * x[:, 0] + rng.normal(0, 0.5, len(x)))[:, None]  # observed 10 at x0 = 0.5
    em = emulator.fit(x, y, obs, seed=3)
    assert em.r2[0] > 0.95 and 0.2 < em.error_var[0] < 1.0
    probe = np.array([[0.5, 0.3], [0.05, 0.3], [0.95, 0.7]])
    assert emulator.ruled_out(probe, [em], obs, cutoff=3.0, rank=1).tolist() == [
        False, True, True]


def test_config_errors_name_file_and_key(tmp_path, capsys):
    path = tiny_config(tmp_path)
    good = path.read_text()
    for bad, words in [("waves = 1", "waves = 0"), ("chunk = 8", "chunk = true"),
                       ("[calibration]", "[calibration]\nbogus = 1"),
                       ('"attack_size_tail"', '"clash_rate"')]:
        path.write_text(good.replace(bad, words))
        assert main(["calibrate", str(path)]) == 2
        line = error_line(capsys)
        assert str(path) in line
    assert not (tmp_path / "hm").exists() and not (tmp_path / "posterior.parquet").exists()


def test_until_keeps_early_targets_and_the_named_ones(tmp_path):
    path = tiny_config(tmp_path, until="2016-12", keep=["clashes_2017"])
    assert [t.name for t in load_hm_config(path).targets] == [
        "iskp_2016_01", "clashes_2017", "iskp_casualties_2015"]
    path = tiny_config(tmp_path, until="2016-12")
    assert [t.name for t in load_hm_config(path).targets] == [
        "iskp_2016_01", "iskp_casualties_2015"]


def run(path: Path, *extra: str) -> int:
    return main(["calibrate", str(path), "--workers", "1", *extra])


def test_tiny_calibration_writes_posterior_and_diagnostics(tmp_path, capsys):
    path = tiny_config(tmp_path)
    assert run(path) == 0
    frame = load_posterior(tmp_path / "posterior.parquet")
    assert list(frame.columns) == ["iskp_initial_fighters", "clash_rate", "weight"]
    assert len(frame) == 10 and np.allclose(frame["weight"], 0.1)
    assert frame["iskp_initial_fighters"].between(400, 2500).all()
    record = calibration_record(tmp_path / "posterior.parquet")
    assert record["prior_drawn"] == ["attack_size_tail"] and record["model_runs"] == 80
    diag = json.loads((tmp_path / "diagnostics.json").read_text())
    assert diag["population_size"] == 10 and diag["ess"] == pytest.approx(10)
    assert diag["particles"] == 30 and diag["model_runs"] == 80
    assert [r["parameter"] for r in diag["identifiability"]] == ["iskp_initial_fighters",
                                                                 "clash_rate"]
    assert len(diag["waves"]) == 1 and 0 < diag["final"]["nroy_share"] <= 1
    assert 0 <= diag["final"]["walk_acceptance"] <= 1
    assert "ESS 10" in capsys.readouterr().out
    # a second run may not replace it without consent
    assert run(path) == 2
    assert "--overwrite" in error_line(capsys)
    assert run(path, "--overwrite") == 0


def test_resume_reuses_chunks_and_gives_the_same_posterior(tmp_path, capsys):
    path = tiny_config(tmp_path)
    assert run(path) == 0
    first = pd.read_parquet(tmp_path / "posterior.parquet")
    chunks = sorted((tmp_path / "hm").glob("final_0*.npz"))
    assert len(chunks) == 4
    chunks[-1].unlink()
    (tmp_path / "posterior.parquet").unlink()
    capsys.readouterr()
    assert run(path, "--resume") == 0
    assert "simulating 1 of 4 chunks" in capsys.readouterr().out
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "posterior.parquet"), first)


def test_resume_refuses_another_config(tmp_path, capsys):
    path = tiny_config(tmp_path)
    assert run(path) == 0
    path.write_text(path.read_text().replace("wave_size = 40", "wave_size = 41"))
    capsys.readouterr()
    assert run(path, "--resume") == 2
    assert "another config" in error_line(capsys)


def test_two_workers_give_the_same_posterior(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    assert run(tiny_config(one)) == 0
    assert main(["calibrate", str(tiny_config(two)), "--workers", "2"]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(one / "posterior.parquet"),
                                  pd.read_parquet(two / "posterior.parquet"))


def test_acceptance_judges_each_pattern_by_its_medians():
    targets = load_targets(REPO / "calibration" / "targets.toml")
    good = {t.name: (t.value if t.value is not None else (t.low + t.high) / 2)
            for t in targets}
    sims = pd.DataFrame([good] * 5)
    rows = acceptance(targets, sims)
    assert len(rows) == len(PATTERNS) and all(passed for _, _, passed in rows)
    t = next(t for t in targets if t.name == "iskp_2017_04")
    sims["iskp_2017_04"] = t.high + 1.01 * TOLERANCE * t.scale
    failed = [label for label, _, passed in acceptance(targets, sims) if not passed]
    assert len(failed) == 1 and failed[0].startswith("3 ISKP strength")


def test_noise_variance_comes_from_pairs_and_lowers_the_emulator_error(tmp_path):
    target = one_target(tmp_path, 'name = "y"\nstatistic = "sum"\ncolumn = "clashes"\n'
                        'window = ["2017-01", "2017-12"]\nvalue = 10\nscale = 1\n')
    obs = emulator.TargetArrays.of([target])
    rng = np.random.default_rng(2)
    x = rng.random((3000, 1))
    mean = (10 + 4 * x[:, 0])[:, None]
    first, second = mean + rng.normal(0, 2, mean.shape), mean + rng.normal(0, 2, mean.shape)
    noise = emulator.noise_variance(first, second, obs)
    assert noise[0] == pytest.approx(4.0, rel=0.1)
    with_noise = emulator.fit(x, first, obs, seed=1, noise_var=noise)
    without = emulator.fit(x, first, obs, seed=1)
    assert with_noise.error_var[0] < 0.5 < 3.5 < without.error_var[0]
    failed = np.vstack([first, np.full((500, 1), np.nan)])
    assert emulator.fit(np.vstack([x, rng.random((500, 1))]), failed, obs, seed=1,
                        noise_var=noise).r2[0] == pytest.approx(with_noise.r2[0], abs=0.05)


def test_walks_stay_uniform_on_the_space_not_ruled_out(tmp_path, monkeypatch):
    from model.calibration import hm
    from model.calibration.hm_config import load_hm_config

    config = load_hm_config(tiny_config(tmp_path, walk_steps=60))
    run = hm.Calibration(config)
    # the space not ruled out: the first coordinate below 0.3 (the second is free)
    monkeypatch.setattr(hm.emulator, "ruled_out", lambda u, *_: u[:, 0] > 0.3)
    run.waves = [object()]
    rng = np.random.default_rng(5)
    run.kept = np.column_stack([0.3 * rng.random(50), rng.random(50)])  # 50 starts for 4,000
    u, info = run._draw_nroy(4000, stage=1)
    assert u.shape == (4000, 3)  # two free parameters and one prior-drawn
    assert (u[:, 0] <= 0.3).all() and 0.2 < info["walk_acceptance"] < 1
    counts = np.histogram(u[:, 0], bins=6, range=(0, 0.3))[0]
    assert counts.min() > 0.75 * counts.mean()  # spread evenly over the region
    assert len(np.unique(u[:, 0])) == 4000  # the copies of each start have moved apart
    assert np.histogram(u[:, 1], bins=4, range=(0, 1))[0].min() > 800
    np.testing.assert_allclose(hm._reflect(np.array([-0.2, 1.3, 2.5, 0.4])), [0.2, 0.7, 0.5, 0.4])


def test_a_dask_cluster_gives_the_local_posterior(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    local, remote = tmp_path / "local", tmp_path / "dask"
    local.mkdir(), remote.mkdir()
    assert run(tiny_config(local)) == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        assert main(["calibrate", str(tiny_config(remote)), "--scheduler",
                     cluster.scheduler_address]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(local / "posterior.parquet"),
                                  pd.read_parquet(remote / "posterior.parquet"))


def test_resume_and_overwrite_exclude_each_other(tmp_path, capsys):
    assert run(tiny_config(tmp_path), "--resume", "--overwrite") == 2
    assert "exclude each other" in error_line(capsys)
    assert not (tmp_path / "hm").exists()
