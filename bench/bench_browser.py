"""The workbench in a real browser: Playwright drives Debian's Chromium against the app on the
default fit (stored first). Timed: a new server's first page, from navigation to the
first probability on screen (target <= 2 s; with its breakdown in the browser), a second page load,
and several evidence changes, each from the click on the option to the new probability painted
(target: median <= 300 ms), timed in the browser itself. The server is started as `make run` starts
it (`python -m forecast.app.serve`, tests/browser.py).

Then the first start on a fresh clone (target: a number within 20 s, a progress bar meanwhile): a
new server with an empty fit cache, once with this machine's compile caches as they are and once
with empty ones (a fresh PyTensor base_compiledir and NUMBA_CACHE_DIR: a machine's very first run),
each timed from navigation to the first probability. `--skip-first-start` leaves those out."""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from targets import report

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browser import browser_page, metric_text, open_choices, streamlit_server  # noqa: E402

LABEL = "P(space launch within 90 days)"
# Timed inside the browser: from the pointer going down on the option to the first frame painted
# after the probability's text changed (a MutationObserver, then requestAnimationFrame), so that
# the driver's own round trips are not counted.
WATCH = """([label, before]) => {
  const value = () => {
    const m = [...document.querySelectorAll('[data-testid="stMetric"]')].find(e => e.innerText.includes(label));
    return m ? m.querySelector('[data-testid="stMetricValue"]').innerText.trim() : before;
  };
  window.__bench = {};
  document.addEventListener("pointerdown", () => { window.__bench.click = performance.now(); },
                            {capture: true, once: true});
  const seen = new MutationObserver(() => {
    if (window.__bench.click !== undefined && value() !== before) {
      seen.disconnect();
      requestAnimationFrame(() => { window.__bench.shown = performance.now(); });
    }
  });
  seen.observe(document.body, {subtree: true, childList: true, characterData: true});
}"""
# In-browser marks of a page load, in seconds from the navigation's start (installed before the page's
# own scripts run): Streamlit's scripts parsed (DOMContentLoaded), the first message from the server
# on the app's websocket, and the first frame painted with the probability on screen. A breakdown of
# the figure timed by the driver, which also counts Playwright's own round trips.
LOAD_MARKS = """(label) => {
  const marks = window.__load = {};
  const now = () => performance.now() / 1000;
  document.addEventListener("DOMContentLoaded", () => {
    marks.scripts = now();
    const seen = new MutationObserver(() => {
      const m = [...document.querySelectorAll('[data-testid="stMetric"]')].find(e => e.innerText.includes(label));
      if (m) { seen.disconnect(); requestAnimationFrame(() => { marks.shown = now(); }); }
    });
    seen.observe(document.body, {subtree: true, childList: true, characterData: true});
  });
  const Socket = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new Socket(...args);
    ws.addEventListener("message", () => { marks.message ??= now(); });
    return ws;
  };
  window.WebSocket.prototype = Socket.prototype;
  Object.assign(window.WebSocket, Socket);
}"""


def load_breakdown(page) -> str:
    """The in-browser marks of the page load just made, as one line."""
    page.wait_for_function("window.__load && window.__load.shown")
    m = page.evaluate("window.__load")
    return (f"  in the browser, from the navigation's start: scripts parsed {m['scripts']:.2f} s, first message "
            f"from the server {m['message']:.2f} s, probability painted {m['shown']:.2f} s")  # fmt: skip


CHANGES = [("announcement", "issued"), ("site_activity", "preparation"), ("announcement", "none"),
           ("negotiation", "collapsed"), ("site_activity", "none"), ("negotiation", "engaged")]  # fmt: skip

# the fit the app uses (as of today), stored first: the timings below are of a stored fit
BENCH_WORK = {"FORECAST_WORK_DIR": "/tmp/nk-forecast-bench"}  # the server's and the fit's: the same analyst records
subprocess.run([sys.executable, "-m", "forecast", "fit", "--as-of", time.strftime("%Y-%m-%d")], check=True,
               capture_output=True, env={**os.environ, **BENCH_WORK})  # fmt: skip
with streamlit_server(BENCH_WORK, timeout=300) as url, browser_page() as page:
    page.add_init_script(f"({LOAD_MARKS})({LABEL!r})")
    t = time.perf_counter()
    page.goto(url)
    page.get_by_text(LABEL).first.wait_for(timeout=300_000)
    report("new server, first page: navigation to the first probability", time.perf_counter() - t, 2.0)
    print(load_breakdown(page))
    t = time.perf_counter()
    page.reload()
    page.get_by_text(LABEL).first.wait_for(timeout=300_000)
    report("page reload: navigation to the first probability", time.perf_counter() - t, 2.0)
    print(load_breakdown(page))
    time.sleep(2.0)
    times = []
    for signal, level in CHANGES:
        before = metric_text(page, LABEL)
        pick = open_choices(page, signal)
        page.evaluate(WATCH, [LABEL, before])
        pick(level)
        try:
            page.wait_for_function("window.__bench && window.__bench.shown", timeout=20_000)
        except Exception:
            continue  # this change did not move the displayed number
        t = page.evaluate("window.__bench")
        times.append((t["shown"] - t["click"]) / 1000)
        print(f"  {signal}={level}: {before} -> {metric_text(page, LABEL)} in {times[-1]:.3f} s")
        time.sleep(1.5)  # let the rest of the page settle before the next change
    report(f"click to the new probability, median of {len(times)} changes", statistics.median(times), 0.300,
           note=f"max {max(times):.3f} s")  # fmt: skip


def first_start(label: str, env: dict[str, str]) -> None:
    """A new server without a stored fit: navigation to the first probability, the status box seen."""
    with streamlit_server(env, timeout=300) as url, browser_page() as page:
        t = time.perf_counter()
        page.goto(url)
        page.get_by_text("Fitting the model on the record before").first.wait_for(timeout=60_000)
        status = time.perf_counter() - t
        page.get_by_text(LABEL).first.wait_for(timeout=300_000)
        report(f"first start, {label}: navigation to the first probability", time.perf_counter() - t, 20.0,
               note=f"fitting note and progress bar on screen after {status:.1f} s")  # fmt: skip


if "--skip-first-start" not in sys.argv:
    with tempfile.TemporaryDirectory() as tmp:
        fresh = {"FORECAST_WORK_DIR": f"{tmp}/work", "FORECAST_CACHE_DIR": f"{tmp}/fits-1"}
        # this machine's compile cache holds the model as the code now is: a fit into a throwaway
        # fit cache compiles it if it has changed since (a stored fit would compile nothing)
        throwaway = {**os.environ, **fresh, "FORECAST_CACHE_DIR": f"{tmp}/fits-0"}
        subprocess.run([sys.executable, "-m", "forecast", "fit", "--as-of", time.strftime("%Y-%m-%d")], check=True,
                       capture_output=True, env=throwaway)  # fmt: skip
        first_start("empty fit cache, this machine's compile cache", fresh)
        first_start("a machine's very first run (empty fit and compile caches)", {
            **fresh, "FORECAST_CACHE_DIR": f"{tmp}/fits-2",
            "PYTENSOR_FLAGS": ",".join(filter(None, [os.environ.get("PYTENSOR_FLAGS"), f"base_compiledir={tmp}/c"])),
            "NUMBA_CACHE_DIR": f"{tmp}/numba"})  # fmt: skip
