"""The first fit on all the data, from a cold and from a warm compile cache, each in a fresh process
with an empty fit cache, against the targets (fit at most 15 s on a machine's very first run, at
most 8 s once the compiled code is cached) and the diagnostic thresholds.

cold: a fresh PyTensor base_compiledir (its C cache and its numba cache, which also holds the
      compiled nutpie wrappers: forecast/model/nutpie_wrappers.py) and a fresh NUMBA_CACHE_DIR;
      the fit starts a helper process that compiles part of the model meanwhile
      (forecast/model/compile_ahead.py), whose report is printed under the line, with its CPU time
      (not counted in "fit CPU"); FORECAST_COMPILE_AHEAD=0 in the environment turns it off;
warm: the same directories again, i.e. the second process on the machine.

Each child loads the data (without the analyst's own records) and fits as `forecast fit` does.
"process" is the child's wall time from start to exit (interpreter, imports, data, fit); "fit" is
the fit itself (compiling + sampling + diagnostics), which is what the app waits for; "compile" is
the part of it spent compiling the model; "fit CPU" the CPU time of the fit over all threads (the
chains run on one thread each, so on an idle 2-core machine sampling takes about half its CPU
time). The machine's load average is printed: another busy process on a 2-core machine slows
sampling, so repeat runs (--repeat).

    python bench/bench_fit.py [AS_OF ...] [--sampler nutpie|pymc] [--target-accept T] [--repeat N] [--seed S]
"""

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time

TARGET = {"cold": 15.0, "warm": 8.0}


def child(as_of: str, sampler: str, seed: int, target_accept: float | None) -> None:
    t0 = time.perf_counter()
    import logging

    ahead: list[str] = []  # the report of the helper process that compiles ahead, if one ran

    class Heard(logging.Handler):
        def emit(self, record) -> None:
            ahead.append(record.getMessage())

    helper_log = logging.getLogger("forecast.model.compile_ahead")
    helper_log.setLevel(logging.INFO)
    helper_log.addHandler(Heard())
    from forecast.answers.service import context
    from forecast.model.posterior import ESS_MIN, RHAT_MAX, SamplerSettings

    settings = SamplerSettings(sampler=sampler)
    if target_accept is not None:
        settings = dataclasses.replace(settings, target_accept=target_accept)
    ctx = context(seed=seed, settings=settings, records=False)
    t1 = time.perf_counter()
    cpu = time.process_time()
    fit = ctx.fit(as_of)
    d = fit.diagnostics
    out = {
        "as_of": fit.as_of,
        "setup": t1 - t0,
        "fit": d.seconds,
        "compile": d.compile_seconds,
        "sampling": d.seconds - d.compile_seconds,
        "cpu": time.process_time() - cpu,
        "rhat_max": d.rhat_max,
        "ess_bulk_min": d.ess_bulk_min,
        "ess_tail_min": d.ess_tail_min,
        "divergences": d.divergences,
        "rhat_ok": d.rhat_max <= RHAT_MAX,
        "ess_ok": min(d.ess_bulk_min, d.ess_tail_min) >= ESS_MIN,
        "draw": float(fit.posterior.alpha[:10].sum()),  # a fingerprint of the draws
        "settings": str(ctx.settings),
        "ahead": ahead,
    }
    print("RESULT " + json.dumps(out))


def run(as_of: str, sampler: str, seed: int, target_accept: float | None, env: dict) -> dict:
    t = time.perf_counter()
    extra = [] if target_accept is None else ["--target-accept", str(target_accept)]
    out = subprocess.run(
        [sys.executable, __file__, "--child", as_of, "--sampler", sampler, "--seed", str(seed), *extra],
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t
    if out.returncode != 0:
        print(out.stderr)
        sys.exit(1)
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :]) | {"process": wall}


def mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("as_of", nargs="*")
    ap.add_argument("--sampler", default="nutpie", choices=("nutpie", "pymc"))
    ap.add_argument("--repeat", type=int, default=1, help="warm runs (and cold runs) per as-of date")
    ap.add_argument("--seed", type=int, default=20260101)
    ap.add_argument("--target-accept", type=float, help="default: SamplerSettings' (pm.sample needs 0.98)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args.as_of[0], args.sampler, args.seed, args.target_accept)

    from forecast.data.dataset import load_reach
    from forecast.model.posterior import ESS_MIN, RHAT_MAX

    # all the data: the first day the record does not cover (data/record.toml)
    dates = args.as_of or [str(load_reach().first_unknown.date())]
    print(f"sampler {args.sampler}, seed {args.seed}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    head = f"{'as of':<11} {'cache':<5} {'process':>8} {'fit':>6} {'target':>7}"
    print(f"{head}     {'compile':>7} {'sampling':>8} {'fit CPU':>7}  diagnostics")
    fingerprints = {}
    for as_of in dates:
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as tmp:
                env = {
                    **os.environ,
                    "PYTENSOR_FLAGS": f"base_compiledir={tmp}/pytensor",
                    "NUMBA_CACHE_DIR": f"{tmp}/numba",
                }
                for label in ("cold", "warm"):
                    env["FORECAST_CACHE_DIR"] = tempfile.mkdtemp(dir=tmp)
                    r = run(as_of, args.sampler, args.seed, args.target_accept, env)
                    fingerprints.setdefault(as_of, set()).add(r["draw"])
                    print(
                        f"{r['as_of']:<11} {label:<5} {r['process']:7.1f}s {r['fit']:5.1f}s {TARGET[label]:5.0f} s "
                        f"{mark(r['fit'] <= TARGET[label]):>6} {r['compile']:6.1f}s {r['sampling']:7.1f}s "
                        f"{r['cpu']:6.1f}s  "
                        f"R-hat {r['rhat_max']:.4f} (<= {RHAT_MAX} {mark(r['rhat_ok'])}), "
                        f"ESS bulk {r['ess_bulk_min']:.0f} / tail {r['ess_tail_min']:.0f} "
                        f"(>= {ESS_MIN} {mark(r['ess_ok'])}), "
                        f"divergences {r['divergences']} ({mark(r['divergences'] == 0)})",
                        flush=True,
                    )
                    for line in r["ahead"]:
                        print(f"    {line}")
    print(f"settings: {r['settings']}")
    for as_of, seen in fingerprints.items():
        print(f"draws as of {as_of}: {'identical in every process' if len(seen) == 1 else 'DIFFER between processes'}")


if __name__ == "__main__":
    main()
