"""The Morris screen (``khorasan screen``): common random numbers, the dummy and the noise
floor, failed runs, identical results on every executor, and the command line."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from helpers import error_line, snapshot

from model.calibration import screen as sc
from model.calibration.targets import Target, load_targets
from model.cli import main
from model.sweep.design import unit_problem
from model.sweep.spec import Factor

NAMES = ["iskp_initial_fighters", "nangarhar_offensive_2019", "clash_rate"]
TRAJECTORIES = 4
EARLY = Target(name="iskp_2015_03", statistic="value", column="iskp_fighters", window=(2, 2),
               provinces=None, value=None, low=1000.0, high=2000.0, scale=500.0, source="test")
TARGETS_TOML = """[[target]]
name = "iskp_2015_03"
statistic = "value"
column = "iskp_fighters"
date = "2015-03"
low = 1000
high = 2000
scale = 500
"""


@pytest.fixture(scope="module")
def targets() -> list[Target]:
    """ISKP's strength in 2015-03 (set by its initial fighters) and in 2016-01."""
    return [EARLY, *[t for t in load_targets("calibration/targets.toml")
                     if t.name == "iskp_2016_01"]]


@pytest.fixture(scope="module")
def tiny(targets) -> tuple[dict, pd.DataFrame]:
    """A 4-trajectory screen of three parameters (20 runs) in this process."""
    return sc.screen(targets, NAMES, TRAJECTORIES, seed=5)


def _rows(table: pd.DataFrame, parameter: str) -> pd.DataFrame:
    return table[table["parameter"] == parameter].set_index("target")


def test_tiny_screen_runs_every_point(tiny, targets):
    result, table = tiny
    factors = len(NAMES) + 2
    assert result["n_factors"] == factors
    assert result["n_points"] == result["model_runs"] == TRAJECTORIES * (factors + 1)
    assert result["failed"]["runs"] == 0
    assert len(table) == factors * len(targets)
    assert result["parameters"][0]["name"] == "iskp_initial_fighters"
    assert (table["effects"] == TRAJECTORIES).all()


def test_dummy_effects_are_exactly_zero_with_shared_seeds(tiny):
    """Every step of the never-read dummy compares two runs with the same seed."""
    result, table = tiny
    dummy = _rows(table, sc.DUMMY)
    assert (dummy["mu_star"] == 0).all() and (dummy["sigma"] == 0).all()
    assert result["dummy_max_mu_star"] == 0
    # a parameter first read in 2019 cannot move a 2015 or 2016 statistic either
    later = _rows(table, "nangarhar_offensive_2019")
    assert (later["mu_star"] == 0).all()
    assert not next(p for p in result["parameters"]
                    if p["name"] == "nangarhar_offensive_2019")["influential"]


def test_noise_floor_measures_the_seed(tiny):
    """The seed-only factor's effects are differences between replicates: not zero."""
    result, table = tiny
    assert (_rows(table, sc.NOISE)["mu_star"] > 0).all()
    assert result["noise"] == _rows(table, sc.NOISE)["mu_star"].to_dict()


def test_initial_fighters_drive_early_strength(tiny):
    result, table = tiny
    record = next(p for p in result["parameters"] if p["name"] == "iskp_initial_fighters")
    assert record["influential"] and "iskp_2015_03" in record["influential_on"]
    assert set(record["top_targets"]) == {"iskp_2015_03", "iskp_2016_01"}
    row = _rows(table, "iskp_initial_fighters").loc["iskp_2015_03"]
    assert row["mu"] == row["mu_star"]  # more fighters at the founding, more two months on
    assert row["mu_star"] > max(sc.NOISE_FACTOR * result["noise"]["iskp_2015_03"],
                                sc.MIN_EFFECT)
    assert row["threshold"] == max(sc.NOISE_FACTOR * result["noise"]["iskp_2015_03"],
                                   sc.MIN_EFFECT)
    # the clash rate barely touches ISKP's strength two months in: within the noise
    assert not _rows(table, "clash_rate").loc["iskp_2015_03", "above"]


def test_point_seeds_share_one_seed_per_trajectory_and_noise_level():
    factors = sc.screen_factors(["clash_rate"])
    unit = sc.unit_sample("morris", factors, 3, 4, 1)
    seeds = sc.point_seeds(unit, 9, 4)
    step = len(factors) + 1
    for t in range(3):
        keys = [s.spawn_key for s in seeds[t * step:(t + 1) * step]]
        assert len(set(keys)) == 2 and {k[0] for k in keys} == {t}
        assert all(s.entropy == 9 for s in seeds)
        levels = np.rint(unit[t * step:(t + 1) * step, -1] * 3).astype(int)
        assert [k[1] for k in keys] == levels.tolist()


def test_elementary_effects_match_salib_and_drop_failed_ends():
    from SALib.analyze import morris

    factors = tuple(Factor(f"x{i}", "float", 0.0, 1.0) for i in range(3))
    unit = sc.unit_sample("morris", factors, 6, 4, 3)
    y = unit[:, 0] ** 2 + 3 * unit[:, 1] * unit[:, 2]
    ours = sc.morris_indices(sc.elementary_effects(unit, y), 0)
    theirs = morris.analyze(unit_problem(factors), unit, y, num_levels=4, seed=0)
    for key in ("mu", "mu_star", "sigma"):
        np.testing.assert_allclose(ours[key][:, 0], theirs[key], rtol=1e-12)
    y[5] = math.nan  # point 5 (second trajectory, second point) ends two effects
    ee = sc.elementary_effects(unit, y)
    assert np.isnan(ee).sum() == 2 and np.isnan(ee[1]).sum() == 2
    assert sc.morris_indices(ee, 0)["effects"][:, 0].sum() == 6 * 3 - 2


def test_undefined_crossing_is_filled_beyond_the_window():
    takeover = next(t for t in load_targets("calibration/targets.toml")
                    if t.statistic == "crossing_month")
    filled, n = sc.fill_undefined(takeover, np.array([78.0, math.nan, 80.0]))
    assert n == 1
    assert filled.tolist() == [78.0, takeover.window[1] + 10 * takeover.scale, 80.0]
    assert takeover.miss(filled[1]) >= takeover.miss(math.nan)


def test_failed_runs_are_recorded_and_their_effects_left_out(targets, monkeypatch):
    real = sc.simulate

    def fragile(params, n_months, seed):
        if params["clash_rate"] > 0.9 * sc.SPECS["clash_rate"].prior[1]:
            raise RuntimeError("commander capacity exceeded")
        return real(params, n_months, seed)

    monkeypatch.setattr(sc, "simulate", fragile)
    result, table = sc.screen(targets[:1], NAMES, TRAJECTORIES, seed=5)
    failed = result["failed"]
    assert failed["runs"] > 0 and failed["messages"] == ["RuntimeError: "
                                                         "commander capacity exceeded"]
    assert (table["effects"] < TRAJECTORIES).any() and table["mu_star"].notna().all()
    record = next(p for p in result["parameters"] if p["name"] == "clash_rate")
    assert record["failure_flips"] > 0


def _numbers(folder) -> dict:
    data = json.loads((folder / sc.RESULT).read_text())
    return {k: v for k, v in data.items() if k not in ("wall_s", "executor")}


def test_one_and_two_workers_give_identical_files(targets, tmp_path):
    path = tmp_path / "targets.toml"
    path.write_text(TARGETS_TOML)
    for workers in (1, 2):
        sc.run_screen(path, tmp_path / f"w{workers}", TRAJECTORIES, seed=5, workers=workers,
                      names=NAMES)
    assert _numbers(tmp_path / "w1") == _numbers(tmp_path / "w2")
    assert (tmp_path / "w1" / sc.TABLE).read_bytes() == (tmp_path / "w2" / sc.TABLE).read_bytes()
    assert json.loads((tmp_path / "w2" / sc.RESULT).read_text())["executor"] == "process-pool"
    assert (tmp_path / "w1" / sc.FIGURE).stat().st_size > 0


def test_dask_gives_the_same_numbers(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    path = tmp_path / "targets.toml"
    path.write_text(TARGETS_TOML)
    sc.run_screen(path, tmp_path / "local", TRAJECTORIES, seed=5, names=NAMES)
    with (distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                   dashboard_address=None) as cluster,
          distributed.Client(cluster) as client):
        sc.run_screen(path, tmp_path / "dask", TRAJECTORIES, seed=5, scheduler=client,
                      names=NAMES)
    assert _numbers(tmp_path / "local") == _numbers(tmp_path / "dask")


# --- command line --------------------------------------------------------------------------------

def _cli(tmp_path, out, *extra: str) -> int:
    path = tmp_path / "targets.toml"
    path.write_text(TARGETS_TOML)
    return main(["screen", "--targets", str(path), "--trajectories", "2", "--workers", "1",
                 "--out", str(out), *extra])


def test_cli_screens_every_parameter_and_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "screening"
    assert _cli(tmp_path, out) == 0
    printed = capsys.readouterr().out
    data = json.loads((out / sc.RESULT).read_text())
    assert len(data["parameters"]) == len(sc.calibrated_names())
    assert data["model_runs"] == 2 * (len(sc.calibrated_names()) + 3)
    assert f"{data['influential_count']} of {len(data['parameters'])} parameters influential" \
        in printed
    assert printed.splitlines()[1].split()[0] == data["parameters"][0]["name"]
    assert {sc.RESULT, sc.TABLE, sc.FIGURE} <= {p.name for p in out.iterdir()}
    before = snapshot(out)
    assert _cli(tmp_path, out) == 2
    assert "--overwrite" in error_line(capsys)
    assert snapshot(out) == before
    assert _cli(tmp_path, out, "--overwrite") == 0


@pytest.mark.parametrize("extra, word", [(["--levels", "3"], "--levels"),
                                         (["--trajectories", "1"], "--trajectories"),
                                         (["--workers", "0"], "--workers"),
                                         (["--targets", "missing.toml"], "missing.toml")])
def test_cli_bad_option_writes_nothing(tmp_path, capsys, extra, word):
    out = tmp_path / "out"
    assert _cli(tmp_path, out, *extra) == 2
    assert word in error_line(capsys)
    assert not out.exists()


def test_cli_unknown_option_is_a_usage_error(tmp_path, capsys):
    assert _cli(tmp_path, tmp_path / "out", "--bogus") == 2
    assert "--bogus" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
