"""The hindcast: CRPS, coverage, the naive forecasts and ``khorasan hindcast`` in-process."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import error_line, snapshot

from model.calendar import month_index, month_quantiles
from model.calibration.hindcast import (
    SCORE_KEYS,
    HindcastTarget,
    crps,
    load_hindcast_targets,
    outcomes,
    point_crps,
    score,
    summarize,
)
from model.calibration.targets import load_targets, parse_target
from model.cli import main
from model.errors import KhorasanError
from model.observed import load_observed

REPO = Path(__file__).resolve().parents[1]
HINDCAST = REPO / "calibration" / "hindcast" / "targets.toml"
NAMES = {"civilian_casualties_2020", "civilian_casualties_2021h1",
         "civilian_casualties_iskp_2020", "civilian_casualties_iskp_2021h1", "iskp_2021_01",
         "iskp_2021_06", "taliban_2021_06", "takeover_month", "refugees_abroad_2020"}


def brute_crps(x: np.ndarray, y: float) -> float:
    return float(np.abs(x - y).mean() - 0.5 * np.abs(x[:, None] - x[None, :]).mean())


def item(**raw) -> HindcastTarget:
    return HindcastTarget(parse_target(Path("t.toml"), 0, {"name": "t", **raw}))


# --- CRPS -----------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 7, 200, 501])
def test_crps_matches_the_brute_force_pairwise_sum(n):
    rng = np.random.default_rng(n)
    x = rng.lognormal(7, 1, n)
    x[: n // 3] = x[0]  # ties
    for y in (0.0, float(np.median(x)), 3 * float(x.max())):
        assert crps(rng.permutation(x), y) == pytest.approx(brute_crps(x, y), rel=1e-12,
                                                            abs=1e-9)


def test_crps_of_a_point_forecast_is_the_absolute_error():
    assert crps(np.full(50, 1200.0), 1000.0) == pytest.approx(200.0)
    assert crps([3.0], 5.5) == pytest.approx(2.5)
    assert point_crps(1200.0, 1000.0) == 200.0 and point_crps(800, 1000.0) == 200.0
    assert point_crps(None, 1000.0) is None
    spread = crps(np.array([900.0, 1100.0]), 1000.0)  # 100 - 200 / 4
    assert spread == pytest.approx(50.0) and spread < crps([1000.0 + 200.0], 1000.0)
    with pytest.raises(ValueError):
        crps([], 1.0)


# --- coverage and scores --------------------------------------------------------------------

def test_coverage_of_a_range_and_of_a_point():
    rng = item(statistic="value", column="iskp_fighters", date="2021-01", low=1000, high=2200)
    inside = score(rng, np.linspace(100, 1200, 101))  # overlaps the range from below
    above = score(rng, np.linspace(2300, 3000, 101))
    assert inside["covered"] and not above["covered"]
    assert inside["observed"] == 1600 and inside["observed_text"] == "1,000..2,200"
    assert inside["q05"] == pytest.approx(np.quantile(np.linspace(100, 1200, 101), 0.05))
    assert above["crps"] == pytest.approx(brute_crps(np.linspace(2300, 3000, 101), 1600))
    point = HindcastTarget(dataclasses.replace(rng.target, low=None, high=None, value=8820.0),
                           persistence=10392.0, climatology=None, naive_source="x")
    near, far = score(point, np.linspace(8000, 9000, 41)), score(point, np.full(41, 5000.0))
    assert near["covered"] and not far["covered"]
    assert far["crps"] == pytest.approx(3820.0)
    assert far["crps_persistence"] == pytest.approx(1572.0) and far["crps_climatology"] is None
    assert list(near) == [*SCORE_KEYS[:2], "observed_text", *SCORE_KEYS[2:]]


def test_a_month_that_never_comes_counts_as_the_month_after_the_window():
    t = item(statistic="crossing_month", column="control_taliban",
             window=["2015-01", "2021-09"], low="2021-06", high="2021-09")
    raw = np.array([np.nan, 77.0, 78.0, np.nan, np.nan, np.nan])
    after = month_index("2021-10")
    assert list(outcomes(t.target, raw)) == [after, 77, 78, after, after, after]
    row = score(t, raw)
    assert (row["q05"], row["median"], row["q95"]) == (77, after, after)
    assert list(month_quantiles(raw, [0.05, 0.5, 0.95])) == [77, np.inf, np.inf]  # same ranks
    assert row["covered"] and t.target.covers(77, np.inf)
    assert row["crps"] == pytest.approx(brute_crps(outcomes(t.target, raw), 78.5))
    assert row["observed_text"] == "2021-06..2021-09" and row["crps_persistence"] is None
    never = score(t, np.full(4, np.nan))
    assert never["q05"] == after and not never["covered"]
    assert never["crps"] == pytest.approx(after - 78.5)


def test_summary_counts_coverage_and_judges_civilian_targets_only():
    rows = [{"target": "civilian_a", "covered": True, "crps": 5.0, "crps_persistence": 5.0,
             "crps_climatology": 9.0},
            {"target": "civilian_b", "covered": False, "crps": 5.0, "crps_persistence": 4.0,
             "crps_climatology": 9.0},
            {"target": "iskp_x", "covered": False, "crps": 1.0, "crps_persistence": 9.0,
             "crps_climatology": 9.0},
            {"target": "civilian_c", "covered": True, "crps": 1.0, "crps_persistence": None,
             "crps_climatology": 9.0}]
    summary = summarize(rows)
    assert summary["covered"] == 2 and summary["coverage_share"] == 0.5
    assert summary["civilian_crps_at_most_naive"] == {"civilian_a": True, "civilian_b": False,
                                                      "civilian_c": None}


# --- the shipped targets and their naive forecasts ------------------------------------------

def test_shipped_hindcast_targets_load_with_their_naive_forecasts():
    loaded = {h.target.name: h for h in load_hindcast_targets(HINDCAST)}
    assert set(loaded) == NAMES
    assert all(h.target.window[1] >= month_index("2020-01") for h in loaded.values())
    takeover = loaded.pop("takeover_month")
    assert takeover.persistence is None and takeover.climatology is None
    assert all(h.persistence is not None and h.climatology is not None and h.naive_source
               for h in loaded.values())
    years = {r.period: r for r in load_observed().civilian_casualties}
    before = [years[str(y)] for y in range(2015, 2020)]
    for name, field in (("civilian_casualties", "total"), ("civilian_casualties_iskp", "iskp")):
        full, half = loaded[f"{name}_2020"], loaded[f"{name}_2021h1"]
        assert full.target.value == getattr(years["2020"], field)
        assert half.target.value == getattr(years["2021 H1"], field)
        assert full.persistence == getattr(before[-1], field) == 2 * half.persistence
        mean = np.mean([getattr(r, field) for r in before])
        assert full.climatology == pytest.approx(mean) == 2 * half.climatology


def test_strength_naive_forecasts_are_the_pre_2020_estimates_midpoints():
    fitted = [t for t in load_targets(REPO / "calibration" / "targets.toml")
              if t.statistic == "value" and t.window[1] < month_index("2020-01")]
    loaded = {h.target.name: h for h in load_hindcast_targets(HINDCAST)}
    for prefix, names in (("iskp_20", ("iskp_2021_01", "iskp_2021_06")),
                          ("taliban_20", ("taliban_2021_06",))):
        mids = [(t.low + t.high) / 2 for t in sorted(fitted, key=lambda t: t.window)
                if t.name.startswith(prefix)]
        for name in names:
            assert loaded[name].persistence == mids[-1]
            assert loaded[name].climatology == pytest.approx(np.mean(mids), abs=0.01)


def test_shipped_observations_agree_with_the_calibration_targets():
    fitted = {t.name: t for t in load_targets(REPO / "calibration" / "targets.toml")}
    for h in load_hindcast_targets(HINDCAST):
        t = h.target
        same = fitted.get(t.name) or fitted.get(t.name.replace("civilian_casualties_iskp",
                                                                "iskp_casualties"))
        if same is not None:
            assert (t.window, t.value, t.low, t.high) == (same.window, same.value, same.low,
                                                          same.high), t.name


GOOD = ("[[target]]\nname = 'a'\nstatistic = 'sum'\ncolumn = 'clashes'\n"
        "window = ['2020-01', '2020-12']\nvalue = 5\n")


@pytest.mark.parametrize("extra, key", [
    ("persistance = 3\n", "persistance"),
    ("persistence = 'many'\nnaive_source = 'x'\n", "persistence"),
    ("climatology = 4\n", "naive_source"),
    ("naive_source = 'no forecast'\n", "naive_source"),
    ("persistence = nan\nnaive_source = 'x'\n", "persistence"),
    ("scale = 'wide'\n", "scale"),
])
def test_bad_naive_keys_name_the_file_and_key(tmp_path, extra, key):
    path = tmp_path / "t.toml"
    path.write_text(GOOD + extra)
    with pytest.raises(KhorasanError, match=f"{path}: key 'target\\[0\\].{key}'"):
        load_hindcast_targets(path)


@pytest.mark.parametrize("body, key", [
    (GOOD.replace("value = 5", "value = '5'"), "target[0].value"),
    (GOOD.replace("window = ['2020-01', '2020-12']", "window = '2020-01'"), "target[0].window"),
    (GOOD + GOOD, "target[1].name"),
    ("[[target]]\nname = 'm'\nstatistic = 'crossing_month'\ncolumn = 'control_taliban'\n"
     "window = ['2015-01', '2021-08']\nlow = '2021-06'\nhigh = '2021-09'\n", "target[0].window"),
    ("[[target]]\nname = 'm'\nstatistic = 'crossing_month'\ncolumn = 'control_taliban'\n"
     "window = ['2015-01', '2021-09']\nvalue = '2021-08'\npersistence = 3\nnaive_source = 'x'\n",
     "target[0].persistence"),
])
def test_bad_values_name_the_key(tmp_path, body, key):
    path = tmp_path / "t.toml"
    path.write_text(body)
    with pytest.raises(KhorasanError, match=f"key '{key}".replace("[", "\\[")):
        load_hindcast_targets(path)


# --- the command ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> dict[str, Path]:
    """A 3-particle posterior over 2 parameters (rows of the committed one), and a first run."""
    folder = tmp_path_factory.mktemp("hindcast")
    frame = pd.read_parquet(REPO / "calibration" / "posterior.parquet").head(3)
    frame[["clash_rate", "iskp_attack_rate", "weight"]].to_parquet(folder / "post.parquet")
    out = folder / "out"
    argv = ["hindcast", "--targets", str(HINDCAST), "--posterior", str(folder / "post.parquet"),
            "--replicates", "4", "--seed", "7", "--workers", "1", "--out", str(out)]
    assert main(argv) == 0
    return {"folder": folder, "out": out, "argv": argv}


def test_hindcast_writes_scores_for_every_target(tiny):
    scores = json.loads((tiny["out"] / "scores.json").read_text())
    assert [row["target"] for row in scores] == [h.target.name
                                                 for h in load_hindcast_targets(HINDCAST)]
    for row in scores:
        assert set(row) - {"observed_text"} == set(SCORE_KEYS), row
        assert isinstance(row["covered"], bool) and row["crps"] >= 0
        assert row["q05"] <= row["median"] <= row["q95"]
        naive = row["crps_persistence"] is None
        assert naive == (row["target"] == "takeover_month"), row
    summary = json.loads((tiny["out"] / "summary.json").read_text())
    assert summary["replicates"] == 4 and summary["seed"] == 7
    assert summary["coverage_share"] == pytest.approx(sum(r["covered"] for r in scores) / 9)
    assert set(summary["civilian_crps_at_most_naive"]) == {n for n in NAMES if "civilian" in n}
    assert len(summary["posterior"]["sha256"]) == 64
    assert sorted(p.name for p in tiny["out"].iterdir()) == ["scores.json", "summary.json"]


def test_hindcast_refuses_to_overwrite_and_reruns_identically(tiny, capsys):
    before = snapshot(tiny["out"])
    capsys.readouterr()
    assert main(tiny["argv"]) == 2
    line = error_line(capsys)
    assert "scores.json" in line and "--overwrite" in line
    assert snapshot(tiny["out"]) == before
    assert main([*tiny["argv"], "--overwrite"]) == 0
    assert "covered:" in capsys.readouterr().out
    after = snapshot(tiny["out"])
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}


def test_bad_key_in_the_targets_file_writes_nothing(tiny, tmp_path, capsys):
    bad = tmp_path / "targets.toml"
    bad.write_text(HINDCAST.read_text().replace("persistence = 10392", "persistance = 10392"))
    out = tmp_path / "out"
    argv = [*tiny["argv"][:-2], "--out", str(out)]
    argv[argv.index("--targets") + 1] = str(bad)
    assert main(argv) == 2
    line = error_line(capsys)
    assert str(bad) in line and "target[0].persistance" in line and "persistence" in line
    assert not out.exists()


def test_missing_posterior_is_one_line_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["hindcast", "--posterior", str(tmp_path / "none.parquet"), "--out", str(out),
                 "--targets", str(HINDCAST), "--workers", "1"]) == 2
    line = error_line(capsys)
    assert "none.parquet" in line and "no such posterior" in line
    assert not out.exists()


@pytest.mark.parametrize("flag, value", [("--replicates", "0"), ("--workers", "0"),
                                         ("--seed", "-1")])
def test_bad_counts_are_refused(tmp_path, capsys, flag, value):
    assert main(["hindcast", flag, value, "--out", str(tmp_path / "out")]) == 2
    assert flag in error_line(capsys)
    assert not (tmp_path / "out").exists()
