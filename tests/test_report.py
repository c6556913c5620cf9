"""`khorasan report`: one self-contained HTML file with scenarios, tables, figures, calibration."""

from __future__ import annotations

import base64
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from PIL import Image

from model.cli import main
from model.reporting.calibration import coverage_from_statistics, load_calibration
from model.reporting.compare import compare, figure_makers
from model.reporting.figures import FAN_SERIES
from model.reporting.report import MAX_BYTES, build_html
from model.reporting.runs import leading_comment

BASE = """# Base for the report test.
#
# Stands for the article's "the Taliban are unable to provide security".

[scenario]
name = "base"
description = "Report baseline: the Taliban govern"

[run]
start = "2021-01"
end = "2022-06"
replicates = 3
seed = 5
"""
SURGE = """# Surge: "recruit additional fighters".
[scenario]
name = "surge"
description = "ISKP recruits more from 2021-09"
extends = "base.toml"

[parameters]
iskp_external_support = 1.5

[[interventions]]
date = "2021-09"
set = {iskp_recruit_multiplier = 3.0}
provinces = ["Nangarhar", "Kunar"]
note = "resurgence in the east"
"""
TARGETS = """
[[target]]
name = "clashes_total"
statistic = "sum"
column = "clashes"
window = ["2017-01", "2021-08"]
value = 207
scale = 50

[[target]]
name = "iskp_2016_01"
statistic = "value"
column = "iskp_fighters"
date = "2016-01"
low = 2500
high = 3500
scale = 1000
"""


class Tags(HTMLParser):
    """Collects start tags and their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def run(config: Path, out: Path, *extra: str) -> Path:
    assert main(["run", str(config), "--params", "defaults", "--quiet", "--workers", "1",
                 "--out", str(out), *extra]) == 0
    return out


def make_calibration(folder: Path) -> Path:
    (folder / "figures").mkdir(parents=True)
    diagnostics = {"generations": 3, "final_epsilon": 1.25, "simulations": 900,
                   "wall_time_s": 60.0,
                   "per_generation": [{"t": 0, "epsilon": 3.0, "simulations": 300,
                                       "particles": 100, "acceptance_rate": 0.33, "ess": 90.0}],
                   "identifiability": [{"parameter": "clash_rate", "prior": [0, 1],
                                        "mean": 0.2, "q05": 0.1, "median": 0.2, "q95": 0.3,
                                        "sd_ratio": 0.3, "verdict": "constrained"}]}
    (folder / "diagnostics.json").write_text(json.dumps(diagnostics))
    (folder / "targets.toml").write_text(TARGETS)
    pd.DataFrame({"clashes_total": [190.0, 200, 210, 220], "iskp_2016_01": [100.0, 120, 130,
                                                                             150]}).to_csv(
        folder / "figures" / "ppc_statistics.csv", index_label="replicate")
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.hist([1, 2, 2, 3, 3, 3])
    fig.savefig(folder / "figures" / "ppc_targets.png", dpi=80)
    plt.close(fig)
    return folder


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("report")
    scenarios = root / "scenarios"
    scenarios.mkdir()
    (scenarios / "base.toml").write_text(BASE)
    (scenarios / "surge.toml").write_text(SURGE)
    paths = {"root": root, "scenarios": scenarios,
             "calibration": make_calibration(root / "calibration"),
             "base": run(scenarios / "base.toml", root / "results" / "base"),
             "surge": run(scenarios / "surge.toml", root / "results" / "surge"),
             "other_seed": run(scenarios / "surge.toml", root / "results" / "s2", "--seed", "6")}
    paths["html"] = root / "report" / "report.html"
    assert main(["report", str(paths["base"]), str(paths["surge"]), "-o", str(paths["html"]),
                 "--calibration", str(paths["calibration"]),
                 "--scenarios", str(scenarios)]) == 0
    return paths


def test_report_is_self_contained(setup):
    text = setup["html"].read_text(encoding="utf-8")
    assert setup["html"].stat().st_size < MAX_BYTES
    parser = Tags()
    parser.feed(text)
    names = [tag for tag, _ in parser.tags]
    for forbidden in ("script", "link", "iframe", "object", "embed", "base"):
        assert forbidden not in names, forbidden
    for tag, attrs in parser.tags:
        for key in ("src", "href", "srcset", "action", "poster"):
            assert "http" not in attrs.get(key, ""), (tag, attrs.get(key, "")[:80])
        if tag == "a":
            assert attrs["href"].startswith("#")
    images = [attrs["src"] for tag, attrs in parser.tags if tag == "img"]
    assert len(images) == len(FAN_SERIES) + 2 + 2 + 1  # fans, outcomes + differences, maps, ppc
    for src in images:
        assert src.startswith("data:image/png;base64,")
        with Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))) as image:
            assert image.format == "PNG" and min(image.size) > 100
    style = text[text.index("<style>"):text.index("</style>")]
    assert "url(" not in style and "@import" not in style and "@font-face" not in style


def test_report_contents(setup):
    text = setup["html"].read_text(encoding="utf-8")
    for expected in (
        "Report baseline: the Taliban govern", "ISKP recruits more from 2021-09",
        "Stands for the article", "recruit additional fighters",  # leading comments
        "iskp_external_support", "resurgence in the east", "Nangarhar, Kunar",
        "iskp_recruit_multiplier = 3 (default 1)",
        "Taliban–ISKP clashes", "ISKP fighters at the horizon", "Defections to ISKP",
        "Defections to the Taliban", "Civilian casualties (killed + injured)",
        "New displacement", "Displaced, not yet returned, at the horizon",
        "ISKP-controlled provinces at the horizon",
        "Paired differences: replicate r", "higher in",
        "ABC-SMC: 3 generations", "1 of 2 calibration targets", "constrained",
        "parameter source: defaults", "Surge minus Base",
        "This report compares", "Surge against Base:", 'id="glossary"', "Paired difference",
        "No population growth", "The Republic is a force", "ACLED reporting is folded",
        "A single data source for many parameters", "Structural uncertainty is not in the bands",
        "not forecasts", "Few replicates",
    ):
        assert expected in text.replace("&quot;", '"').replace("&#x27;", "'"), expected


def _placeholder(comp) -> dict[str, bytes]:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return dict.fromkeys(figure_makers(comp), buffer.getvalue())


def test_missing_calibration_and_unpaired_runs_are_explained(setup, tmp_path):
    comp = compare([setup["base"], setup["other_seed"]], allow_unpaired=True)
    text = build_html(comp, load_calibration(tmp_path / "nothing"), _placeholder(comp))
    assert "Not available in nothing/" in text and "diagnostics.json" in text
    assert "posterior predictive coverage table" in text
    assert "NOT paired" in text and "Unpaired runs." in text
    assert "Stands for the article" in text  # found in scenarios/ next to results/


def test_report_bad_input_is_one_line_exit_2(setup, tmp_path, capsys):
    out = ["-o", str(tmp_path / "r.html")]
    cases = [[str(setup["base"]), str(tmp_path)],
             [str(setup["base"]), str(setup["other_seed"])]]
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cases.append([str(setup["base"]), str(setup["surge"]), "-o", str(blocker / "r.html")])
    for argv in cases:
        assert main(["report", *argv, *(out if "-o" not in argv else [])]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("khorasan: error:"), err
    assert not (tmp_path / "r.html").exists()


def test_coverage_and_comment_helpers(tmp_path):
    stats = pd.DataFrame({"a": [1.0, 2, 3, 4, 5], "b": [10.0, 11, 12, 13, 14]})
    table = coverage_from_statistics(stats, [{"name": "a", "value": 3},
                                             {"name": "b", "low": 20, "high": 30},
                                             {"name": "c", "value": 1}])
    assert list(table.index) == ["a", "b"]
    assert table["covered"].tolist() == [True, False]
    (tmp_path / "coverage.csv").write_text("target,observed,median,q05,q95,covered\n"
                                           "x,1,1,0,2,True\n")
    cal = load_calibration(tmp_path)
    assert cal.coverage_source == "coverage.csv" and list(cal.coverage.index) == ["x"]
    toml = tmp_path / "s.toml"
    toml.write_text("# one\n#\n#  two\n\n[scenario]\n# not this\n")
    assert leading_comment(toml) == "one\n\n two"


def test_parameter_source_names_the_posterior_file_and_its_digest():
    from types import SimpleNamespace

    from model.reporting.report import _source

    info = {"source": "posterior", "file": "/somewhere/calibration/posterior.parquet",
            "sha256": "0123456789abcdef" * 4}
    assert _source(SimpleNamespace(manifest={"parameters": info})) == \
        "posterior (posterior.parquet, SHA-256 0123456789ab)"
    del info["sha256"]  # manifests written before the digest was recorded
    assert _source(SimpleNamespace(manifest={"parameters": info})) == \
        "posterior (posterior.parquet)"


def test_calibration_facts_give_the_sampling_time_not_the_export_invocation():
    from model.reporting.report import _diagnostics

    exported = {"generations": 5, "simulations": 5140, "final_epsilon": 5.83,
                "exported_generation": 4, "generations_stored": 6, "sampling_time_s": 515.0,
                "wall_time_s": 0.0, "wall_time_total_s": 704.0, "invocations": 1}
    text = _diagnostics(exported)
    assert "(generation 4 exported, of 6 stored)" in text
    assert "sampling time 515.0 s" in text
    assert "wall time" not in text
    del exported["sampling_time_s"]  # diagnostics written before pyabc's timings were read
    assert "wall time 704.0 s" in _diagnostics(exported)
    # diagnostics written before totals and exports were recorded
    assert "wall time 60.0 s</li>" in _diagnostics({"generations": 3, "wall_time_s": 60.0})


def test_history_matching_diagnostics_are_reported():
    from model.reporting.report import _diagnostics

    d = {"population_size": 1000, "particles": 30000, "epsilon": 13.4, "ess": 1000.0,
         "model_runs": 144000, "wall_s": 709.0, "free": ["a", "b"], "prior_drawn": ["c"],
         "final": {"nroy_share": 3e-4},
         "waves": [{"wave": 0, "nroy_share": 1.0, "simulated": 8000,
                    "emulator_r2": {"x": 0.5, "y": 0.7}},
                   {"wave": 1, "nroy_share": 0.02, "walk_acceptance": 0.57, "simulated": 8000,
                    "emulator_r2": {"x": 0.4, "y": 0.5}}],
         "identifiability": [{"parameter": "a", "median": 1, "q05": 0, "q95": 2,
                              "sd_ratio": 0.6, "verdict": "weakly constrained"}]}
    html = _diagnostics(d)
    assert "History matching in 2 waves" in html and "ABC-SMC" not in html
    assert "1000 of 30000 particles" in html and "0.0003 of the" in html
    assert "2 free parameters; 1 drawn from their priors" in html
    assert "0.45" in html and "weakly constrained" in html  # wave 1's median R²
