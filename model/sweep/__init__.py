"""Parameter sweeps: designs, a resumable Parquet store, executors, sensitivity and plots.

A sweep file (TOML) extends a scenario, names the parameters to vary and a design, and lists
the scalar outcomes to record (see README, "Sweeps and sensitivity"). Modules:

- :mod:`model.sweep.spec`: strict loading of sweep files (:func:`load_sweep`).
- :mod:`model.sweep.design`: grid, LHS, Sobol', Halton, Saltelli and Morris designs.
- :mod:`model.sweep.worker`: one chunk of runs (what a worker process executes).
- :mod:`model.sweep.store`: the output folder (atomic part files, assembly, manifest).
- :mod:`model.sweep.execute`: in-process, process-pool and dask executors; :func:`run_sweep`.
- :mod:`model.sweep.sensitivity`: Morris, Sobol' and RBD-FAST indices on any design table.
- :mod:`model.sweep.plots`: outcome-vs-parameter, pair heatmap and distribution figures.
- :mod:`model.sweep.cli`: the ``sweep`` and ``sensitivity`` sub-commands; ``plot`` dispatch.

This package file imports nothing heavy: the command line imports :mod:`model.sweep.cli`
whenever it builds its parser.
"""
