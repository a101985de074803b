"""A second process that compiles part of the model ahead, on a machine's first fit.

numba compiles on one core. A machine's first fit compiled, one after the other, the log density
with its gradient (the priors' graph, the likelihood kernel and nutpie's C wrapper: about 10 s)
and nutpie's expand function (a draw's values of every variable and deterministic: about 2.5 s),
while the second core idled. Here the fitting process starts a helper process that compiles the
likelihood kernel, then the expand function, into the on-disk caches, while the fitting process
compiles the log density; it then loads what the helper compiled instead of compiling it again.

Nothing depends on the helper. numba's and PyTensor's caches are keyed by what they compile, so an
entry the helper writes is the entry the fitting process would have written: if the helper is
late, fails or cannot start, the fitting process compiles that part itself (as it always did), and
the draws are the same either way. The helper is started only when the kernel is not in numba's
cache, i.e. on a machine's first fit (or after the kernel's source changed); later processes load
everything from the cache and start none. ``FORECAST_COMPILE_AHEAD=0`` turns it off.

The helper is ``python -m forecast.model.compile_ahead``; it reads pickled jobs from its standard
input until it closes, and writes one line per job to its standard output (``kernel compiled in
1.51 s``, or what failed) and its CPU time at the end, which `Helper.finish` returns and logs
(logger ``forecast.model.compile_ahead``, level INFO).
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import time

log = logging.getLogger(__name__)

# FORECAST_COMPILE_AHEAD=0 starts no helper (for comparing, or on a machine short of memory)
SWITCH = "FORECAST_COMPILE_AHEAD"
# how long the fitting process waits for the helper to finish the expand function before compiling
# it itself (the helper needs about 3 s to start and 2.5 s to compile; the log density takes 10 s)
WAIT_SECONDS = 20.0


class Helper:
    """The helper process, seen from the fitting process."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.report: list[str] | None = None

    @classmethod
    def start_if_cold(cls, model) -> Helper | None:
        """A helper that is compiling the model's likelihood kernel, when the kernel is not in
        numba's cache; else None (and None if it cannot start)."""
        if os.environ.get(SWITCH, "1") == "0":
            return None
        arguments = _kernel_arguments(model)
        if arguments is None or _kernel_cached(arguments):
            return None
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", __name__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=os.environ.copy(),
            )
        except OSError:
            return None
        helper = cls(process)
        helper.send(("runner",))
        helper.send(("kernel", arguments))
        return helper

    def send(self, job: tuple) -> None:
        """Queue a job (the helper does them in order)."""
        try:
            pickle.dump(job, self.process.stdin)
            self.process.stdin.flush()
        except (OSError, ValueError):  # the helper is gone or finished: the fitting process compiles it
            pass

    def send_expand(self, expand_fn, source: str, key: str) -> None:
        """Queue compiling nutpie's expand wrapper (`forecast.model.nutpie_wrappers.expand_cfunc`)
        around PyTensor's compiled expand function ``expand_fn``, sent pickled: the helper rebuilds
        the same graph, whose cache key it checks against ``key``."""
        try:
            pickled = pickle.dumps(expand_fn)
        except Exception:  # (PyTensor functions pickle today) the fitting process compiles it
            return
        self.send(("expand", pickled, source, key))

    def finish(self, timeout: float = WAIT_SECONDS) -> list[str]:
        """Wait for the helper's jobs (at most ``timeout`` seconds; then stop it); its report."""
        if self.report is None:
            try:  # (communicate closes the helper's input: it ends after its last job)
                out, _ = self.process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                out, _ = self.process.communicate()
                out += b"\nstopped: not done after %.0f s\n" % timeout
            self.report = [ln for ln in out.decode(errors="replace").splitlines() if ln.strip()]
            log.info("compiled ahead in a helper process: %s", "; ".join(self.report))
        return self.report

    def stop(self) -> None:
        """Stop the helper if it still runs (the fitting process is done or failed)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


def _kernel_arguments(model) -> list[tuple[str, int]] | None:
    """(dtype, rank) of each argument the model's likelihood kernel is called with."""
    from pytensor.graph.traversal import apply_ancestors

    from forecast.model.likelihood import Likelihood

    for node in apply_ancestors(model.potentials):
        if isinstance(node.op, Likelihood):
            return [(str(v.type.dtype), int(v.type.ndim)) for v in node.inputs]
    return None


def _kernel_cached(arguments: list[tuple[str, int]]) -> bool:
    """Whether the kernel for these arguments is in numba's on-disk cache (True when caching is
    off or the answer is unknown: then no helper is worth starting)."""
    from numba.core.caching import NullCache

    from forecast.model.likelihood import kernel_signature, log_likelihood_and_gradient

    cache = getattr(log_likelihood_and_gradient, "_cache", None)
    if cache is None or isinstance(cache, NullCache):
        return True
    try:
        sig = kernel_signature(arguments)
        return sig in log_likelihood_and_gradient.overloads or (
            cache.load_overload(sig, log_likelihood_and_gradient.targetctx) is not None
        )
    except Exception:  # numba's internals moved: assume cached, compile as before
        return True


# ------------------------------------------------------------------ the helper process


def _compile_kernel(arguments: list[tuple[str, int]]) -> str:
    from forecast.model.likelihood import kernel_signature, log_likelihood_and_gradient

    log_likelihood_and_gradient.compile(kernel_signature(arguments))
    return "compiled"


def _compile_expand(pickled: bytes, source: str, key: str) -> str:
    from pytensor.link.numba.cache import CACHED_SRC_FUNCTIONS

    from forecast.model.nutpie_wrappers import expand_cfunc

    inner = pickle.loads(pickled).vm.jit_fn
    if CACHED_SRC_FUNCTIONS.get(getattr(inner, "py_func", None)) != key:
        return "skipped: PyTensor gave the rebuilt graph another cache key"
    expand_cfunc(source, inner, key)
    return "compiled"


def _compile_virtual_machine() -> str:
    # PyTensor's function runner in C, which it compiles into its cache the first time any
    # non-numba function is made (the fit's initial point): 0.8 s, otherwise on the fitting process
    from pytensor.link.c.cvm import CVM  # noqa: F401

    return "compiled or loaded"


def main() -> None:
    """The helper: each job read from standard input, in order, until it closes."""
    import pytensor

    from forecast.model.numba_cache import serialize_saves

    serialize_saves()  # this process and the fitting process write the same caches
    jobs = {"kernel": _compile_kernel, "expand": _compile_expand, "runner": _compile_virtual_machine}
    stdin = sys.stdin.buffer
    with pytensor.config.change_flags(numba__fastmath=False):  # as the fitting process compiles
        while True:
            try:
                name, *args = pickle.load(stdin)
            except EOFError:
                print(f"done: {time.process_time():.2f} s of CPU", flush=True)
                return
            t0 = time.perf_counter()
            try:
                outcome = jobs[name](*args)
            except Exception as exc:  # the fitting process compiles it itself
                outcome = f"failed: {type(exc).__name__}: {exc}"
            print(f"{name} {outcome} in {time.perf_counter() - t0:.2f} s", flush=True)


if __name__ == "__main__":
    main()
