"""The whole `forecast predict` process for one question with a warm fit cache (target < 5 s)."""

import subprocess
import sys
import time

args = [
    sys.executable,
    "-m",
    "forecast",
    "predict",
    "--as-of",
    "2012-03-17",
    "--event",
    "space_launch",
    "--window",
    "30",
    "--evidence",
    "announcement=issued",
]
subprocess.run(args, capture_output=True, check=True)  # make sure the fit is cached
times = []
for _ in range(3):
    t = time.perf_counter()
    subprocess.run(args, capture_output=True, check=True)
    times.append(time.perf_counter() - t)
print(f"forecast predict, one question, warm cache: best {min(times):.2f} s, worst {max(times):.2f} s (3 runs)")
