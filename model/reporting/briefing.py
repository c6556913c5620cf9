"""The report's plain-language parts: a summary in words and a short glossary."""

from __future__ import annotations

from model.reporting import html as h
from model.reporting.compare import Comparison
from model.reporting.names import scenario_label
from model.stats import fmt

SPOKEN = ("civilian_casualties", "civilian_casualties_iskp", "iskp_fighters_at_horizon",
          "displaced")
"""Outcomes put into words in the summary, when the comparison has them."""

GLOSSARY = (
    ("Scenario", "a set of assumptions (a TOML file) about what changes, and from when, against "
                 "the baseline; the model says what follows if they hold. Not a forecast."),
    ("Baseline", "the reference scenario: the Taliban govern from 2021-09, the Republic is "
                 "gone, no external strikes."),
    ("Replicate", "one run of the model. Runs differ by chance events and by their parameter "
                  "draw, so each scenario is run many times and described by the spread."),
    ("Posterior draw", "a set of parameter values drawn from what the calibration to "
                       "2015-2021 data left plausible, plus, for the parameters the "
                       "calibration kept fixed although they are uncertain, values drawn "
                       "from their prior ranges. Each draw is run with several seeds (by "
                       "default 4 replicates per draw)."),
    ("Spread from parameters", "the share of an outcome's variance across replicates that "
                               "comes from the parameter draws; the rest comes from chance. "
                               "Replicates of one draw differ only by their random numbers, "
                               "so the mean variance within a draw measures chance, and the "
                               "variance of the draws' means, less the part of chance left in "
                               "it, measures the parameters (the law of total variance). A "
                               "high share says that better-known parameters would narrow the "
                               "bands; a low one that the outcome is at the mercy of chance "
                               "events whatever the parameters. With defaults or the MAP "
                               "every replicate has the same parameters and all the spread is "
                               "chance."),
    ("Median and 90% interval", "the middle replicate, and the range holding 90% of them "
                                "(5th to 95th percentile). Below 50 replicates the ends are "
                                "rough."),
    ("Paired difference", "replicate r of a scenario minus replicate r of the baseline: both "
                          "use the same random numbers and parameter draw (common random "
                          "numbers, CRN), so the difference is the scenario's effect, not "
                          "chance."),
    ("Higher in x% of pairs", "how often the scenario's value exceeds the baseline's: near 100% "
                              "or 0% the direction is clear; near 50% it is not."),
    ("Window, horizon", "the months summarised (by default 2021-09 to the end) and the last of "
                        "them; counts are totals over the window, stocks are read at the "
                        "horizon."),
    ("History matching, ABC, ESS", "the calibration: history matching rules out the "
                                   "parameter sets whose emulated outputs are implausibly far "
                                   "from the observations; approximate Bayesian computation "
                                   "(ABC) keeps, of the rest, the simulations nearest them; "
                                   "the effective sample size (ESS) says how many independent "
                                   "particles the posterior is worth."),
    ("ACLED, UNAMA", "the conflict-event and civilian-casualty sources the model is calibrated "
                     "against."),
)


def _direction(share: float) -> str:
    if share >= 0.9:
        return "higher in nearly every pair"
    if share <= 0.1:
        return "lower in nearly every pair"
    return f"higher in {share:.0%} of pairs, so the direction is uncertain"


def plain_summary(comp: Comparison) -> str:
    """One paragraph per scenario in plain words, after one on what was compared."""
    replicates = len(comp.pairing.replicates)
    base = scenario_label(comp.baseline)
    parts = [h.paragraph(
        f"This report compares {len(comp.runs)} scenarios of what may follow the Taliban's "
        f"takeover, over {comp.window.label}. Each was run {replicates} times with the same "
        "random numbers and parameter draws, so the differences below are the scenarios' "
        f"effects against the baseline ({base}). Numbers are medians with the range that holds "
        "90% of the runs; they describe what follows if a scenario's assumptions hold, not "
        "what will happen.")]
    rows = comp.differences.set_index(["scenario", "outcome"])
    for scenario in comp.diffs:
        said = []
        for key in SPOKEN:
            if (scenario, key) not in rows.index:
                continue
            r = rows.loc[(scenario, key)]
            said.append(f"{r['label'].lower()} {fmt(r['median'], signed=True)} {r['unit']} "
                        f"(90%: {fmt(r['q05'], signed=True)} to {fmt(r['q95'], signed=True)}; "
                        f"{_direction(r['share_higher'])})")
        if said:
            parts.append(h.paragraph(f"{scenario_label(scenario)} against {base}: "
                                     + "; ".join(said) + "."))
    return "".join(parts)


def glossary_section() -> str:
    """The glossary as a definition list."""
    items = "".join(f"<dt>{h.esc(term)}</dt><dd>{h.esc(text)}</dd>" for term, text in GLOSSARY)
    return f'<dl class="glossary">{items}</dl>'
