"""The interactive explorer: one self-contained, offline HTML file (Plotly's JavaScript inlined).

``khorasan report`` writes it as ``explorer.html`` beside the static report; ``khorasan
explore`` writes it alone. The page holds its data as JSON (:mod:`model.reporting.explorer_data`)
and the app in ``explorer.js``; a Content-Security-Policy forbids every request, so it works
the same from a laptop with no network.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from model import __version__
from model.data import load_provinces
from model.errors import KhorasanError
from model.reporting.compare import Comparison
from model.reporting.explorer_data import explorer_data

CSP = ("default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
       "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; connect-src 'none'")
STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 1.2rem;
       color: #222; }
header { border-bottom: 1px solid #ccc; margin-bottom: .6rem; }
h1 { font-size: 1.4rem; margin: .6rem 0 .2rem; }
.note { color: #555; font-size: .85rem; margin: .2rem 0; }
#controls { display: flex; flex-wrap: wrap; gap: .8rem 1.6rem; align-items: flex-start;
            background: #f6f6f6; padding: .6rem .8rem; border-radius: 6px; }
#controls label.head { display: block; font-weight: 600; font-size: .85rem; }
#scenarios label { display: block; font-size: .9rem; cursor: pointer; }
select { font-size: .9rem; max-width: 26rem; }
button { font-size: .9rem; padding: .3rem .7rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: .6rem; }
.chart { height: 430px; }
#map { height: 520px; }
table { border-collapse: collapse; font-size: .85rem; margin: .6rem 0 2rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: .25rem .6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tbody tr { cursor: pointer; } tbody tr:hover { background: #f0f4fa; }
tr.chosen { background: #fff3c4; font-weight: 600; }
"""
BODY = """
<header>
<h1>Khorasan scenario explorer</h1>
<p class="note">Scenario-conditional projections of an agent-based model, not forecasts.
Bands: 90% (light) and 50% (dark) of replicates; line: median. The shaded months are the
chosen window. <span id="pairing"></span></p>
<p class="note">{meta}</p>
</header>
<div id="controls">
 <div><label class="head">Scenarios (fan charts, differences)</label>
  <div id="scenarios"></div></div>
 <div><label class="head" for="outcome">Outcome</label><select id="outcome"></select>
  <label class="head" for="area">Area</label><select id="area"></select></div>
 <div><label class="head" for="window">Window (map and table)</label>
  <select id="window"></select>
  <label class="head" for="compare">Map and table: difference of</label>
  <select id="compare"></select></div>
 <div><label class="head">Data</label>
  <button id="download" type="button">Download shown data (CSV)</button></div>
</div>
<div class="grid"><div id="fan" class="chart"></div><div id="diff" class="chart"></div></div>
<div class="grid"><div id="map"></div><div><table id="table"></table></div></div>
"""


def _script(text: str) -> str:
    """Text safe inside a ``<script>`` element."""
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


def plotly_js() -> str:
    """Plotly's minified JavaScript as shipped with the ``plotly`` package."""
    try:
        return (resources.files("plotly") / "package_data" / "plotly.min.js").read_text(
            encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise KhorasanError(f"the explorer needs the 'plotly' package: {exc}") from None


def explorer_html(data: dict, meta: str) -> str:
    """The page: style, controls, Plotly, the data and the app."""
    app = (resources.files("model.reporting") / "explorer.js").read_text(encoding="utf-8")
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False)
    payload = re.sub(r"(?<=\d)\.0(?=[,\]])", "", payload)
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Khorasan scenario explorer</title>", f"<style>{STYLE}</style></head><body>",
        BODY.replace("{meta}", html.escape(meta)),
        f"<script>{_script(plotly_js())}</script>",
        f'<script id="explorer-data" type="application/json">{_script(payload)}</script>',
        f"<script>{_script(app)}</script>", "</body></html>", ""])


def write_explorer(comp: Comparison, out: Path, progress=print) -> tuple[Path, int]:
    """Write the explorer of a comparison's runs; return the path and its size in bytes."""
    runs = comp.runs
    data = explorer_data([r.path for r in runs], [r.name for r in runs],
                         [r.run.description for r in runs], load_provinces().names,
                         comp.pairing.note(), progress, (comp.window.start, comp.window.end))
    meta = (f"{len(runs)} scenarios, {'/'.join(sorted({str(len(r.replicates)) for r in runs}))} "
            f"replicates each; made {datetime.now(UTC):%Y-%m-%d} by khorasan {__version__}.")
    out.parent.mkdir(parents=True, exist_ok=True)
    text = explorer_html(data, meta)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    return out, len(text.encode("utf-8"))
