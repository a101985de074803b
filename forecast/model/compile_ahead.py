"""A second process that compiles part of the model ahead, on a machine's first fit.

numba compiles on one core. A machine's first fit compiled, one after the other, PyTensor's C
function runner (0.6 s), the log density with its gradient (the priors' graph, the likelihood
kernel and nutpie's C wrapper: about 10 s) and nutpie's expand function (a draw's values of every
variable and deterministic: about 2.5 s), while the second core idled. Here the fitting process
starts a helper process that compiles the runner, the likelihood kernel, then the expand function,
into the on-disk caches, while the fitting process imports nutpie and compiles the log density; it
then loads what the helper compiled (and some of the graph's operations the two share) instead of
compiling it again. On the 2-core development machine the first fit went from 18.5 s without the
helper to 14.4-15.1 s (bench/bench_fit.py; the helper spends about 5.5 s of CPU).

Nothing depends on the helper. numba's and PyTensor's caches are keyed by what they compile, so an
entry the helper writes is the entry the fitting process would have written, and both write
through `forecast.model.numba_cache` (safe for two processes at once). If the helper cannot start,
fails, or has not begun the expand function when the log density is compiled, the fitting process
compiles that part itself (it waits at most ``WAIT_SECONDS`` for one that has begun), and the draws
are the same either way.

A helper starts only when the kernel is not in numba's cache: a machine's first fit, or the first
after the kernel's source changed. A new prior file on a machine that has fitted before compiles
the log density and the expand function anew (the priors are constants of the graph) without a
helper, most operations loaded from the cache (6.2 s measured). None starts with
``FORECAST_COMPILE_AHEAD=0``, on a single usable core, or in back-test workers (`no_helper`),
which already compile side by side.

The helper is ``python -m forecast.model.compile_ahead``; it reads pickled jobs from its standard
input until it closes (a job larger than a pipe's buffer comes as the path of a file holding it),
and writes ``<job> begun`` when it starts one and ``<job> compiled in 1.51 s`` (or ``loaded``, or
what failed) when it ends, then its CPU time. `Helper.finish` returns those lines and logs them
(logger ``forecast.model.compile_ahead``, level INFO).
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

# FORECAST_COMPILE_AHEAD=0 starts no helper (for comparing, or on a machine short of memory)
SWITCH = "FORECAST_COMPILE_AHEAD"
# once the log density is compiled, how long the fitting process waits for a helper that has begun
# the expand function (it takes the helper about 3.5 s; the log density, with the helper running,
# about 8 s); a helper that has not begun it by then is stopped, and the fitting process compiles
# the expand function itself (about 2.5 s)
WAIT_SECONDS = 10.0


_thread = threading.local()


@contextlib.contextmanager
def no_helper():
    """Compile without a helper in this thread meanwhile (parallel back-test workers, which already
    compile side by side)."""
    before = getattr(_thread, "off", False)
    _thread.off = True
    try:
        yield
    finally:
        _thread.off = before


class Helper:
    """The helper process, seen from the fitting process: jobs go to it through its standard input
    (a pickled job, or the path of a file holding a large one); its report lines are read as they
    come, by a thread, so neither process ever waits on a full pipe."""

    def __init__(self, process: subprocess.Popen, files: Path) -> None:
        self.process = process
        self.files = files  # where large jobs are written (removed by `stop`)
        self.lines: list[str] = []
        self._heard = threading.Condition()  # notified for each line read
        self._reader = threading.Thread(target=self._read, name="compile-ahead-report", daemon=True)
        self._reader.start()
        self.report: list[str] | None = None

    @classmethod
    def start_if_cold(cls, model) -> Helper | None:
        """A helper that is compiling the model's likelihood kernel, when the kernel is not in
        numba's cache and this process may use two cores; else None (and None if it cannot start:
        the fitting process then compiles everything itself, as it would without one)."""
        try:
            off = os.environ.get(SWITCH, "1") == "0" or getattr(_thread, "off", False)
            if off or _usable_cores() < 2:
                return None
            arguments = _kernel_arguments(model)
            if arguments is None or _kernel_cached(arguments):
                return None
            helper = cls.start()
        except Exception as exc:  # e.g. no interpreter to start: compile without a helper
            log.info("no helper process to compile ahead (%s: %s)", type(exc).__name__, exc)
            return None
        helper.send(("runner",))
        helper.send(("kernel", arguments))
        return helper

    @classmethod
    def start(cls, env: dict[str, str] | None = None) -> Helper:
        """A helper process with no job yet (``env``: its environment, by default this process's
        with this `forecast` package first on the path)."""
        process = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env if env is not None else _environment(),
        )
        return cls(process, Path(tempfile.mkdtemp(prefix="forecast-compile-ahead-")))

    def send(self, job: tuple) -> None:
        """Queue a job (the helper does them in order); one larger than a pipe's buffer goes
        through a file, so that sending never waits for the helper to read."""
        try:
            payload = pickle.dumps(job)
            if len(payload) > 16_384:
                path = self.files / f"job-{len(list(self.files.iterdir()))}.pickle"
                path.write_bytes(payload)
                payload = pickle.dumps(("file", str(path)))
            self.process.stdin.write(payload)
            self.process.stdin.flush()
        except Exception:  # the helper is gone or finished, or the job does not pickle: compiled here
            pass

    def send_expand(self, expand_fn, source: str, key: str) -> None:
        """Queue compiling nutpie's expand wrapper (`forecast.model.nutpie_wrappers.expand_cfunc`)
        around PyTensor's compiled expand function ``expand_fn``, sent pickled: the helper rebuilds
        the same graph, whose cache key it checks against ``key``."""
        self.send(("expand", expand_fn, source, key))

    def finish(self, timeout: float = WAIT_SECONDS, needed: str | None = "expand") -> list[str]:
        """Wait for the helper's jobs (at most ``timeout`` seconds), if it has begun the job
        ``needed`` (None: whichever it is doing), else stop it at once; its report."""
        if self.report is None:
            try:
                self.process.stdin.close()  # it ends after its last job
            except OSError:
                pass
            with self._heard:  # (a line on its way gets a moment to arrive)
                begun = needed is None or self._heard.wait_for(
                    lambda: any(line.startswith(f"{needed} ") for line in self.lines), timeout=0.2
                )
            if not begun:
                self._end(f"stopped: the {needed} job not begun when this process needed it")
            else:
                try:
                    self.process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    self._end(f"stopped: not done after {timeout:.0f} s")
            self._reader.join(timeout=5)
            self._close_pipes()
            with self._heard:
                self.report = [line for line in self.lines if line.strip() and not line.endswith(" begun")]
            log.info("compiled ahead in a helper process: %s", "; ".join(self.report))
        return self.report

    def stop(self) -> None:
        """Stop the helper if it still runs (the fitting process is done or failed), close its
        pipes and remove its files."""
        if self.process.poll() is None:
            self._end(None)
        self._reader.join(timeout=5)
        self._close_pipes()
        shutil.rmtree(self.files, ignore_errors=True)

    def _close_pipes(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout):
            try:
                pipe.close()
            except OSError:
                pass

    def _end(self, why: str | None) -> None:
        self.process.kill()
        self.process.wait()
        if why:
            with self._heard:
                self.lines.append(why)

    def _read(self) -> None:
        for raw in self.process.stdout:
            with self._heard:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self._heard.notify_all()


def _usable_cores() -> int:
    """The cores this process may run on (all of them where the system does not say)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def _environment() -> dict[str, str]:
    """The helper's environment: this process's, with the directory this `forecast` package was
    imported from first on the path (``python -m`` would otherwise find one in the working
    directory first)."""
    import forecast

    root = Path(forecast.__file__).resolve().parent.parent
    env = os.environ.copy()
    if root.name not in ("site-packages", "dist-packages"):  # (there, it is on the path anyway)
        env["PYTHONPATH"] = os.pathsep.join([str(root), *filter(None, [env.get("PYTHONPATH")])])
    return env


def _kernel_arguments(model) -> list[tuple[str, int]] | None:
    """(dtype, rank) of each argument the model's likelihood kernel is called with."""
    from pytensor.graph.traversal import apply_ancestors

    from forecast.model.likelihood import Likelihood

    for node in apply_ancestors(model.potentials):
        if isinstance(node.op, Likelihood):
            return [(str(v.type.dtype), int(v.type.ndim)) for v in node.inputs]
    return None


def _kernel_cached(arguments: list[tuple[str, int]]) -> bool:
    """Whether the kernel for these arguments is in numba's on-disk cache (read from the cache's
    index, without loading the code; True when caching is off or the answer is unknown: then no
    helper is worth starting)."""
    try:
        from numba.core.caching import NullCache

        from forecast.model.likelihood import kernel_signature
        from forecast.model.likelihood import log_likelihood_and_gradient as kernel

        cache = getattr(kernel, "_cache", None)
        if cache is None or isinstance(cache, NullCache):
            return True
        sig = kernel_signature(arguments)
        if sig in kernel.overloads:
            return True
        return cache._index_key(sig, kernel.targetctx.codegen()) in cache._cache_file._load_index()
    except Exception:  # numba's internals moved: assume cached, compile as before
        return True


# ------------------------------------------------------------------ the helper process


def _compile_kernel(arguments: list[tuple[str, int]]) -> str:
    from forecast.model.likelihood import kernel_signature
    from forecast.model.likelihood import log_likelihood_and_gradient as kernel

    sig = kernel_signature(arguments)
    hits = sum(kernel.stats.cache_hits.values())
    kernel.compile(sig)
    return "loaded" if sum(kernel.stats.cache_hits.values()) > hits else "compiled"


def _compile_expand(expand_fn, source: str, key: str) -> str:
    from pytensor.link.numba.cache import CACHED_SRC_FUNCTIONS

    from forecast.model.nutpie_wrappers import expand_cfunc

    inner = expand_fn.vm.jit_fn
    if CACHED_SRC_FUNCTIONS.get(getattr(inner, "py_func", None)) != key:
        return "skipped: PyTensor gave the rebuilt graph another cache key"
    return "loaded" if expand_cfunc(source, inner, key).cache_hits else "compiled"


def _compile_virtual_machine() -> str:
    # PyTensor's function runner in C, which it compiles into its cache the first time any
    # non-numba function is made (the fit's initial point): 0.6 s, otherwise on the fitting process
    from pytensor.link.c.cvm import CVM  # noqa: F401

    return "compiled or loaded"


def main() -> None:
    """The helper: each job read from standard input, in order, until it closes."""
    from forecast.model.numba_cache import serialize_saves
    from forecast.model.nutpie_wrappers import compile_flags

    serialize_saves()  # this process and the fitting process write the same caches
    jobs = {"kernel": _compile_kernel, "expand": _compile_expand, "runner": _compile_virtual_machine}
    stdin = sys.stdin.buffer
    with compile_flags():  # as the fitting process compiles
        while True:
            t0 = time.perf_counter()
            name = "job"
            try:
                job = pickle.load(stdin)  # (unpickling the expand function rebuilds PyTensor's graph)
                if job[0] == "file":
                    job = pickle.loads(Path(job[1]).read_bytes())
                name, *args = job
                print(f"{name} begun", flush=True)
                outcome = jobs[name](*args)
            except EOFError:
                print(f"done: {time.process_time():.2f} s of CPU", flush=True)
                return
            except Exception as exc:  # the fitting process compiles it itself
                outcome = "failed: " + f"{type(exc).__name__}: {exc}".replace("\n", " ")
            print(f"{name} {outcome} in {time.perf_counter() - t0:.2f} s", flush=True)


if __name__ == "__main__":
    main()
