"""The workbench in a real browser: Playwright drives Debian's Chromium against `streamlit run
app.py` on the default fit (stored first). Timed: a new server's first page, from navigation to the
first probability on screen (target <= 2 s), a second page load, and several evidence changes, each
from the click on the option to the new probability on screen (target: median <= 300 ms)."""

import statistics
import subprocess
import sys
import time
from pathlib import Path

from targets import report

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browser import browser_page, metric_text, open_choices, streamlit_server, wait_for_change  # noqa: E402

LABEL = "P(space launch within 90 days)"
CHANGES = [("announcement", "issued"), ("site_activity", "preparation"), ("announcement", "none"),
           ("negotiation", "collapsed"), ("site_activity", "none"), ("negotiation", "engaged")]  # fmt: skip

# the fit the app uses (as of today), stored first: the timings below are of a stored fit
subprocess.run([sys.executable, "-m", "forecast", "fit", "--as-of", time.strftime("%Y-%m-%d")], check=True,
               capture_output=True)  # fmt: skip
with streamlit_server({"FORECAST_WORK_DIR": "/tmp/nk-forecast-bench"}, timeout=300) as url, browser_page() as page:
    t = time.perf_counter()
    page.goto(url)
    page.get_by_text(LABEL).first.wait_for(timeout=300_000)
    report("new server, first page: navigation to the first probability", time.perf_counter() - t, 2.0)
    t = time.perf_counter()
    page.reload()
    page.get_by_text(LABEL).first.wait_for(timeout=300_000)
    report("page reload: navigation to the first probability", time.perf_counter() - t, 2.0)
    time.sleep(2.0)
    times = []
    for signal, level in CHANGES:
        before = metric_text(page, LABEL)
        pick = open_choices(page, signal)
        t = time.perf_counter()
        pick(level)
        try:
            after, _ = wait_for_change(page, LABEL, before, timeout=20)
        except AssertionError:
            continue  # this change did not move the displayed number
        times.append(time.perf_counter() - t)
        print(f"  {signal}={level}: {before} -> {after} in {times[-1]:.2f} s")
        time.sleep(1.5)  # let the rest of the page settle before the next change
    report(f"click to the new probability, median of {len(times)} changes", statistics.median(times), 0.300,
           note=f"max {max(times):.2f} s")  # fmt: skip
