"""nutpie's C callbacks around PyTensor's numba-compiled log density and expand function, built so
that numba caches them on disk.

PyTensor caches the numba code of the log density and its gradient (and of the expand function: a
draw's values of every variable and deterministic) in ``<base_compiledir>/numba``. nutpie wraps them
in two numba C callbacks that numba refuses to cache (they capture the data arrays as constants), and
compiling those wrappers took 12-15 s in every process (they link in the whole graph). The wrappers
here read the data's addresses and shapes from a small integer array at run time (`Layout`), hold no
constants, and are registered with PyTensor's numba cache under a key derived from PyTensor's own
key for the compiled graph, so a second process loads them from disk.

They copy their results element by element: a slice assignment (``out[:] = grad``) made numba
compile its error message for mismatched shapes, about 1.6 s on a machine's first fit. And they
inline the graph's function (`_inlined`), so its code is compiled once, not once alone and again
inside the wrapper.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# part of the cache key of the generated wrappers: this file's source (a change here is new wrappers)
_SOURCE_KEY = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


@dataclass(frozen=True)
class Layout:
    """Where each data array's address and shape sit in the wrappers' integer array."""

    offset: dict[str, int]
    ndim: dict[str, int]
    dtype: dict[str, np.dtype]
    # each array's static shape where the compiled graph fixes it (None: any length), which the
    # compiled code no longer checks (graph.py gives M one)
    shape: dict[str, tuple[int | None, ...]]

    @classmethod
    def of(cls, variables) -> Layout:
        """The layout of these data containers' values (PyTensor shared variables, in this order)."""
        offset, at = {}, 0
        for v in variables:
            offset[v.name] = at
            at += 1 + v.type.ndim
        return cls(
            offset,
            {v.name: v.type.ndim for v in variables},
            {v.name: np.dtype(v.type.dtype) for v in variables},
            {v.name: tuple(v.type.shape) for v in variables},
        )

    @property
    def size(self) -> int:
        """The integer array's length."""
        return sum(1 + n for n in self.ndim.values())

    def coerce(self, name: str, value) -> np.ndarray:
        """A read-only C-contiguous copy of a new value for a data array, of its dtype and rank."""
        arr = np.array(value, dtype=self.dtype[name], order="C", copy=True)
        if arr.ndim != self.ndim[name]:
            raise ValueError(f"data {name} must have rank {self.ndim[name]}, not {arr.ndim}")
        if any(fixed is not None and fixed != n for fixed, n in zip(self.shape[name], arr.shape, strict=True)):
            raise ValueError(f"data {name} must have shape {self.shape[name]}, not {arr.shape}")
        arr.flags.writeable = False
        return arr

    def user_data(self, shared: dict[str, np.ndarray]) -> np.ndarray:
        """The integer array for these data arrays (which must outlive it)."""
        out = np.zeros(self.size, dtype=np.int64)
        for name, at in self.offset.items():
            arr = shared[name]
            out[at] = arr.ctypes.data
            out[at + 1 : at + 1 + arr.ndim] = arr.shape
        return out


def compile_flags():
    """PyTensor's settings for compiling the model: numba without fast-math (the same bits in every
    process; `forecast.model.nutpie_sampler` says why). The fitting process and the helper that
    compiles ahead (`forecast.model.compile_ahead`) both compile under them, so their cache keys match."""
    import pytensor

    return pytensor.config.change_flags(numba__fastmath=False)


def logp_source(n_dim: int, layout: Layout, used: list[str]) -> str:
    """The source of nutpie's log density callback: the value and gradient at a point."""
    return _wrapper_source(
        "nutpie_logp",
        "dim, x_, out_, logp_, user_data_",
        f"    if dim != {n_dim}:\n        return -1\n",
        layout,
        used,
        f"    x = numba.carray(x_, ({n_dim},))\n"
        f"    out = numba.carray(out_, ({n_dim},))\n"
        "    logp_val, grad = inner(x, {args})\n"
        "    logp_[0] = logp_val\n"
        # element by element: the graph fixes both lengths at n_dim (a slice assignment compiled
        # numba's shape-mismatch message, about 1.6 s)
        f"    for i in range({n_dim}):\n        out[i] = grad[i]\n"
        "    if not np.all(np.isfinite(out)):\n        return 3\n"
        "    if not np.isfinite(logp_val):\n        return 4\n",
        error=1,
    )


def expand_source(n_dim: int, n_expanded: int, layout: Layout, used: list[str]) -> str:
    """The source of nutpie's expand callback: a draw's values of every variable and deterministic."""
    return _wrapper_source(
        "nutpie_expand",
        "dim, expanded, x_, out_, user_data_",
        f"    if dim != {n_dim} or expanded != {n_expanded}:\n        return -1\n",
        layout,
        used,
        f"    x = numba.carray(x_, ({n_dim},))\n"
        f"    out = numba.carray(out_, ({n_expanded},))\n"
        "    (values,) = inner(x, {args})\n"
        f"    for i in range({n_expanded}):\n        out[i] = values[i]\n",  # both n_expanded long
        error=-2,
    )


def logp_cfunc(src: str, inner, inner_key: str):
    """nutpie's log density callback around PyTensor's compiled ``inner`` (compiled, or loaded)."""
    return _cached_cfunc(src, "nutpie_logp", inner, inner_key, _logp_signature())


def expand_cfunc(src: str, inner, inner_key: str):
    """nutpie's expand callback (a draw's values of every variable and deterministic), compiled or
    loaded from the cache (here, and in `forecast.model.compile_ahead`'s helper process)."""
    return _cached_cfunc(src, "nutpie_expand", inner, inner_key, _expand_signature())


# ------------------------------------------------------------------ building them


def _wrapper_source(name: str, params: str, check: str, layout: Layout, used: list[str], body: str, error: int) -> str:
    lines = [f"def {name}({params}):", check, "    try:"]
    lines.append(f"        ud = numba.carray(user_data_, ({layout.size},), np.int64)")
    args = []
    for i, var in enumerate(used):
        at, nd = layout.offset[var], layout.ndim[var]
        shape = "(" + "".join(f"ud[{at + 1 + d}], " for d in range(nd)) + ")"
        lines.append(f"        a{i} = numba.carray(as_pointer(ud[{at}]), {shape}, np.{layout.dtype[var].name})")
        args.append(f"a{i}")
    lines.extend("    " + ln for ln in body.format(args=", ".join(args)).splitlines())
    lines.append(f"    except Exception:\n        return {error}")
    lines.append("    return 0")
    return "\n".join(ln.rstrip("\n") for ln in lines) + "\n"


def _cached_cfunc(src: str, name: str, inner, inner_key: str, sig):
    import numba
    from pytensor.configdefaults import config
    from pytensor.link.numba.cache import compile_numba_function_src

    key = hashlib.sha256(
        "|".join(
            [_SOURCE_KEY, __name__, inner_key, src, str(sig), f"fastmath{int(config.numba__fastmath)}"]
        ).encode()
    ).hexdigest()
    env = {
        "__name__": __name__,
        "numba": numba,
        "np": np,
        "inner": _inlined(inner),
        "as_pointer": _address_as_pointer(),
    }
    fn = compile_numba_function_src(src, name, global_env=env, cache_key=key)
    return numba.cfunc(sig, cache=bool(config.numba__cache))(fn)


def _inlined(fn):
    """The Python function of PyTensor's compiled graph behind ``fn``, for numba to inline.

    PyTensor's numba function for a graph is a forwarding function ``f(*args)`` around a numba
    function of the graph, itself around one numba function per operation. Each level is compiled to
    machine code on its own, and every caller links and compiles its callees' code again. Inlining
    the graph's function into the wrapper compiles the graph's code once (on a machine's first fit
    the log density and expand functions compiled about 2 s faster). Should PyTensor build its
    functions otherwise, the function is called as it is."""
    import inspect

    import numba

    graph = fn.py_func.__globals__.get("jitable_func")
    py_func = getattr(graph, "py_func", None)
    if py_func is None or any(
        p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in inspect.signature(py_func).parameters.values()
    ):
        return fn
    return numba.njit(inline="always")(py_func)


def _logp_signature():
    import numba

    t = numba.types
    return t.int64(t.uint64, t.CPointer(t.double), t.CPointer(t.double), t.CPointer(t.double), t.voidptr)


def _expand_signature():
    import numba

    t = numba.types
    return t.int64(t.uint64, t.uint64, t.CPointer(t.double), t.CPointer(t.double), t.voidptr)


@functools.cache
def _address_as_pointer():
    """A numba intrinsic turning an integer address into a void pointer (nutpie has one too; this
    one spares the helper process of `forecast.model.compile_ahead` importing nutpie and ArviZ)."""
    from numba.core import cgutils, types
    from numba.extending import intrinsic

    @intrinsic
    def as_pointer(typingctx, address):
        def codegen(context, builder, signature, args):
            return builder.inttoptr(args[0], cgutils.voidptr_t)

        return types.voidptr(address), codegen

    return as_pointer
