"""The model's processes as compiled kernels, one module per submodel (docs/ODD.md §3, §7).

Each submodel is one numba kernel named after it (``recruitment.recruitment``,
``combat.combat``, ...) that reads like its equations in docs/ODD.md §7: plain loops over
provinces and commanders on named views of the model's arrays (:mod:`.layout`). The fused
month step (:mod:`.month`) calls them in schedule order, once a month; the random streams
are in :mod:`.draws` and band bookkeeping in :mod:`.bands`. How they are compiled and cached:
:mod:`.compile`.
"""
