"""First fit on all the data from a cold fit cache, in a fresh process (includes PyTensor
compilation unless PyTensor's own compile cache is warm: run with a fresh PYTENSOR_FLAGS
compiledir to measure the fully cold case). Prints the figures."""

import os
import subprocess
import sys
import tempfile
import time

from forecast.data.dataset import load_reach

# all the data: the first day the record does not cover (data/record.toml)
as_of = sys.argv[1] if len(sys.argv) > 1 else str(load_reach().first_unknown.date())
with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as compiledir:
    for label, flags in (
        ("cold PyTensor compile cache", f"base_compiledir={compiledir}"),
        ("warm PyTensor compile cache", f"base_compiledir={compiledir}"),
    ):
        env = {**os.environ, "FORECAST_CACHE_DIR": tempfile.mkdtemp(dir=cache), "PYTENSOR_FLAGS": flags}
        t = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "forecast", "fit", "--as-of", as_of], env=env, capture_output=True, text=True
        )
        wall = time.perf_counter() - t
        if out.returncode != 0:
            print(out.stderr)
            sys.exit(1)
        print(f"first fit as of {as_of}, cold fit cache, {label}: {wall:.1f} s wall")
        print("   ", out.stdout.strip().splitlines()[-1])
