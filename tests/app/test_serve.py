"""The launcher `make run` uses (`python -m forecast.app.serve`): at start-up it does what a new
session's first Forecast page would do before its first number, in the very caches the page then
reads, and never samples. Checked in fresh interpreters with the sampler stubbed to fail."""

import json
import os
import subprocess
import sys
from pathlib import Path

from probes import NO_SAMPLER

from forecast.app import serve

ROOT = Path(__file__).resolve().parent.parent.parent

WARM_PROBE = NO_SAMPLER + r"""
import forecast.app.common as common
made = []
real_context = common.context
common.context = lambda *a, **k: made.append(1) or real_context(*a, **k)  # counts the inputs loaded
from forecast.app import serve
line = serve.warm()
from forecast.data.analyst_records import stamp
ctx = common._context(common.DEFAULTS["priors_file"], stamp())
warmed = {"fits": len(ctx.store._memory), "answerers": len(ctx._answerers)}
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=120).run()  # a first page, in the same process
print(json.dumps({
    "line": line, "warmed": warmed, "contexts": len(made),
    "after_page": {"fits": len(ctx.store._memory), "answerers": len(ctx._answerers)},
    "errors": [str(e.value) for e in at.exception], "shown": [m.value for m in at.metric],
    "imported": [m for m in serve.page_imports() if m not in sys.modules],
    "heavy": heavy_imported(),
}))
"""


def probe(env: dict) -> dict:
    env = {k: str(v) for k, v in env.items() if k != "base"}
    out = subprocess.run(
        [sys.executable, "-c", WARM_PROBE, str(ROOT / "app.py")], capture_output=True, text=True, timeout=300,
        cwd=ROOT, env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_page_imports_are_the_pages_absolute_imports():
    names = serve.page_imports()
    assert {"streamlit", "forecast.app.common", "forecast.answers.workbench"} <= set(names)
    assert all(name and not name.startswith(".") for name in names)


def test_the_launcher_warms_the_first_page_in_the_pages_own_caches(app_env):
    """With the fit for today stored: the inputs are loaded once, the fit and its answerer are in
    memory before any page, and the first page adds neither (it used them); PyMC is never imported."""
    report = probe(app_env)
    assert "stored fit" in report["line"] and "loaded" in report["line"], report["line"]
    assert report["warmed"] == {"fits": 1, "answerers": 1}
    assert report["contexts"] == 1  # the page's call was answered by the launcher's cache entry
    assert report["after_page"] == report["warmed"]
    assert report["errors"] == [] and report["shown"]
    assert report["imported"] == [] and report["heavy"] == []


def test_without_a_stored_fit_the_launcher_loads_the_inputs_and_samples_nothing(app_env, tmp_path):
    """No fit for today: the start-up stops after the inputs (the page then fits with its progress bar)."""
    empty = tmp_path / "no-fits"
    empty.mkdir()
    env = {**app_env, "FORECAST_CACHE_DIR": empty}
    run = subprocess.run(
        [sys.executable, "-c", "import json; from forecast.app import serve; print(json.dumps(serve.warm()))"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
        env={**os.environ, **{k: str(v) for k, v in env.items() if k != "base"}, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert "no stored fit" in report, report
    assert list(empty.iterdir()) == []


def test_a_failing_warm_up_is_reported_and_the_server_still_starts(monkeypatch, capsys):
    """Warming only saves time: a fault in it (here a damaged store) must not keep the app from starting."""
    import forecast.app.common as common

    def broken():
        raise OSError("store unreadable")

    monkeypatch.setattr(common, "warm_start", broken)
    assert serve.warm().startswith("not warmed (OSError: store unreadable)")
    assert "Traceback" in capsys.readouterr().err


def test_the_launcher_keeps_the_server_free_for_a_first_page():
    """No source-file watcher (it walked every imported module's path on the event loop after each
    session's first run) and the start-up objects frozen out of the garbage collector (a full
    collection of them fell in the first page's run)."""
    assert serve.CONFIG["server.fileWatcherType"] == "none"
    assert serve.CONFIG["browser.gatherUsageStats"] is False  # an analyst's browser sends nothing out
    code = "import gc; from forecast.app import serve; serve.freeze(); print(gc.get_freeze_count())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)  # fmt: skip
    assert int(out.stdout.strip()) > 10_000
