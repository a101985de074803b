"""The workbench's rerun path, server side (Streamlit's AppTest, the default fit, stored first):
the Forecast page redrawn after an evidence, a window and an event-type change (target: median
<= 150 ms), with a profile of one rerun, and proof that the path neither samples nor imports PyMC."""

import cProfile
import io
import pstats
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path

from streamlit.testing.v1 import AppTest
from targets import report

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# the fit the app uses (as of today: cut at the record's end), stored first by another process, so
# that anything of the sampler this process imports was imported by the app
subprocess.run([sys.executable, "-m", "forecast", "fit", "--as-of", time.strftime("%Y-%m-%d")], check=True,
               capture_output=True)  # fmt: skip


def no_sampling(*args, **kwargs):
    raise AssertionError("the app sampled")


# any fit the app would sample fails the bench (and importing the real sampler would import PyMC)
stub = types.ModuleType("forecast.model.sampling")
stub.sample = no_sampling
sys.modules["forecast.model.sampling"] = stub
at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
t = time.perf_counter()
at.run()
assert not at.exception, at.exception
print(f"first run of the Forecast page, fit from the disk: {time.perf_counter() - t:.2f} s")
changes = [
    ("announcement", "issued"), ("site_activity", "preparation"), ("negotiation", "collapsed"),
    ("announcement", "none"), ("rhetoric", "threatening"), ("sanctions", "tightening"),
    ("moratorium", "in_force"), ("site_activity", "imminent"), ("negotiation", "engaged"), ("rhetoric", "neutral"),
]  # fmt: skip
times, profile = [], cProfile.Profile()
for i, (signal, level) in enumerate(changes):
    t = time.perf_counter()
    if i == 1:
        profile.enable()
    at.selectbox(key=f"ev_level_{signal}").set_value(level).run()
    if i == 1:
        profile.disable()
    times.append(time.perf_counter() - t)
    assert not at.exception, at.exception
report(f"evidence change, Forecast page rerun, median of {len(times)}", statistics.median(times), 0.150,
       note=f"max {max(times):.3f} s")  # fmt: skip
wtimes = []
for w in (30, 180, 365, 90):
    t = time.perf_counter()
    at.number_input(key="w_window").set_value(w).run()
    wtimes.append(time.perf_counter() - t)
report("window change, median", statistics.median(wtimes), 0.150, note=f"max {max(wtimes):.3f} s")
etimes = []
for events in (["nuclear_test"], ["any", "engine_test"], ["space_launch", "ballistic_missile"]):
    t = time.perf_counter()
    at.multiselect(key="w_events").set_value(events).run()
    etimes.append(time.perf_counter() - t)
report("event-type change, median", statistics.median(etimes), 0.150, note=f"max {max(etimes):.3f} s")
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"pymc", "pytensor", "arviz", "nutpie"})
print(f"modules of the sampler imported by the app: {', '.join(heavy) or 'none'} (target: none)")
out = io.StringIO()
pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(r"forecast/", 14)
print("profile of one rerun (site_activity=preparation), the project's functions by cumulative time:")
print("\n".join(line for line in out.getvalue().splitlines() if "forecast/" in line or "ncalls" in line))
