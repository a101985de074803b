"""What the app's fresh-interpreter probes share (tests/app/test_app.py, tests/app/test_serve.py):
a prelude that stubs the sampler so that any fit fails, and the modules the answer path must never
import. A probe is ``NO_SAMPLER + its own script``; it reports ``heavy_imported()``."""

#: The sampler's and the modelling layer's packages: the app's answer path imports none of them.
HEAVY = ("pymc", "pytensor", "arviz", "nutpie", "numba")

NO_SAMPLER = rf"""
import json, sys, types
def refuse(*args, **kwargs):
    raise AssertionError("a fit was sampled")
stub = types.ModuleType("forecast.model.sampling")  # the real one imports PyMC: any fit fails here
stub.sample = refuse
sys.modules["forecast.model.sampling"] = stub
def heavy_imported():
    return sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))
"""
