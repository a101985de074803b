"""Helpers to run the app as `make run` does and drive it with Playwright and Debian's Chromium
(shared by the browser test and bench/bench_browser.py). Never calls `playwright install`."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("FORECAST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(env: dict[str, str], timeout: float = 180.0):
    """The app as `make run` starts it (`python -m forecast.app.serve`, which warms the first page
    before it answers) on a free local port; yields its URL once healthy; stops it afterwards."""
    port = free_port()
    cmd = [sys.executable, "-m", "forecast.app.serve", "--address", "127.0.0.1", "--port", str(port)]
    log_path = Path(env.get("FORECAST_WORK_DIR", "/tmp")).parent / f"streamlit-{port}.log"
    log = open(log_path, "w")  # noqa: SIM115
    env = {**os.environ, **env}  # (usage statistics are the launcher's to turn off: the browser test checks)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start; see {log.name}")
            time.sleep(0.3)
        yield url
    except BaseException:
        failed = True
        raise
    else:
        failed = False
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        if not failed:  # the log is kept only when something went wrong
            log_path.unlink(missing_ok=True)


@contextmanager
def browser_page(width: int = 1500, height: int = 2400):
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        raise RuntimeError("Chromium not found: `make test` installs Debian's chromium (apt-get install -y chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
            yield page
        finally:
            browser.close()


def metric_text(page, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def open_choices(page, combobox: str):
    """Open a selectbox; returns a function that picks an option (so a timer can start just before)."""
    page.get_by_role("combobox", name=combobox, exact=True).click()
    # the data's level is shown as "LEVEL  · data"
    return lambda option: page.get_by_role("option", name=re.compile(rf"^{re.escape(option)}(\s+· data)?$")).click()


def wait_for_change(page, label: str, before: str, timeout: float = 30.0) -> tuple[str, float]:
    """Wait until the metric's text differs from ``before``; returns it and the seconds waited."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        now = metric_text(page, label)
        if now != before:
            return now, time.perf_counter() - t0
        time.sleep(0.02)
    raise AssertionError(f"{label} stayed at {before} for {timeout} s")
