"""Scenario comparison and the self-contained HTML report.

``khorasan compare DIR...`` overlays the scenarios of several run directories (fan charts,
horizon distributions, paired differences from the baseline, province maps and a key-outcome
table); ``khorasan report DIR... -o report.html`` puts the same material, what each scenario
assumes, the calibration summary and the caveats into one HTML file that opens offline.

Like :mod:`model.viz`, this package reads result files only (``manifest.json``,
``national.parquet``, ``provinces.parquet``, calibration outputs); it never runs the model.

Example:
    >>> from model.reporting.compare import compare
    >>> result = compare([Path("results/baseline"), Path("results/iskp_resurgence")],
    ...                  Path("results/compare"))  # doctest: +SKIP

The package import is light (the CLI imports :mod:`model.reporting.cli` on every call);
import the working modules directly: :mod:`model.reporting.compare`,
:mod:`model.reporting.report`.
"""
