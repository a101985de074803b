"""NUTS through nutpie (Rust) on the PyMC model's log density compiled by PyTensor's numba backend.

PyMC stays the modelling layer (`forecast.model.graph`); this module only turns the model into
something nutpie can sample, and samples it:

* `compile_model(model)` compiles a PyMC model (`forecast.model.graph.CompiledModels` calls it once
  per prior file and keeps the result); `with_data` swaps an as-of cut's data into the compiled
  model without recompiling.
* The compiled code is cached on disk between processes (`forecast.model.nutpie_wrappers` builds
  nutpie's C callbacks so that numba can cache them). On a machine's first fit a helper process
  compiles part of the model meanwhile (`forecast.model.compile_ahead`).
* The numba code is compiled without fast-math. With PyTensor's default (fast-math on) the log
  density a process compiles itself and the one a later process loads from the cache differed in
  their last bits (presumably fast-math lets LLVM reassociate arithmetic differently in code built
  whole than in code assembled from cached parts), so the same seed gave other draws on a machine's
  first run than on later ones. Without fast-math every process computed bit-identical log
  densities and gradients, and no slower (measured when the likelihood was still tensor operations:
  about 60 us an evaluation either way, on all the data).
* `nutpie_sample` runs nutpie in the background and serves ``progress(done, total)`` on the calling
  thread (Streamlit draws only from its script thread) every ``PROGRESS_MS`` milliseconds, from
  nutpie's progress callback: nutpie reports on a timer, not per draw; ``done`` counts draws
  finished over all chains, tuning included.
"""

from __future__ import annotations

import dataclasses
import functools
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from forecast.model.nutpie_wrappers import (
    Layout,
    compile_flags,
    expand_cfunc,
    expand_source,
    logp_cfunc,
    logp_source,
)

PROGRESS_MS = 200  # how often nutpie reports progress
# Stan-like mass matrix adaptation from the draws' variance. nutpie's default ("diag", from draws
# and gradients) needs fewer leapfrog steps (31 a draw at target_accept 0.95 on all the data) but
# left R-hat > 1.01 or tail ESS < 400 for the feature effects' spreads (tau) in 3 of 6 seeds there
# (2 of 4 as of 2025-01-01), and did worse as target_accept rose (0 of 6 at 0.97); with
# "draw_diag" at 0.97 (about 62 steps a draw on all the data) every ESS was >= 590 and R-hat
# above 1.01 (at most 1.0125) in 3 of 16 fits (5 as-of dates, 3-4 seeds each). Changing it
# changes the draws: bump MODEL_VERSION with it.
ADAPTATION = "draw_diag"


@dataclass(frozen=True)
class Compiled:
    """A compiled model and how long compiling it took (0 when it was compiled before)."""

    model: Any  # nutpie CompiledModel
    seconds: float
    cached_wrappers: bool  # the C wrappers are registered with the on-disk cache
    ahead: tuple[str, ...] = ()  # what a helper process compiled meanwhile (`forecast.model.compile_ahead`)

    def with_data(self, data: dict[str, np.ndarray]) -> Compiled:
        """The same compiled model with an as-of cut's data (no recompiling; ``seconds`` 0)."""
        return dataclasses.replace(self, model=self.model.with_data(**data), seconds=0.0)


def compile_model(model) -> Compiled:
    """The nutpie model for a PyMC model (compiled here, or loaded from the on-disk cache)."""
    from forecast.model.compile_ahead import Helper
    from forecast.model.numba_cache import serialize_saves

    serialize_saves()  # a helper, or another worker, may be writing the same caches
    t0 = time.perf_counter()
    helper = Helper.start_if_cold(model)  # a machine's first fit: a second process compiles ahead
    try:
        compiled, cached = _compile(model, helper)
    finally:
        if helper is not None:
            helper.stop()
    ahead = tuple(helper.report or ()) if helper is not None else ()
    return Compiled(compiled, time.perf_counter() - t0, cached, ahead)


def _compile(model, helper):
    import nutpie

    with compile_flags():
        try:
            return _compile_cached(model, helper), True
        except Exception as exc:  # e.g. another nutpie whose internals moved: compile as nutpie does
            warnings.warn(
                f"nutpie's compiled model is not cached on disk ({type(exc).__name__}: {exc})",
                RuntimeWarning,
                stacklevel=3,
            )
        return nutpie.compile_pymc_model(model, backend="numba"), False


class _NotCacheable(Exception):
    pass


# ------------------------------------------------------------------ cacheable compilation


def _compile_cached(model, helper):
    """nutpie's `compile_pymc_model(model, backend="numba")`, with C wrappers numba can cache."""
    from nutpie.compile_pymc import _make_functions, _prepare_dims_and_coords, _wrap_with_lock
    from pymc.initial_point import make_initial_point_fn
    from pytensor.link.numba.cache import CACHED_SRC_FUNCTIONS

    # as nutpie.compile_pymc_model does: jittered support points as initial values
    initial_point_fn = _wrap_with_lock(
        make_initial_point_fn(
            model=model,
            default_strategy="support_point",
            jitter_rvs=set(model.free_RVs),
            return_transformed=True,
        )
    )
    n_dim, n_expanded, logp_pt, expand_pt, initial_point, shape_info, reparameterized = _make_functions(
        model, mode="NUMBA", compute_grad=True, join_expanded=True, pymc_initial_point_fn=initial_point_fn
    )
    inner_logp, inner_expand = logp_pt.vm.jit_fn, expand_pt.vm.jit_fn
    keys = [CACHED_SRC_FUNCTIONS.get(getattr(f, "py_func", None)) for f in (inner_logp, inner_expand)]
    if None in keys:
        raise _NotCacheable("PyTensor gave the compiled graph no cache key")

    shared_vars: list = []
    for var in [*logp_pt.get_shared(), *expand_pt.get_shared()]:
        if var not in shared_vars:
            shared_vars.append(var)
    names = [v.name for v in shared_vars]
    if len(set(names)) != len(names):
        raise _NotCacheable("data containers without unique names")
    layout = Layout.of(shared_vars)

    logp_src = logp_source(n_dim, layout, [v.name for v in logp_pt.get_shared()])
    expand_src = expand_source(n_dim, n_expanded, layout, [v.name for v in expand_pt.get_shared()])
    if helper is not None:  # the expand function, compiled there while the log density is here
        helper.send_expand(expand_pt, expand_src, keys[1])
    c_logp = logp_cfunc(logp_src, inner_logp, keys[0])
    if helper is not None:
        helper.finish()
    c_expand = expand_cfunc(expand_src, inner_expand, keys[1])

    shared_data = {
        name: layout.coerce(name, np.asarray(v.get_value())) for name, v in zip(names, shared_vars, strict=True)
    }
    dims, coords = _prepare_dims_and_coords(model, shape_info, reparameterized)
    return _cached_model_class()(
        _n_dim=n_dim,
        dims=dims,
        _coords=coords,
        _shapes={name: tuple(shape) for name, _, shape in zip(*shape_info, strict=True)},
        compiled_logp_func=c_logp,
        compiled_expand_func=c_expand,
        initial_point_func=initial_point,
        shared_data=shared_data,
        shared_var_keys={v: v.name for v in shared_vars},
        user_data=layout.user_data(shared_data),
        n_expanded=n_expanded,
        shape_info=shape_info,
        logp_func=logp_pt,
        expand_func=expand_pt,
        reparameterized_names=reparameterized,
        layout=layout,
    )


@functools.cache
def _cached_model_class():
    """nutpie's compiled PyMC model with its data addressed through `Layout` (made on first use:
    nutpie is imported only when a fit is sampled)."""
    from nutpie.compile_pymc import CompiledPyMCModel

    @dataclass(frozen=True)
    class CachedPyMCModel(CompiledPyMCModel):
        layout: Layout | None = None

        def with_data(self, **updates):
            shared = dict(self.shared_data)
            for name, value in updates.items():
                if name in shared:  # a container neither compiled function reads cannot matter
                    shared[name] = self.layout.coerce(name, value)
            return dataclasses.replace(self, shared_data=shared, user_data=self.layout.user_data(shared))

    return CachedPyMCModel


# ------------------------------------------------------------------ sampling


def nutpie_sample(
    compiled,
    *,
    draws: int,
    tune: int,
    chains: int,
    cores: int,
    target_accept: float,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
):
    """nutpie's NUTS draws as an xarray DataTree (posterior and sample_stats; no warm-up)."""
    import nutpie

    total = chains * (draws + tune)
    finished = [0]

    def heard(chain_progress) -> None:  # on nutpie's thread: only note the count
        finished[0] = sum(int(c.finished_draws) for c in chain_progress)

    run = nutpie.sample(
        compiled,
        draws=draws,
        tune=tune,
        chains=chains,
        cores=cores,
        seed=seed,
        target_accept=target_accept,
        adaptation=ADAPTATION,
        save_warmup=False,
        progress_bar=False,
        progress_callback=heard if progress is not None else None,
        progress_rate=PROGRESS_MS,
        blocking=False,
    )
    try:
        told, trace = -1, None
        while trace is None:
            if progress is not None and finished[0] != told:
                told = finished[0]
                progress(min(told, total), total)
            try:  # (nutpie 0.16.11's `is_finished` raises TimeoutError while running)
                trace = run.wait(timeout=0.05 if progress is not None else None)
            except TimeoutError:
                pass
    except BaseException:
        run.cancel()
        raise
    if progress is not None:
        progress(total, total)
    return trace
