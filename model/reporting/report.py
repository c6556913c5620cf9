"""The self-contained HTML report of a scenario comparison.

One file that opens offline: figures are embedded as base64 PNG data URIs, the stylesheet is
inline, and there are no scripts, fonts or external links. Contents: what each scenario
assumes, the key-outcome and paired-difference tables, fan charts, distributions and maps,
the calibration summary with the posterior predictive coverage, the caveats and provenance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from model import __version__
from model.errors import KhorasanError
from model.parameters import SPECS
from model.reporting import html as h
from model.reporting.briefing import glossary_section, plain_summary
from model.reporting.calibration import Calibration, coverage_summary, load_calibration
from model.reporting.compare import SPREAD_NOTE, Comparison, figure_makers, header_lines
from model.reporting.figures import FAN_SERIES, png_bytes, scenario_colors
from model.reporting.names import scenario_label
from model.reporting.outcomes import wide_difference_table, wide_key_table, wide_spread_table
from model.reporting.runs import ScenarioRun, leading_comment, scenario_file
from model.stats import interval

MAX_BYTES = 5_000_000
DPIS = (96, 72, 56)
"""Figure resolutions tried in turn until the page is under :data:`MAX_BYTES`."""
FEW_REPLICATES = 50

CAVEATS: tuple[tuple[str, str], ...] = (
    ("Projections are scenario-conditional, not forecasts.",
     "Each scenario shows what the model produces if its assumptions hold from 2021-09 on. "
     "The scenarios are not assigned probabilities, and the bands do not say how likely a "
     "scenario is, only how its outcomes spread."),
    ("Structural uncertainty is not in the bands.",
     "The bands hold stochastic and (with posterior parameters) parameter uncertainty. They do "
     "not hold the uncertainty of the model's structure: mechanisms that are missing or "
     "mis-specified would move every band together. Treat differences between scenarios as "
     "more robust than their levels."),
    ("No population growth.",
     "The OCHA 2021 population is used throughout; population-weighted shares and per-capita "
     "rates use fixed 2021 weights."),
    ("The Republic is a force, not a player.",
     "The Republic's army follows its documented strength, its losses to the Taliban and the "
     "international drawdown, and collapses province by province as support is withdrawn; it "
     "takes no decisions, and Kabul falls on the dated 2021-08-15 in every run. After that, "
     "external counter-terrorism strikes exist only as a scenario lever."),
    ("ACLED reporting is folded into the clash rate.",
     "The model produces recorded clashes, calibrated to ACLED's 207 Taliban–ISKP clashes "
     "(2017-01 to 2021-08); differences in reporting between provinces and over time, "
     "including after the takeover, are not modelled."),
    ("ISKP cannot be wiped out by the Taliban alone.",
     "A fixed number of ISKP fighters in the Pakistan-border provinces with hardline networks "
     "is out of the Taliban's reach (a refuge standing for the mountain bases and the Pakistani "
     "side; calibrated). Without external strikes the model therefore cannot show the Taliban "
     "eliminating ISKP; it shows how large ISKP grows or shrinks around that core."),
    ("ISKP's history leans on two exogenous pushes.",
     "Its founding wave (2015 on) and the relocation wave while IS central's caliphate "
     "collapsed (2017-07 to 2019-03: more fighters from across the border and more attacks) "
     "are dated inputs, sized by the calibration. No new push happens after 2021-08 unless a "
     "scenario sets one (iskp_external_support, iskp_recruit_multiplier)."),
    ("A single data source for many parameters.",
     "Many parameters rest on one source or on a stated rationale (docs/ODD.md); the "
     "calibration constrains only some of them, and the rest keep their defaults."),
    ("What else the model leaves out.",
     "No ethnic or sectarian layer and no district level; no Pakistan-side dynamics, refugees "
     "abroad or returns from Pakistan and Iran (displacement is internal); no other armed "
     "actors (al-Qaeda, the post-2021 resistance); no economy (humanitarian collapse is a "
     "lever on grievance); ISKP-attributed casualties are those of its mass-casualty attacks "
     "only."),
)


def _name(path: Any) -> str:
    """The last component of a path (reports never show machine-specific absolute paths)."""
    return Path(str(path)).name


def _source(run: ScenarioRun) -> str:
    info = run.manifest.get("parameters") or {}
    text = str(info.get("source", "unknown"))
    if info.get("file"):
        digest = f", SHA-256 {info['sha256'][:12]}" if info.get("sha256") else ""
        text += f" ({_name(info['file'])}{digest})"
    if info.get("seeds_per_draw"):
        text += (f"; {len(set(info.get('draw_of_replicate') or []))} parameter draws, each run "
                 f"with {info['seeds_per_draw']} seeds")
    if info.get("prior_drawn"):
        text += f"; drawn from their priors: {', '.join(info['prior_drawn'])}"
    if info.get("note"):
        text += f"; note: {str(info['note']).replace(str(info.get('file', '')), '')}".rstrip()
    return text


def _overrides(parameters: dict[str, Any]) -> str:
    if not parameters:
        return h.paragraph("Parameters: none changed (all from the parameter source).", "note")
    rows = [{"parameter": k, "value": v,
             "default": SPECS[k].default if k in SPECS else "",
             "unit": SPECS[k].unit if k in SPECS else "",
             "what it controls": SPECS[k].description if k in SPECS else ""}
            for k, v in parameters.items()]
    return "<h4>Parameters set by the scenario</h4>" + h.table(pd.DataFrame(rows), index=False)


def _interventions(items: list[dict[str, Any]]) -> str:
    if not items:
        return h.paragraph("Interventions: none.", "note")
    rows = [{"from": i.get("date", ""),
             "provinces": ", ".join(i.get("provinces") or []) or "all",
             "sets": ", ".join(f"{k} = {v:g}" + (f" (default {SPECS[k].default:g})"
                                                  if k in SPECS else "")
                               for k, v in (i.get("set") or {}).items()),
             "note": i.get("note", "")} for i in items]
    return "<h4>Dated interventions</h4>" + h.table(pd.DataFrame(rows), index=False)


def _scenario_card(run: ScenarioRun, color: str, search: Sequence[Path]) -> str:
    cfg = run.config
    scenario, settings = cfg.get("scenario") or {}, cfg.get("run") or {}
    chain = " → ".join(scenario.get("chain") or []) or "not recorded"
    facts = [f"Scenario file: {scenario.get('file', 'not recorded')} (chain: {chain}); "
             f"results folder: {run.path.name}",
             f"Run: {settings.get('start', '?')} to {settings.get('end', '?')}, "
             f"{len(run.replicates)} replicates, seed {settings.get('seed', '?')}",
             f"Parameter source: {_source(run)}"]
    parts = [f'<div class="card"><h3><span class="swatch" style="background:{color}"></span>'
             f"{h.esc(run.name)}</h3>",
             h.paragraph(scenario.get("description") or "(no description recorded)"),
             h.bullet_list(facts), _overrides(cfg.get("parameters") or {}),
             _interventions(cfg.get("interventions") or [])]
    found = scenario_file(run, search)
    comment = leading_comment(found) if found else ""
    if comment:
        parts.append(f"<h4>Rationale (comment of {h.esc(found.name)})</h4>"
                     f'<pre class="comment">{h.esc(comment)}</pre>')
    else:
        parts.append(h.paragraph("Rationale: the scenario file's comment is not available "
                                 "(file not found next to the results or in scenarios/).",
                                 "note"))
    return "".join(parts) + "</div>"


HEADLINES = ("iskp_fighters_at_horizon", "iskp_controlled_provinces", "civilian_casualties",
             "displaced_stock_at_horizon")
"""Outcomes quoted in the summary at the top of the report."""


def summary_section(comp: Comparison, images: dict[str, bytes]) -> str:
    """The differences chart, the summary in words, then the headline paired differences."""
    parts = [h.figure(images["differences"], "Paired differences from the baseline",
                      "Paired differences from the baseline for every key outcome (dot: "
                      "median; bars: 50% and 90% of pairs). Click a figure to enlarge it."),
             plain_summary(comp)]
    parts += [h.paragraph(x) for x in header_lines(comp)[:-1]]
    note = comp.pairing.note()
    parts.append(h.paragraph(note) if comp.pairing.paired else h.warning(note))
    rows = comp.differences.set_index(["scenario", "outcome"])
    for scenario in comp.diffs:
        items = [f"{rows.loc[(scenario, k), 'label']}: {interval(rows.loc[(scenario, k)], True)}"
                 f" {rows.loc[(scenario, k), 'unit']}, higher in "
                 f"{rows.loc[(scenario, k), 'share_higher']:.0%} of pairs" for k in HEADLINES]
        parts.append(f"<h3>{h.esc(scenario_label(scenario))} minus "
                     f"{h.esc(scenario_label(comp.baseline))}</h3>"
                     + h.bullet_list(items))
    parts.append(h.paragraph("Median difference with its 90% interval; see the tables below "
                             "for all outcomes and levels.", "note"))
    return "".join(parts)


def scenarios_section(comp: Comparison, search: Sequence[Path]) -> str:
    """What each scenario assumes: description, settings, parameters, interventions, comment."""
    colors = scenario_colors([r.name for r in comp.runs])
    intro = h.paragraph(f"The baseline is '{comp.baseline}'; every other scenario is read "
                        "against it. Colours match the figures.")
    return intro + "".join(_scenario_card(r, colors[r.name], search) for r in comp.runs)


def outcomes_section(comp: Comparison) -> str:
    """The key-outcome table, then where each outcome's spread comes from."""
    return (h.paragraph(f"Window: {comp.window.label}. Cells: median across replicates, "
                        "with the 90% interval (5th to 95th percentile) in brackets. Counts are "
                        "totals over the window; 'at the horizon' values are at its last month; "
                        f"ISKP-controlled provinces have an ISKP influence share of at least "
                        "0.5.") + h.table(wide_key_table(comp.key).rename(columns=scenario_label))
            + "<h3>Spread from parameters and from chance</h3>" + h.paragraph(SPREAD_NOTE)
            + h.table(wide_spread_table(comp.key).rename(columns=scenario_label)))


def differences_section(comp: Comparison, images: dict[str, bytes]) -> str:
    """Paired differences from the baseline: table and forest plot."""
    note = comp.pairing.note()
    lead = h.paragraph(note) if comp.pairing.paired else h.warning(note)
    return (lead + h.paragraph("Cells: median difference (90% interval) of scenario minus "
                               "baseline, and the share of pairs in which the scenario's value "
                               "is higher.")
            + h.table(wide_difference_table(comp.differences).rename(columns=scenario_label))
            + h.paragraph("The chart of these differences opens the report (At a glance).",
                          "note"))


def figures_section(images: dict[str, bytes]) -> str:
    """Overlaid fan charts, then horizon distributions and the province maps."""
    fans = "".join(h.figure(images[f"fan_{s.key}"], s.title) for s in FAN_SERIES)
    return (h.paragraph("Fan charts: median line, 50% band and 90% band (dotted edges) per "
                        "scenario, with two years of shared history before the window.")
            + f'<div class="grid">{fans}</div>'
            + "<h3>Distributions of the key outcomes</h3>"
            + h.figure(images["distributions"], "Key outcomes per scenario")
            + "<h3>Province maps</h3>"
            + h.figure(images["map_iskp_control"], "ISKP influence share by province")
            + h.figure(images["map_clashes"], "Clashes by province"))


def _exported(d: dict[str, Any]) -> str:
    """Which stored generation ``--export-generation`` wrote (empty for a plain export)."""
    if "exported_generation" not in d:
        return ""
    return (f" (generation {d['exported_generation']} exported, of "
            f"{d.get('generations_stored', '?')} stored)")


def _sampling_time(d: dict[str, Any]) -> str:
    """The sampling time pyabc recorded up to the exported generation (exports sample nothing).

    Diagnostics written before ``sampling_time_s`` existed give the invocations' wall time.
    """
    if "sampling_time_s" in d:
        return f"sampling time {d['sampling_time_s']} s"
    return f"wall time {d.get('wall_time_total_s', d.get('wall_time_s', '?'))} s"


def _history_matching(d: dict[str, Any]) -> list[str]:
    """The facts and the waves table of a history-matching calibration's diagnostics."""
    final = d.get("final") or {}
    facts = [f"History matching in {len(d['waves'])} waves, then rejection ABC: "
             f"{d.get('population_size', '?')} of {d.get('particles', '?')} particles accepted "
             f"(epsilon {d.get('epsilon', float('nan')):.3g}), ESS {d.get('ess', float('nan')):.0f}"
             f"; the space not ruled out {final.get('nroy_share', float('nan')):.2g} of the "
             f"prior; {d.get('model_runs', '?')} model runs in {d.get('wall_s', '?')} s",
             f"{len(d.get('free') or [])} free parameters; {len(d.get('prior_drawn') or [])} "
             "drawn from their priors in every run and projection"]
    waves = pd.DataFrame([{"wave": w["wave"], "NROY share of the prior": w["nroy_share"],
                           "walk steps taken": w.get("walk_acceptance"),
                           "simulated": w["simulated"],
                           "emulator R² (median)": float(pd.Series(w["emulator_r2"]).median())}
                          for w in d["waves"]])
    return [h.bullet_list(facts), "<h4>Waves</h4>" + h.table(waves, index=False)]


def _diagnostics(d: dict[str, Any]) -> str:
    if d.get("waves"):
        parts = _history_matching(d)
    else:
        parts = [h.bullet_list([f"ABC-SMC: {d.get('generations', '?')} generations"
                                f"{_exported(d)}, {d.get('simulations', '?')} simulations, "
                                f"final epsilon {d.get('final_epsilon', float('nan')):.3g}, "
                                f"{_sampling_time(d)}"])]
    if d.get("per_generation"):
        parts.append("<h4>Generations</h4>" + h.table(pd.DataFrame(d["per_generation"]),
                                                      index=False))
    ident = pd.DataFrame(d.get("identifiability") or [])
    if len(ident) and "verdict" in ident:
        counts = ident["verdict"].value_counts()
        parts.append(h.paragraph("Identifiability (posterior vs prior spread): " + ", ".join(
            f"{n} {v}" for v, n in counts.items()) + "."))
        cols = [c for c in ("parameter", "median", "q05", "q95", "sd_ratio", "verdict")
                if c in ident]
        parts.append(h.table(ident[cols], index=False))
    return "".join(parts)


def calibration_section(cal: Calibration, runs: Sequence[ScenarioRun]) -> str:
    """The calibration summary and posterior predictive coverage, or what is not available."""
    parts = []
    sources = {str((r.manifest.get("parameters") or {}).get("source")) for r in runs}
    if "posterior" not in sources:
        parts.append(h.warning("These runs did not draw their parameters from the calibrated "
                               f"posterior (parameter source: {', '.join(sorted(sources))}): "
                               "parameter uncertainty is not in the bands."))
    if cal.missing:
        parts.append(h.paragraph(f"Not available in {_name(cal.folder)}/: "
                                 + "; ".join(cal.missing) + ". Run 'khorasan calibrate' and "
                                 "'khorasan check' to produce them.", "note"))
    if cal.diagnostics:
        parts.append("<h3>Calibration diagnostics</h3>" + _diagnostics(cal.diagnostics))
    if cal.coverage is not None:
        parts.append("<h3>Posterior predictive coverage</h3>"
                     + h.paragraph(coverage_summary(cal.coverage)
                                   + f" Source: {cal.coverage_source}.")
                     + h.table(cal.coverage))
    titles = {"ppc_targets": "Posterior predictive check against the targets",
              "posterior": "Posterior marginals"}
    parts += [h.figure(png, titles.get(k, k), titles.get(k, k)) for k, png in cal.figures.items()]
    return "".join(parts)


def caveats_section(comp: Comparison) -> str:
    """What the model leaves out and how far to trust it (plus caveats of these runs)."""
    items = [f"<strong>{h.esc(t)}</strong> {h.esc(body)}" for t, body in CAVEATS]
    few = min(len(r.replicates) for r in comp.runs)
    if few < FEW_REPLICATES:
        items.append(f"<strong>Few replicates.</strong> With {few} replicates the ends of the "
                     "90% intervals are poorly estimated; rerun with more for decisions.")
    if not comp.pairing.paired:
        items.append("<strong>Unpaired runs.</strong> " + h.esc(comp.pairing.note()))
    return h.bullet_list(items, raw=True)


def provenance_section(comp: Comparison) -> str:
    """Versions, commits and timings recorded in each run's manifest."""
    rows = []
    for r in comp.runs:
        m, env = r.manifest, r.manifest.get("environment") or {}
        rows.append({"scenario": r.name, "folder": r.path.name,
                     "khorasan": m.get("khorasan_version", ""),
                     "git commit": str(m.get("git_commit", ""))[:12],
                     "started": m.get("started", ""), "wall time (s)": m.get("wall_time_s", ""),
                     "python": env.get("python", ""), "mesa": env.get("mesa", "")})
    return h.table(pd.DataFrame(rows), index=False)


def render_images(comp: Comparison, dpi: int,
                  progress: Callable[[str], None] = lambda message: None) -> dict[str, bytes]:
    """Every comparison figure as PNG bytes at ``dpi`` (``progress`` told of each)."""
    makers = figure_makers(comp)
    images = {}
    for k, (stem, make) in enumerate(makers.items(), 1):
        progress(f"figure {k}/{len(makers)}: {stem} ({dpi} dpi)")
        images[stem] = png_bytes(make(), dpi)
    return images


def build_html(comp: Comparison, cal: Calibration, images: dict[str, bytes],
               search: Sequence[Path] = ()) -> str:
    """The complete report page."""
    sections = [("summary", "At a glance", summary_section(comp, images)),
                ("scenarios", "What each scenario assumes", scenarios_section(comp, search)),
                ("outcomes", "Key outcomes", outcomes_section(comp)),
                ("differences", "Differences from the baseline",
                 differences_section(comp, images)),
                ("figures", "Trajectories, distributions and maps", figures_section(images)),
                ("calibration", "Calibration and posterior predictive coverage",
                 calibration_section(cal, comp.runs)),
                ("caveats", "Caveats: how far to trust this", caveats_section(comp)),
                ("glossary", "Glossary", glossary_section()),
                ("provenance", "Provenance", provenance_section(comp))]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = ("<h1>Khorasan: what happens next</h1>"
              + h.paragraph(f"Scenario projections of the Taliban–ISKP power struggle in "
                            f"Afghanistan, {comp.window.label}: "
                            + ", ".join(scenario_label(r.name) for r in comp.runs[1:])
                            + f" against the baseline ({scenario_label(comp.baseline)}).")
              + h.paragraph("Scenario-conditional projections, not forecasts."))
    body = h.toc([(a, t) for a, t, _ in sections]) + "".join(
        h.section(a, t, b) for a, t, b in sections)
    footer = h.paragraph(f"Generated {stamp} by khorasan {__version__} ('khorasan report'). "
                         "Self-contained: opens offline.")
    return h.page("Khorasan scenario report", header, body, footer)


def write_report(comp: Comparison, out: Path, calibration: Path = Path("calibration"),
                 search: Sequence[Path] = (Path("scenarios"),),
                 progress: Callable[[str], None] = lambda message: None) -> tuple[Path, int]:
    """Write the report, lowering figure resolution until it is under 5 MB.

    Args:
        comp: The comparison (see :func:`model.reporting.compare.compare`).
        out: The HTML file to write.
        calibration: The calibration folder (missing outputs are noted, not fatal).
        search: Folders searched for the scenario files (for their comments).
        progress: Called with a short message before each figure.

    Returns:
        The path written and its size in bytes.

    Raises:
        KhorasanError: If the file cannot be written.
    """
    cal = load_calibration(calibration)
    for dpi in DPIS:
        text = build_html(comp, cal, render_images(comp, dpi, progress), search)
        if len(text.encode("utf-8")) <= MAX_BYTES:
            break
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise KhorasanError(f"{out}: cannot write the report: {exc}") from None
    return out, out.stat().st_size
