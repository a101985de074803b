"""The workbench's rerun path, server side: the time for the Forecast page to redraw after an
evidence change, a window change and an event-type change, measured with Streamlit's AppTest on
the default fit (full sampler settings; fitted once and cached, like the app). Target: well under
a second, with no sampling in the rerun path."""

import statistics
import sys
import time
from pathlib import Path

import pymc as pm
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")

at = AppTest.from_file(APP, default_timeout=600)
t = time.perf_counter()
at.run()
print(f"first run (fit from the disk cache, or sampled): {time.perf_counter() - t:.2f} s")
assert not at.exception, at.exception


def no_sampling(*args, **kwargs):
    raise AssertionError("the rerun path sampled")


pm.sample = no_sampling  # any sampling from here on fails the bench
changes = [
    ("announcement", "issued"), ("site_activity", "preparation"), ("negotiation", "collapsed"),
    ("announcement", "none"), ("rhetoric", "threatening"), ("sanctions", "tightening"),
    ("moratorium", "in_force"), ("site_activity", "imminent"), ("negotiation", "engaged"), ("rhetoric", "neutral"),
]  # fmt: skip
times = []
for signal, level in changes:
    t = time.perf_counter()
    at.selectbox(key=f"ev_level_{signal}").set_value(level).run()
    times.append(time.perf_counter() - t)
    assert not at.exception, at.exception
print(
    f"evidence change, Forecast page rerun ({len(times)} changes): median {statistics.median(times):.3f} s, "
    f"max {max(times):.3f} s"
)
wtimes = []
for w in (30, 180, 365, 90):
    t = time.perf_counter()
    at.number_input(key="w_window").set_value(w).run()
    wtimes.append(time.perf_counter() - t)
print(f"window change: median {statistics.median(wtimes):.3f} s, max {max(wtimes):.3f} s")
etimes = []
for events in (["nuclear_test"], ["any", "engine_test"], ["space_launch", "ballistic_missile"]):
    t = time.perf_counter()
    at.multiselect(key="w_events").set_value(events).run()
    etimes.append(time.perf_counter() - t)
print(f"event-type change: median {statistics.median(etimes):.3f} s, max {max(etimes):.3f} s")
sys.exit(0)
