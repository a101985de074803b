"""Click to updated number in a real browser: Playwright drives Debian's Chromium against
`streamlit run app.py` on the default fit (fitted first if not cached). Each of several evidence
changes is timed from the click on the option to the new probability on screen."""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browser import browser_page, metric_text, open_choices, streamlit_server, wait_for_change  # noqa: E402

LABEL = "P(space launch within 90 days)"
CHANGES = [("announcement", "issued"), ("site_activity", "preparation"), ("announcement", "none"),
           ("negotiation", "collapsed"), ("site_activity", "none"), ("negotiation", "engaged")]  # fmt: skip

with streamlit_server({"FORECAST_WORK_DIR": "/tmp/nk-forecast-bench"}, timeout=300) as url, browser_page() as page:
    t = time.perf_counter()
    page.goto(url)
    page.get_by_text(LABEL).first.wait_for(timeout=300_000)
    print(f"page load to first number: {time.perf_counter() - t:.2f} s")
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
    median, worst = statistics.median(times), max(times)
    print(f"click to updated number ({len(times)} changes): median {median:.2f} s, max {worst:.2f} s")
