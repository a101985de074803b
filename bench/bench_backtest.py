"""The back-test from a cold fit cache: `--quick` (target < 2 min) and the default run
(target < 10 min). Prints wall times; pass `quick` or `default` to run only one."""

import os
import subprocess
import sys
import tempfile
import time

which = sys.argv[1:] or ["quick", "default"]
for mode in which:
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as out:
        args = [sys.executable, "-m", "forecast", "backtest", "--out", out] + (["--quick"] if mode == "quick" else [])
        t = time.perf_counter()
        res = subprocess.run(args, env={**os.environ, "FORECAST_CACHE_DIR": cache}, capture_output=True, text=True)
        wall = time.perf_counter() - t
        if res.returncode:
            print(res.stderr[-2000:])
            sys.exit(1)
        print(f"backtest {mode}, cold fit cache: {wall:.0f} s wall")
        print(res.stdout)
