"""End to end in a real browser: Playwright driving Debian's Chromium against `streamlit run app.py`."""

import json
import time
from urllib.parse import urlparse

import pandas as pd
import pytest
from browser import ROOT, browser_page, chromium_path, metric_text, open_choices, streamlit_server, wait_for_change

LABEL = "P(space launch within 90 days)"
ARTIFACTS = ROOT / "test-artifacts" / "browser"


@pytest.mark.timeout(600)
def test_set_a_signal_see_the_number_change_download_the_table(app_env):
    assert chromium_path(), "Chromium is missing: `make test` installs Debian's chromium package"
    env = {k: v for k, v in app_env.items() if k.startswith("FORECAST_")}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(env) as url, browser_page() as page:
        outside = []  # requests and websockets from the analyst's browser to anywhere but this server
        here = urlparse(url)

        def note(address: str) -> None:
            u = urlparse(address)
            if u.scheme in ("http", "https", "ws", "wss") and (u.hostname, u.port) != (here.hostname, here.port):
                outside.append(address)

        page.context.on("request", lambda r: note(r.url))
        page.on("websocket", lambda ws: note(ws.url))
        page.goto(url)
        page.get_by_text(LABEL).first.wait_for(timeout=240_000)
        before = metric_text(page, LABEL)
        pick = open_choices(page, "announcement")
        t0 = time.perf_counter()
        pick("issued")
        after, _ = wait_for_change(page, LABEL, before)
        click_to_number = time.perf_counter() - t0
        assert float(after.strip("<%")) > float(before.strip("<%"))
        page.get_by_text("set by you").first.wait_for()

        with page.expect_download() as info:
            page.get_by_role("button", name="Forecast table (CSV)").click()
        table = pd.read_csv(info.value.path())
        assert set(table["event"]) == {
            "space_launch", "long_range_missile", "ballistic_missile", "nuclear_test", "engine_test", "any",
        }  # fmt: skip
        assert {"probability", "lower", "upper", "band", "data_hash", "priors_hash", "model_version"} <= set(table)
        assert table["evidence"].str.contains("announcement=issued").all()
        shown = table[(table["event"] == "space_launch") & (table["window_days"] == 90)]["probability"].iloc[0]
        assert f"{shown:.0%}" == after or f"{shown:.1%}" == after

        time.sleep(1.0)  # let the charts finish drawing
        page.screenshot(path=str(ARTIFACTS / "forecast.png"), full_page=True)
        (ARTIFACTS / "timing.json").write_text(
            json.dumps({"before": before, "after": after, "click_to_number_s": round(click_to_number, 3)}, indent=2)
        )
        assert not outside, f"the page sent requests outside the app: {outside}"
        print(f"\nclick to updated number: {click_to_number:.2f} s ({before} -> {after}); screenshot in {ARTIFACTS}")
