"""The whole `forecast predict` process for one question with a stored fit (target <= 2 s), and
what it imports (neither PyMC nor ArviZ: answers are arithmetic over stored draws)."""

import subprocess
import sys
import time

from targets import report

args = [sys.executable, "-m", "forecast", "predict", "--as-of", "2012-03-17", "--event", "space_launch",
        "--window", "30", "--evidence", "announcement=issued"]  # fmt: skip
subprocess.run(args, capture_output=True, check=True)  # make sure the fit is stored
times = []
for _ in range(5):
    t = time.perf_counter()
    subprocess.run(args, capture_output=True, check=True)
    times.append(time.perf_counter() - t)
report("forecast predict, one question, stored fit (median of 5)", sorted(times)[2], 2.0,
       note=f"best {min(times):.2f} s, worst {max(times):.2f} s")  # fmt: skip
probe = subprocess.run([sys.executable, "-X", "importtime", *args[1:]], capture_output=True, text=True, check=True)
heavy = sorted({m for m in ("pymc", "pytensor", "arviz", "nutpie", "xarray") if f" {m}\n" in probe.stderr})
print(f"heavy modules imported by the answer path: {', '.join(heavy) or 'none'} (target: none)")
