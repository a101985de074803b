"""Back-tests from a cold fit cache on this machine's cores, each wall time next to its target:
`--quick` (<= 45 s), the default (monthly origins, quarterly refits, warning origins; <= 3 min),
weekly origins with monthly refits plus the warning origins (<= 10 min), and the quick run on a
Dask LocalCluster, whose forecasts must equal the local run's. Pass names to run only some:
quick, default, weekly, dask."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from targets import report

RUNS = {
    "quick": (["--quick"], 45.0),
    "default": ([], 180.0),
    "weekly": (["--origins", "weekly", "--refit", "monthly"], 600.0),
}


def backtest(args: list[str], out: Path, cache: str) -> float:
    t = time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-m", "forecast", "backtest", "--out", str(out), *args],
        env={**os.environ, "FORECAST_CACHE_DIR": cache},
        capture_output=True,
        text=True,
    )
    if res.returncode:
        print(res.stderr[-2000:])
        sys.exit(1)
    return time.perf_counter() - t


def main() -> None:
    """Run the back-tests named on the command line (all by default)."""
    which = sys.argv[1:] or ["quick", "dask", "default", "weekly"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name in which:
            if name == "dask":
                continue
            args, target = RUNS[name]
            wall = backtest(args, tmp / name, tempfile.mkdtemp(dir=tmp))
            n = len(pd.read_csv(tmp / name / "forecasts.csv"))
            report(f"backtest {name} ({n:,} forecasts), cold fit cache", wall, target)
        if "dask" in which:
            from distributed import LocalCluster

            local = tmp / "quick"
            if not local.exists():
                backtest(RUNS["quick"][0], local, tempfile.mkdtemp(dir=tmp))
            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
                args = [*RUNS["quick"][0], "--dask", cluster.scheduler_address]
                wall = backtest(args, tmp / "dask", tempfile.mkdtemp(dir=tmp))
            a, b = (pd.read_csv(d / "forecasts.csv") for d in (local, tmp / "dask"))
            same = a.equals(b)
            verdict = "yes" if same else "NO"
            print(f"backtest quick on a Dask LocalCluster (2 workers): {wall:.1f} s; same forecasts: {verdict}")


if __name__ == "__main__":  # Dask's worker processes import this file: run nothing there
    main()
