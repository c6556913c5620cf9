"""The ``khorasan`` command line, in-process: run, validate, summarize, plot and bad flags."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from helpers import error_line, snapshot

from model import __version__
from model.cli import main
from model.data import load_provinces
from model.outputs import OUTPUTS, STOCKS

REQUIRED = ["replicate", "date", "province", "clashes", "taliban_fighters", "iskp_fighters",
            "defections_to_iskp", "defections_to_taliban", "civilians_killed",
            "civilians_injured", "civilian_casualties_iskp", "iskp_attacks", "displaced",
            "control_state", "control_taliban", "control_iskp"]
SMALL = ("[scenario]\nname = 'small'\ndescription = 'test run'\n"
         "[run]\nstart = '2016-01'\nend = '2016-12'\nreplicates = 3\nseed = 11\n"
         "seeds_per_draw = 1\n[parameters]\nclash_rate = 0.3\n"
         "[[interventions]]\ndate = '2016-06'\nset = {clash_rate = 0.6}\n"
         "provinces = ['Nangarhar']\n")


def run(config: Path, out: Path, *extra: str) -> int:
    return main(["run", str(config), "--out", str(out), "--params", "defaults", "--quiet",
                 "--workers", "1", *extra])


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, Path]:
    """(config, run directory) of a finished 3-replicate run."""
    folder = tmp_path_factory.mktemp("cli")
    config = folder / "small.toml"
    config.write_text(SMALL)
    out = folder / "run"
    assert run(config, out) == 0
    return config, out


@pytest.fixture
def config(tmp_path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    return path


# --- run -----------------------------------------------------------------------------------------

def test_run_prints_one_summary_line(config, tmp_path, capsys):
    out = tmp_path / "out"
    assert run(config, out) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert re.fullmatch(r"small: 3 replicates \(defaults parameters\) in [\d.]+ s -> .*\n",
                        captured.out)
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json", "national.parquet", "provinces.parquet"]


def test_run_provinces_table(small):
    _, out = small
    provinces = pd.read_parquet(out / "provinces.parquet")
    assert set(REQUIRED) <= set(provinces.columns)
    assert set(OUTPUTS) <= set(provinces.columns)
    names = load_provinces().names
    assert len(provinces) == 3 * 12 * len(names)
    assert sorted(provinces["replicate"].unique()) == [0, 1, 2]
    assert list(provinces["province"].cat.categories) == list(names)
    dates = pd.date_range("2016-01-01", "2016-12-01", freq="MS")
    assert (np.sort(provinces["date"].unique()) == dates.values).all()
    counts = provinces.groupby(["replicate", "date"]).size()
    assert (counts == len(names)).all()
    assert not provinces.duplicated(["replicate", "date", "province"]).any()
    assert (provinces[list(OUTPUTS)].dtypes == np.float32).all()
    assert np.isfinite(provinces[list(OUTPUTS)].to_numpy()).all()
    shares = provinces[["control_state", "control_taliban", "control_iskp"]]
    assert ((shares >= 0) & (shares <= 1 + 1e-6)).all().all()


def test_run_national_table_aggregates_provinces(small):
    _, out = small
    provinces = pd.read_parquet(out / "provinces.parquet")
    national = pd.read_parquet(out / "national.parquet")
    assert "province" not in national.columns
    assert set(REQUIRED) - {"province"} <= set(national.columns)
    assert len(national) == 3 * 12
    assert not national.duplicated(["replicate", "date"]).any()
    national = national.set_index(["replicate", "date"]).sort_index()

    counts = [c for c, (how, _, _) in OUTPUTS.items() if how == "sum"]
    summed = provinces.astype(dict.fromkeys(counts, "float64")).groupby(
        ["replicate", "date"])[counts].sum()
    np.testing.assert_allclose(national[counts].to_numpy(np.float64), summed.to_numpy(),
                               rtol=2e-6, atol=1e-3)

    population = load_provinces().population.astype(float)
    weight = dict(zip(load_provinces().names, population / population.sum(), strict=True))
    w = provinces["province"].map(weight).astype(float)
    shares = [c for c, (how, _, _) in OUTPUTS.items() if how == "popmean"]
    assert {"control_state", "control_taliban", "control_iskp"} <= set(shares)
    weighted = provinces[shares].astype(float).mul(w, axis=0)
    weighted[["replicate", "date"]] = provinces[["replicate", "date"]]
    means = weighted.groupby(["replicate", "date"])[shares].sum()
    np.testing.assert_allclose(national[shares].to_numpy(np.float64), means.to_numpy(),
                               rtol=1e-5, atol=1e-6)
    # not simply the unweighted mean
    plain = provinces.groupby(["replicate", "date"])["control_taliban"].mean()
    assert not np.allclose(plain.to_numpy(), means["control_taliban"].to_numpy(), atol=1e-4)


def test_run_manifest(small):
    _, out = small
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["khorasan_version"] == __version__
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?|unknown", manifest["git_commit"])
    assert manifest["parameters"]["source"] == "defaults"
    assert isinstance(manifest["wall_time_s"], float) and manifest["wall_time_s"] >= 0
    assert manifest["replicates_run_now"] == 3
    resolved = manifest["config"]
    assert resolved["scenario"]["name"] == "small"
    assert resolved["scenario"]["chain"] == ["small.toml"]
    assert resolved["run"] == {"start": "2016-01", "end": "2016-12", "replicates": 3,
                               "seed": 11, "seeds_per_draw": 1}
    assert resolved["parameters"] == {"clash_rate": 0.3}
    assert resolved["interventions"] == [
        {"date": "2016-06", "set": {"clash_rate": 0.6}, "note": "", "provinces": ["Nangarhar"]}]
    seeds = manifest["seeds"]
    assert seeds["base"] == 11
    assert seeds["replicates"] == [{"replicate": r, "entropy": 11, "spawn_key": [r]}
                                   for r in range(3)]
    assert {"python", "numpy", "pandas", "pyarrow", "mesa"} <= set(manifest["environment"])


def test_run_seed_and_replicates_flags(config, tmp_path, small):
    out = tmp_path / "flags"
    assert run(config, out, "--replicates", "2", "--seed", "11") == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["run"]["replicates"] == 2
    assert len(manifest["seeds"]["replicates"]) == 2
    # replicate r depends only on (seed, r): the first two replicates of the 3-replicate run
    reference = pd.read_parquet(small[1] / "national.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(out / "national.parquet"),
                                  reference[reference["replicate"] < 2])
    other = tmp_path / "other-seed"
    assert run(config, other, "--replicates", "2", "--seed", "12") == 0
    assert json.loads((other / "manifest.json").read_text())["seeds"]["base"] == 12
    assert not pd.read_parquet(other / "national.parquet").equals(
        pd.read_parquet(out / "national.parquet"))


def test_overwrite_replaces_results(config, tmp_path, capsys):
    out = tmp_path / "out"
    assert run(config, out, "--replicates", "2") == 0
    (out / "figures").mkdir()
    (out / "figures" / "stale.png").write_bytes(b"old")
    (out / "notes.txt").write_text("keep me")
    assert run(config, out, "--replicates", "3", "--seed", "5", "--overwrite") == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seeds"]["base"] == 5
    assert manifest["config"]["run"]["replicates"] == 3
    assert sorted(pd.read_parquet(out / "national.parquet")["replicate"].unique()) == [0, 1, 2]
    # only what a run writes is replaced: the figures plot drew are left, with a note
    assert (out / "figures" / "stale.png").read_bytes() == b"old"
    assert "figures" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "keep me"
    fresh = tmp_path / "fresh"
    assert run(config, fresh, "--replicates", "3", "--seed", "5") == 0
    for kind in ("provinces", "national"):
        pd.testing.assert_frame_equal(pd.read_parquet(out / f"{kind}.parquet"),
                                      pd.read_parquet(fresh / f"{kind}.parquet"))


def test_run_into_existing_empty_directory(config, tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    assert run(config, out) == 0
    assert (out / "provinces.parquet").is_file()


def test_run_into_existing_directory_with_other_files(config, tmp_path):
    out = tmp_path / "notes"
    out.mkdir()
    (out / "README.txt").write_text("mine")
    assert run(config, out) == 0
    assert (out / "README.txt").read_text() == "mine"
    assert (out / "national.parquet").is_file()


# --- bad flags and output folders -----------------------------------------------------------------

def test_existing_results_without_flag_are_untouched(small, capsys):
    config, out = small
    before = snapshot(out)
    assert run(config, out) == 2
    line = error_line(capsys)
    assert str(out) in line
    assert "--overwrite" in line and "--resume" in line
    assert snapshot(out) == before
    assert run(config, out, "--seed", "99") == 2
    capsys.readouterr()
    assert snapshot(out) == before


def test_interrupted_results_without_flag_are_untouched(config, tmp_path, capsys):
    out = tmp_path / "partial"
    (out / ".parts").mkdir(parents=True)
    (out / ".parts" / "national-000000.parquet").write_bytes(b"part")
    before = snapshot(out)
    assert run(config, out) == 2
    assert "--resume" in error_line(capsys)
    assert snapshot(out) == before


@pytest.mark.parametrize("flag", ["0", "-3"])
def test_replicates_flag_below_one(config, tmp_path, capsys, flag):
    out = tmp_path / "out"
    assert run(config, out, "--replicates", flag) == 2
    line = error_line(capsys)
    assert "--replicates" in line and ">= 1" in line
    assert not out.exists()


def test_negative_seed_flag(config, tmp_path, capsys):
    out = tmp_path / "out"
    assert run(config, out, "--seed", "-1") == 2
    assert "--seed" in error_line(capsys)
    assert not out.exists()


@pytest.mark.parametrize(("argv", "needles"), [
    (["--params", "best"], ["--params", "'best'", "posterior", "map", "defaults"]),
    (["--workers", "two"], ["--workers", "'two'"]),
    (["--replicates", "ten"], ["--replicates", "'ten'"]),
    (["--overwrite", "--resume"], ["--resume", "--overwrite"]),
    (["--frobnicate"], ["--frobnicate"]),
])
def test_bad_flags_are_one_line(config, tmp_path, capsys, argv, needles):
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--quiet", *argv]) == 2
    line = error_line(capsys)
    for needle in needles:
        assert needle in line
    assert not out.exists()


def test_missing_command_and_help(capsys):
    assert main([]) == 2
    assert "command" in error_line(capsys)
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out
    assert main(["run", "--help"]) == 0
    assert "--resume" in capsys.readouterr().out


def _unwritable(tmp_path: Path) -> tuple[Path, Path]:
    """(output path that cannot be created, existing ancestor to restore and check)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        (locked / "probe").mkdir()
    except PermissionError:
        return locked / "out", locked
    # root ignores permission bits: use a path below a regular file instead
    (locked / "probe").rmdir()
    locked.chmod(0o700)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    blocker.chmod(0o755)  # even an executable file must not pass as a folder
    return blocker / "out", blocker


def test_unwritable_output_directory(config, tmp_path, capsys):
    out, ancestor = _unwritable(tmp_path)
    try:
        before = sorted(p.name for p in ancestor.parent.iterdir())
        assert run(config, out) == 2
        line = error_line(capsys)
        assert str(out) in line and "not writable" in line
        assert not out.exists()
        assert sorted(p.name for p in ancestor.parent.iterdir()) == before
    finally:
        (tmp_path / "locked").chmod(0o700)


def test_output_path_is_a_file(config, tmp_path, capsys):
    out = tmp_path / "file"
    out.write_text("x")
    assert run(config, out) == 2
    assert "not a directory" in error_line(capsys)
    assert out.read_text() == "x"


@pytest.mark.parametrize("where", ["default", "flag"])
def test_params_map_without_posterior(config, tmp_path, capsys, monkeypatch, where):
    monkeypatch.chdir(tmp_path)  # the default posterior path is relative: none here
    out = tmp_path / "out"
    extra = [] if where == "default" else ["--posterior", str(tmp_path / "none.parquet")]
    assert main(["run", str(config), "--out", str(out), "--params", "map", "--quiet",
                 *extra]) == 2
    line = error_line(capsys)
    assert "--params map" in line
    assert ("calibration/posterior.parquet" if where == "default" else "none.parquet") in line
    assert "--params defaults" in line
    assert not out.exists()


def test_params_map_without_posterior_leaves_results(small, tmp_path, capsys):
    config, out = small
    before = snapshot(out)
    assert main(["run", str(config), "--out", str(out), "--params", "map", "--quiet",
                 "--posterior", str(tmp_path / "none.parquet"), "--overwrite"]) == 2
    assert "--params map" in error_line(capsys)
    assert snapshot(out) == before


@pytest.mark.parametrize("where", ["default", "flag"])
def test_posterior_without_file_is_an_error_not_defaults(config, tmp_path, capsys, monkeypatch,
                                                         where):
    monkeypatch.chdir(tmp_path)  # the default posterior path is relative: none here
    out = tmp_path / "out"
    extra = [] if where == "default" else ["--posterior", str(tmp_path / "none.parquet")]
    assert main(["run", str(config), "--out", str(out), "--params", "posterior", "--quiet",
                 "--replicates", "2", "--workers", "1", *extra]) == 2
    line = error_line(capsys)
    assert "--params posterior" in line and "--params defaults" in line
    assert ("calibration/posterior.parquet" if where == "default" else "none.parquet") in line
    assert not out.exists()


def test_params_map_uses_posterior_mode(config, tmp_path):
    posterior = tmp_path / "posterior.parquet"
    frame = pd.DataFrame({"clash_rate": [0.05, 0.2, 0.21, 0.19], "iskp_pay": [1.0, 2.0, 2.1, 1.9],
                          "weight": [0.01, 0.33, 0.33, 0.33]})
    frame.to_parquet(posterior)
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--params", "map", "--quiet",
                 "--posterior", str(posterior), "--replicates", "2", "--workers", "1"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    digest = hashlib.sha256(posterior.read_bytes()).hexdigest()
    assert manifest["parameters"] == {"source": "map", "file": str(posterior), "sha256": digest,
                                      "calibration": {},  # written by hand, not by calibrate
                                      "draw_of_replicate": [0, 0],  # one set for all
                                      "prior_drawn": [], "prior_at_defaults": []}
    # the MAP particle (iskp_pay about 2) changes the results; the scenario's clash_rate wins
    defaults = tmp_path / "defaults"
    assert run(config, defaults, "--replicates", "2") == 0
    assert not pd.read_parquet(out / "national.parquet").equals(
        pd.read_parquet(defaults / "national.parquet"))


# --- validate ------------------------------------------------------------------------------------

def test_validate(config, capsys):
    assert main(["validate", str(config), "--params", "defaults"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    out = captured.out
    assert out.startswith("scenario small: test run\n")
    assert "run: start=2016-01, end=2016-12, replicates=3, seed=11" in out
    assert re.search(r"^ \* clash_rate +0\.3 ", out, re.MULTILINE)
    assert re.search(r"^   iskp_pay +1\.5 ", out, re.MULTILINE)
    assert "intervention 2016-06 (Nangarhar): set {'clash_rate': 0.6}" in out
    assert f"OK: {config} is valid" in out


def test_validate_writes_nothing(config, tmp_path):
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["validate", str(config)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == before


# --- summarize -----------------------------------------------------------------------------------

def test_summarize_table(small, capsys):
    _, out = small
    assert main(["summarize", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{out}: 3 replicates, window 2016-01:2016-12, national"
    assert lines[1].split() == ["unit", "q05", "q25", "median", "q75", "q95"]
    rows = {line.split()[0] for line in lines[2:]}
    assert {c for c in OUTPUTS if c not in STOCKS} <= rows
    assert {f"{c}_window_mean" for c in STOCKS} | {f"{c}_at_horizon" for c in STOCKS} <= rows
    assert not rows & STOCKS  # a stock's name alone would be ambiguous
    assert {"civilian_casualties", "provinces_with_clashes", "clash_share_top3",
            "iskp_controlled_provinces"} <= rows


def test_summarize_json_window_by_hand(small, capsys):
    _, out = small
    assert main(["summarize", str(out), "--json", "--window", "2016-03:2016-08"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["window"] == "2016-03:2016-08"
    assert payload["replicates"] == 3
    outcomes = payload["outcomes"]

    national = pd.read_parquet(out / "national.parquet")
    window = national[national["date"].between("2016-03-01", "2016-08-01")]
    assert window["date"].nunique() == 6
    by_rep = window.groupby("replicate")
    # counts are summed over the window, stocks are averaged; then quantiles across replicates
    clashes = by_rep["clashes"].sum().to_numpy(np.float64)
    fighters = by_rep["iskp_fighters"].mean().to_numpy(np.float64)
    at_end = window[window["date"] == "2016-08-01"]["iskp_fighters"].to_numpy(np.float64)
    killed = by_rep["civilians_killed"].sum() + by_rep["civilians_injured"].sum()
    assert "iskp_fighters" in STOCKS and "clashes" not in STOCKS
    assert outcomes["clashes"]["median"] == pytest.approx(np.median(clashes), rel=1e-5)
    assert outcomes["clashes"]["q05"] == pytest.approx(np.quantile(clashes, 0.05), rel=1e-5)
    mean = outcomes["iskp_fighters_window_mean"]
    assert mean["median"] == pytest.approx(np.median(fighters), rel=1e-5)
    assert mean["q95"] == pytest.approx(np.quantile(fighters, 0.95), rel=1e-5)
    assert outcomes["iskp_fighters_at_horizon"]["median"] == pytest.approx(np.median(at_end),
                                                                           rel=1e-5)
    assert outcomes["civilian_casualties"]["median"] == pytest.approx(np.median(killed),
                                                                      rel=1e-5)
    assert outcomes["clashes"]["unit"] == "events"

    provinces = pd.read_parquet(out / "provinces.parquet")
    last = provinces[provinces["date"] == "2016-08-01"]
    controlled = (last["control_iskp"] >= 0.5).groupby(last["replicate"]).sum()
    assert outcomes["iskp_controlled_provinces"]["median"] == np.median(controlled)


def test_summarize_open_window(small, capsys):
    _, out = small
    assert main(["summarize", str(out), "--json", "--window", "2016-10:"]) == 0
    assert json.loads(capsys.readouterr().out)["window"] == "2016-10:2016-12"


@pytest.mark.parametrize(("window", "needle"), [
    ("2016-03", "START:END"),
    ("2016-08:2016-03", "outside the run"),
    ("2020-01:2020-06", "outside the run"),
    ("2016-13:", "YYYY-MM"),
])
def test_summarize_bad_window(small, capsys, window, needle):
    _, out = small
    before = snapshot(out)
    assert main(["summarize", str(out), "--window", window]) == 2
    line = error_line(capsys)
    assert "--window" in line and needle in line
    assert snapshot(out) == before


def test_summarize_missing_results(tmp_path, capsys):
    assert main(["summarize", str(tmp_path / "nothing")]) == 2
    line = error_line(capsys)
    assert "national.parquet" in line
    assert not (tmp_path / "nothing").exists()


# --- plot ----------------------------------------------------------------------------------------

def test_plot(small, tmp_path, capsys):
    pytest.importorskip("model.viz")
    out = tmp_path / "run"
    shutil.copytree(small[1], out)
    assert main(["plot", str(out)]) == 0
    printed = [Path(line) for line in capsys.readouterr().out.splitlines()]
    assert printed
    for path in printed:
        assert path.is_file() and path.stat().st_size > 0
    assert pq.read_table(out / "national.parquet").num_rows == 36
    assert os.path.commonpath([str(p.resolve()) for p in printed]).startswith(str(out.resolve()))
