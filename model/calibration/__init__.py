"""Calibration: targets, summary statistics, ABC-SMC with pyabc, posterior predictive checks.

pyabc is imported lazily (it takes seconds to import): only :mod:`model.calibration.abc`
imports it, inside its functions.
"""
