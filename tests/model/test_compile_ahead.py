"""The helper process that compiles part of the model ahead on a machine's first fit
(forecast/model/compile_ahead.py): it compiles what the fitting process then loads, the fitting
process computes the same with it, and nothing breaks when it fails."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytensor
import pytensor.tensor as pt
import pytest

from forecast.model.compile_ahead import Helper, _kernel_arguments, _usable_cores
from forecast.model.features import training_cells
from forecast.model.graph import build_model


@pytest.fixture(scope="module")
def model(ds, priors):
    return build_model(priors, training_cells(ds, pd.Timestamp("2012-03-17"), priors))


def _is_cached(arguments, env: dict) -> bool:
    code = (
        "import json, sys; from forecast.model.compile_ahead import _kernel_cached; "
        "print(json.dumps(_kernel_cached(json.loads(sys.argv[1]))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(arguments)], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_helper_writes_the_kernel_where_a_later_process_finds_it(model, tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    arguments = _kernel_arguments(model)
    assert not _is_cached(arguments, env)  # an empty cache: a fit would start a helper
    helper = Helper.start(env)
    helper.send(("kernel", arguments))
    report = helper.finish(timeout=120, needed=None)
    helper.stop()
    assert [line for line in report if line.startswith("kernel ")][0].startswith("kernel compiled in"), report
    assert report[-1].startswith("done: ") and report[-1].endswith(" s of CPU"), report
    assert _is_cached(arguments, env)  # the next fit starts none and loads the kernel


def test_a_job_that_fails_is_reported_and_ends_nothing(tmp_path):
    """A failed job is one line of the report; the next job still runs; a helper that is gone
    takes jobs without an error (the fitting process then compiles everything itself)."""
    x = pt.dvector("x")
    fn = pytensor.function([x], [pt.exp(x)], mode="NUMBA")
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    helper = Helper.start(env)
    helper.send(("no such job",))
    helper.send_expand(fn, "def nutpie_expand(): pass\n", key="not the graph's key")
    helper.send(("runner",))
    lines = helper.finish(timeout=120, needed=None)
    helper.stop()
    report = [line for line in lines if line.split(" ")[0] in ("no", "expand", "runner")]
    assert report[0].startswith("no such job failed: KeyError"), report
    assert report[1].startswith("expand skipped: PyTensor gave the rebuilt graph another cache key"), report
    assert report[2].startswith("runner "), report
    helper.send(("runner",))  # gone: no error
    helper.stop()


CHILD = textwrap.dedent(
    """
    import json
    import numpy as np, pandas as pd
    from forecast.data.dataset import load_dataset
    from forecast.model.features import training_cells
    from forecast.model.graph import build_model
    from forecast.model.compile_ahead import Helper, _kernel_arguments
    from forecast.model.likelihood import kernel_signature, log_likelihood_and_gradient as kernel
    from forecast.model.nutpie_sampler import compile_model
    from forecast.model.priors import load_priors
    ds, priors = load_dataset(), load_priors()
    model = build_model(priors, training_cells(ds, pd.Timestamp("2012-03-17"), priors))
    # wait for every job the helper was given (how long a fit waits is tested apart): the test then
    # does not depend on how busy the machine is
    real_finish = Helper.finish
    Helper.finish = lambda self, *a, **k: real_finish(self, timeout=240, needed=None)
    compiled = compile_model(model)
    m = compiled.model
    x = np.linspace(-0.5, 0.5, m.n_dim)
    grad, logp, expanded = np.zeros(m.n_dim), np.zeros(1), np.zeros(m.n_expanded)
    import ctypes
    def ptr(a):
        return a.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
    ud = ctypes.c_void_p(m.user_data.ctypes.data)
    rc_logp = m.compiled_logp_func.ctypes(m.n_dim, ptr(x), ptr(grad), ptr(logp), ud)
    rc_expand = m.compiled_expand_func.ctypes(m.n_dim, m.n_expanded, ptr(x), ptr(expanded), ud)
    names, slices, _ = m.shape_info
    print("RESULT " + json.dumps({
        "ahead": compiled.ahead, "cached": compiled.cached_wrappers, "rc": [rc_logp, rc_expand],
        "x": x.tolist(), "logp": logp[0], "grad": grad.tolist(),
        "beta": expanded[slices[names.index("beta")]].tolist(),
        "kernel": [str(sig) for sig in kernel.signatures],
        "expand_loaded": m.compiled_expand_func.cache_hits,
        "logp_loaded": m.compiled_logp_func.cache_hits,
        "ahead_signature": str(kernel_signature(_kernel_arguments(model))),
    }))
    """
)


TWO_CORES = pytest.mark.skipif(_usable_cores() < 2, reason="no helper starts on one core")


@TWO_CORES
@pytest.mark.timeout(300)
def test_a_first_compile_with_its_helper_computes_the_model(model, tmp_path):
    """A machine's first compile (empty PyTensor and numba caches): the helper compiles the kernel
    and the expand function, and the compiled log density, its gradient and the expanded draw are
    the model's, as PyMC computes them."""
    env = {
        **os.environ,
        "PYTENSOR_FLAGS": f"base_compiledir={tmp_path / 'pytensor'}",
        "NUMBA_CACHE_DIR": str(tmp_path / "numba"),
    }
    env.pop("FORECAST_COMPILE_AHEAD", None)

    def run() -> dict:
        out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=280)
        assert out.returncode == 0, out.stderr[-3000:]
        return json.loads(next(ln for ln in out.stdout.splitlines() if ln.startswith("RESULT "))[7:])

    r = run()
    assert r["cached"] and r["rc"] == [0, 0]
    jobs = [line.split(" ")[:2] for line in r["ahead"] if line.split(" ")[0] in ("runner", "kernel", "expand")]
    assert jobs == [["runner", "compiled"], ["kernel", "compiled"], ["expand", "compiled"]], r["ahead"]
    assert r["ahead"][-1].startswith("done: ") and r["ahead"][-1].endswith(" s of CPU"), r["ahead"]
    # the fitting process called (loaded, or compiled if it got there first) the kernel the helper
    # compiled, and no other: the numba backend passes the types `kernel_signature` names
    assert r["kernel"] == [r["ahead_signature"]]
    assert r["expand_loaded"] == 1  # the fitting process loaded the helper's expand function

    again = run()  # the machine's second process: everything from the cache, no helper
    assert again["ahead"] == [] and again["logp_loaded"] == 1 and again["expand_loaded"] == 1
    assert (again["logp"], again["grad"], again["beta"]) == (r["logp"], r["grad"], r["beta"])  # bit for bit

    x = np.asarray(r["x"])
    point = {}
    at = 0
    for rv in model.free_RVs:
        value = model.rvs_to_values[rv]
        shape = model.initial_point()[value.name].shape
        size = int(np.prod(shape))
        point[value.name] = x[at : at + size].reshape(shape)
        at += size
    logp = model.compile_logp(mode="FAST_COMPILE")(point)
    dlogp = model.compile_dlogp(mode="FAST_COMPILE")(point)
    np.testing.assert_allclose(r["logp"], logp, rtol=1e-10)
    np.testing.assert_allclose(r["grad"], dlogp, rtol=1e-8, atol=1e-10)
    (of_values,) = model.replace_rvs_by_values([model["beta"]])
    beta = model.compile_fn(of_values, inputs=model.value_vars, mode="FAST_COMPILE", on_unused_input="ignore")
    np.testing.assert_allclose(r["beta"], np.asarray(beta(point)).ravel(), rtol=1e-12)


def test_cache_saves_wait_for_the_directory_lock(tmp_path):
    """numba's cache saves hold a lock file in the cache directory, so two processes never number
    their entries of one function alike (forecast/model/numba_cache.py)."""
    import threading

    from filelock import FileLock
    from numba.core.caching import IndexDataCacheFile

    from forecast.model.numba_cache import LOCK_NAME, serialize_saves

    serialize_saves()
    index = IndexDataCacheFile(str(tmp_path), "fn-key", source_stamp=0)
    held = FileLock(str(tmp_path / LOCK_NAME))
    held.acquire()
    saving = threading.Thread(target=index.save, args=(("sig", "target"), b"code"))
    saving.start()
    saving.join(timeout=1.0)
    assert saving.is_alive(), "the save did not wait for the lock"
    assert not list(tmp_path.glob("*.nbi"))
    held.release()
    saving.join(timeout=30)
    assert not saving.is_alive()
    assert index.load(("sig", "target")) == b"code"


@TWO_CORES
def test_a_helper_that_cannot_run_leaves_the_compile_to_this_process(model, monkeypatch):
    """An interpreter that exits at once (or any helper that dies): sending jobs raises nothing,
    and the fitting process is told at once, without waiting, that nothing was compiled ahead."""
    import forecast.model.compile_ahead as compile_ahead

    monkeypatch.setattr(compile_ahead, "_kernel_cached", lambda arguments: False)
    monkeypatch.setattr(sys, "executable", "/bin/false")
    helper = Helper.start_if_cold(model)
    assert helper is not None
    try:
        helper.send_expand(pytensor.function([], pt.constant(1.0)), "", "key")
        report = helper.finish()
    finally:
        helper.stop()
    assert report == ["stopped: the expand job not begun when this process needed it"]
    assert not helper.files.exists()


@TWO_CORES
def test_no_helper_when_switched_off_in_a_worker_or_the_kernel_is_cached(model, monkeypatch):
    import forecast.model.compile_ahead as compile_ahead

    monkeypatch.setattr(compile_ahead, "_kernel_cached", lambda arguments: False)  # a machine's first fit
    monkeypatch.setenv("FORECAST_COMPILE_AHEAD", "0")
    assert Helper.start_if_cold(model) is None
    monkeypatch.delenv("FORECAST_COMPILE_AHEAD")
    with compile_ahead.no_helper():  # a back-test worker
        assert Helper.start_if_cold(model) is None
    helper = Helper.start_if_cold(model)  # otherwise one starts
    assert helper is not None
    helper.stop()
    monkeypatch.setattr(compile_ahead, "_kernel_cached", lambda arguments: True)  # a machine's second fit
    assert Helper.start_if_cold(model) is None
