"""The model's processes, one module each, in schedule order (see docs/ODD.md §3 and §7).

Each submodel is a function ``step(model)`` that updates the model's array state for the
current month and writes its outputs into ``model.out``.
"""
