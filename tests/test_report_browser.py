"""The HTML report in a real browser: headless Chromium loads it offline without console errors.

``.ci/run`` installs Chromium (Debian package ``chromium``) before the tests. Here, if it is
missing, the test installs it only when running as root with ``CI`` or
``KHORASAN_INSTALL_CHROMIUM`` set; otherwise it is skipped with the reason.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from helpers import debian_binary
from PIL import Image

from model.cli import main
from model.reporting.figures import FAN_SERIES

SCENARIO = """# Browser test scenario.
[scenario]
name = "{name}"
description = "{name} for the browser test"

[run]
start = "2021-06"
end = "2022-03"
replicates = 3
seed = 3
"""
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--mute-audio"]
IMAGE_PROBE = """<script>
window.addEventListener("load", () => {
  const all = Array.from(document.images);
  const ok = all.filter((i) => i.complete && i.naturalWidth > 0).length;
  document.documentElement.setAttribute("data-images", all.length + ":" + ok);
});
</script>"""


def chromium() -> str | None:
    """Path of Chromium, installing the Debian package where that is allowed."""
    return debian_binary(("chromium", "chromium-browser"), "chromium")


def browse(binary: str, page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    """Run headless Chromium on a local page with a fresh profile."""
    argv = [binary, *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()]
    return subprocess.run(argv, capture_output=True, text=True, timeout=180, check=False)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("browser")
    runs = []
    for name in ("base", "alt"):
        config = root / f"{name}.toml"
        config.write_text(SCENARIO.format(name=name))
        runs.append(root / name)
        assert main(["run", str(config), "--params", "defaults", "--quiet", "--workers", "1",
                     "--out", str(runs[-1])]) == 0
    out = root / "report.html"
    assert main(["report", *map(str, runs), "-o", str(out), "--calibration",
                 str(root / "no_calibration")]) == 0
    return out


@pytest.fixture(scope="module")
def browser() -> str:
    binary = chromium()
    if binary is None:
        pytest.skip("Chromium is not installed and cannot be installed here "
                    "(.ci/run installs the Debian package 'chromium')")
    return binary


def console_errors(stderr: str, page: Path) -> list[str]:
    """Console messages and uncaught errors of the page in Chromium's log."""
    return [line for line in stderr.splitlines()
            if ("CONSOLE" in line and (page.name in line or "Uncaught" in line))
            or "Uncaught" in line]


def test_report_renders_in_chromium(report, browser, tmp_path):
    shot = tmp_path / "shot.png"
    result = browse(browser, report, tmp_path / "profile", "--enable-logging=stderr", "--v=0",
                    f"--screenshot={shot}", "--window-size=1200,1600")
    assert shot.is_file(), result.stderr[-2000:]
    assert console_errors(result.stderr, report) == []
    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=float)
    assert pixels.shape[:2] == (1600, 1200)
    colours = len(np.unique(pixels.reshape(-1, 3), axis=0))
    assert colours > 50, f"screenshot has only {colours} colours"
    assert pixels.std() > 20
    assert (pixels.min(axis=2) < 230).mean() > 0.03, "screenshot is (almost) blank"


def test_report_dom_and_images_load(report, browser, tmp_path):
    probe = tmp_path / "probe.html"
    probe.write_text(report.read_text(encoding="utf-8").replace("</body>",
                                                                 IMAGE_PROBE + "</body>"))
    result = browse(browser, probe, tmp_path / "profile", "--enable-logging=stderr", "--v=0",
                    "--virtual-time-budget=5000", "--dump-dom")
    dom = result.stdout
    assert "</html>" in dom and 'id="caveats"' in dom and 'id="calibration"' in dom
    match = re.search(r'data-images="(\d+):(\d+)"', dom)
    assert match, "the load probe did not run"
    total, loaded = map(int, match.groups())
    assert total == len(FAN_SERIES) + 2 + 2 and loaded == total  # no ppc figure here
    assert console_errors(result.stderr, probe) == []
