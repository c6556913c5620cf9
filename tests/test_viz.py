"""Figures of a run directory (model.viz) and the observed figures (model.observed)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from model.api import run_replicate
from model.errors import DataError
from model.observed import OBSERVED_FILE, load_observed
from model.outputs import OUTPUTS
from model.viz import FIGURES, plot_run

ALWAYS = [stem for stem in FIGURES if stem != "map_clashes_acled_window"]


def make_run(folder: Path, replicates: int, end: str) -> Path:
    """A run directory in the runner's layout, from ``replicates`` seeds."""
    folder.mkdir(parents=True)
    tables: dict[str, list[pd.DataFrame]] = {"provinces": [], "national": []}
    for seed in range(replicates):
        rep = run_replicate(seed=seed, end=end)
        for kind, frame in (("provinces", rep.provinces), ("national", rep.national)):
            frame = frame.astype(dict.fromkeys(OUTPUTS, "float32"))
            frame.insert(0, "replicate", np.int32(seed))
            tables[kind].append(frame)
    for kind, frames in tables.items():
        pd.concat(frames, ignore_index=True).to_parquet(folder / f"{kind}.parquet", index=False)
    manifest = {"scenario": {"name": "test", "description": "fixture"},
                "run": {"start": "2015-01", "end": end, "replicates": replicates, "seed": 0}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def assert_real_png(path: Path) -> None:
    assert path.suffix == ".png" and path.is_file(), path
    assert path.stat().st_size > 10_000, f"{path.name}: only {path.stat().st_size} bytes"
    pixels = mpimg.imread(path)[..., :3]
    assert pixels.std() > 0.02, f"{path.name}: (almost) a single colour"


@pytest.fixture(scope="module")
def run3(tmp_path_factory) -> Path:
    return make_run(tmp_path_factory.mktemp("viz") / "run3", replicates=3, end="2022-06")


def test_plot_run_writes_every_figure(run3):
    paths = plot_run(run3)
    assert [p.stem for p in paths] == list(FIGURES)
    for path in paths:
        assert path.parent == run3 / "figures"
        assert_real_png(path)


def test_plot_run_single_replicate_ending_before_kabul_falls(tmp_path):
    run = make_run(tmp_path / "run1", replicates=1, end="2020-06")
    out = tmp_path / "elsewhere"
    paths = plot_run(run, out_dir=out)
    # The ACLED window (2017-01..2021-08) is not covered: that map is skipped, the rest drawn.
    assert [p.stem for p in paths] == ALWAYS
    assert all(p.parent == out for p in paths)
    for path in paths:
        assert_real_png(path)


def test_viz_never_imports_the_simulation():
    package = Path(__file__).resolve().parents[1] / "model" / "viz"
    allowed = re.compile(r"^model\.(viz|data|outputs|observed|errors|stats)(\.|$)")
    for source in package.glob("*.py"):
        for name in re.findall(r"^\s*(?:from|import)\s+(model[\w.]*)", source.read_text(),
                               flags=re.M):
            assert allowed.match(name), f"{source.name} imports {name}"


def test_plot_run_reports_a_missing_column(run3, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("manifest.json", "provinces.parquet"):
        (broken / name).write_bytes((run3 / name).read_bytes())
    pd.read_parquet(run3 / "national.parquet").drop(columns="clashes").to_parquet(
        broken / "national.parquet")
    with pytest.raises(DataError, match=r"national\.parquet: missing columns clashes"):
        plot_run(broken)


def test_load_observed_packaged_figures():
    obs = load_observed()
    assert (obs.clashes.total, obs.clashes.window) == (207, ("2017-01", "2021-08"))
    assert obs.clashes.provinces_with_clashes == 14
    assert [s.date for s in obs.iskp_strength][:2] == ["2016-01", "2016-07"]
    assert all(s.low <= s.high and s.source and s.confidence in "HML"
               for s in obs.iskp_strength)
    by_period = {c.period: c for c in obs.civilian_casualties}
    assert by_period["2018"].iskp == round(0.20 * 10_993)
    assert by_period["2021 H1"].months == 6
    assert by_period["2016"].iskp_basis == "count"
    assert {e.province for e in obs.province_events} == {"Nangarhar", "Jowzjan"}


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("total = 207\n", ""), r"key 'clashes\.total' is missing"),
    (lambda t: t.replace('low = 600\nhigh = 800', 'low = 900\nhigh = 800'),
     r"key 'iskp_strength\[2\]' needs 0 <= low <= high"),
    (lambda t: t.replace("iskp = 2199", "iskp = 2500"),
     r"key 'civilian_casualties\[3\]\.iskp' must be iskp_share x total"),
    (lambda t: t.replace('confidence = "H"', 'confidence = "high"', 1),
     r"key 'clashes\.confidence' must be one of"),
    (lambda t: t.replace('date = "2016-01"', 'date = "2016-13"'),
     r"key 'iskp_strength\[0\]\.date' must be a date YYYY-MM"),
    (lambda t: t.replace("killed = 3545", 'killed = "many"'),
     r"key 'civilian_casualties\[0\]\.killed' must be an integer"),
    (lambda t: t + "\n[broken\n", r"cannot read observed figures"),
])
def test_load_observed_rejects_a_broken_file(tmp_path, edit, message):
    path = tmp_path / "observed.toml"
    path.write_text(edit(OBSERVED_FILE.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(DataError, match=message) as info:
        load_observed(path)
    assert str(path) in str(info.value)


def test_map_labels_do_not_overlap():
    from model.viz.maps import _box, _overlaps, place_labels

    points = [(70.5, 34.5, "Nangarhar\n0.99"), (70.9, 34.8, "Kunar\n1.00"),
              (70.6, 34.6, "Laghman\n0.76"), (69.2, 34.5, "Kabul\n0.10")]
    where = place_labels(points)
    boxes = [_box(x, y, text) for (x, y), (_, _, text) in zip(where, points, strict=True)]
    assert not any(_overlaps(a, b) for k, a in enumerate(boxes) for b in boxes[k + 1:])
    assert where[0] == points[0][:2]  # the first keeps its place
