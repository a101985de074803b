"""Fixtures shared by every test module (the one place for them).

Fits. Sampling is the one expensive thing the tests do, so a session makes at most two real fits,
both with the small settings ``TINY`` and the default seed:

- ``small_fit``: trained on the record before 2012-03-17 (the day after KCNA's notice of the Unha-3
  launch window). Every test that needs a fitted posterior uses it; a test about a later date
  answers with it at that date (``Answerer(ds, priors, small_fit, as_of=later)``: a later as-of with
  an earlier fit never looks ahead).
- ``app_fit``: trained on the whole record (the workbench opens on today's date, past the record's
  end). Only the workbench tests and the browser test use it.

Both live in ``fit_cache`` ($FORECAST_CACHE_DIR, else .cache/test-fits in the project), so a later
session reads them back instead of sampling again. A fit's identity includes the data's hash, the
prior file's hash, the model version and the sampler settings, so a stale file is never served.
When the selected tests need a fit that is not there, one background process makes it while the
tests that need no fit run first (tests run bottom-up by layer: tests/core ... tests/app).

Tests of what is *done* with fits (back-tests, episode replays, one fit per as-of date, the cache's
refit) use ``fake_sampler``: every fit that would be sampled gets ``small_fit``'s draws under its own
identity instead, and such a fit is never written outside pytest's temporary directory (so never to
``fit_cache`` or the app's cache). Tests of the answers' arithmetic use synthetic posteriors from the
prior file (``prior_fit``), no sampler at all.

The code's model version and data hash are part of a stored fit's identity, but the sampler's code is
not: after changing the graph or the sampler without bumping MODEL_VERSION, start with an empty cache.

Nothing here sets an environment variable for longer than one test: ``cli_env``, ``work_dir``,
``fake_sampler`` and ``app_env`` use ``monkeypatch``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from forecast.core.limits import DEFAULT_SEED
from forecast.model.posterior import SamplerSettings

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
DATA = ROOT / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
APP = str(ROOT / "app.py")

#: The small sampler settings of every real fit in the tests (defined here only).
TINY = SamplerSettings(draws=100, tune=150, chains=2, cores=1)
#: The same settings as the command line spells them (chains and target acceptance are defaults;
#: ``cores`` is not part of a fit's identity), so CLI runs find the session's fits on disk.
TINY_FLAGS = ("--draws", str(TINY.draws), "--tune", str(TINY.tune))
#: The same settings as the workbench reads them from the environment.
TINY_ENV = {"FORECAST_DRAWS": str(TINY.draws), "FORECAST_TUNE": str(TINY.tune), "FORECAST_CHAINS": str(TINY.chains)}
#: The training cut of ``small_fit``.
SMALL_FIT_AS_OF = "2012-03-17"


#: The package's layers, bottom up: test folders run in this order.
LAYERS = ("core", "data", "model", "answers", "workspace", "evaluation", "cli", "app")


# ---------------------------------------------------------------- the session: order and fits


def _fit_cache_path() -> Path:
    env = os.environ.get("FORECAST_CACHE_DIR")
    return Path(env) if env else ROOT / ".cache" / "test-fits"


def _cuts() -> dict[str, str]:
    """The training cut of each of the session's real fits, by fixture name."""
    from forecast.answers.service import fit_cut
    from forecast.data.dataset import load_reach

    return {"small_fit": SMALL_FIT_AS_OF, "app_fit": fit_cut(dt.date.today(), load_reach()).date().isoformat()}


_BACKGROUND: dict[str, subprocess.Popen] = {}
_FIT_SCRIPT = """
import sys
from forecast.core.limits import DEFAULT_SEED
from forecast.data.dataset import load_dataset
from forecast.model.fitted import FitStore
from forecast.model.posterior import SamplerSettings
from forecast.model.priors import load_priors

cache, draws, tune, chains, *cuts = sys.argv[1:]
ds, priors = load_dataset(), load_priors()
store = FitStore(cache)
settings = SamplerSettings(draws=int(draws), tune=int(tune), chains=int(chains), cores=1)
for cut in cuts:
    store.get(ds, priors, cut, settings, DEFAULT_SEED)
"""


def pytest_collection_modifyitems(config, items):
    """Run the tests bottom-up by layer (tests/core first, tests/app last), and when the selected
    tests need real fits that are not in the cache yet, make them in one background process while
    the tests that need none run (the fixtures wait for it; see ``_wait_for_background``)."""

    def rank(item) -> int:
        parts = Path(str(item.path)).resolve().relative_to(TESTS).parts
        return LAYERS.index(parts[0]) if len(parts) > 1 and parts[0] in LAYERS else -1

    items.sort(key=rank)
    first_use = {}
    for i, item in enumerate(items):
        for name in ("small_fit", "app_fit"):
            if name in item.fixturenames:
                first_use.setdefault(name, i)
    needed = sorted(first_use, key=first_use.get)  # in the order the tests will ask for them
    if not needed or config.option.collectonly:
        return
    from forecast.data.dataset import load_dataset
    from forecast.model.fitted import FitStore, identity
    from forecast.model.priors import load_priors

    cache = _fit_cache_path()
    ds, priors, cuts = load_dataset(), load_priors(), _cuts()
    store = FitStore(cache)
    missing = [cuts[n] for n in needed if store.load(identity(ds, priors, TINY, DEFAULT_SEED, cuts[n])) is None]
    if missing:
        cache.mkdir(parents=True, exist_ok=True)
        args = [str(cache), str(TINY.draws), str(TINY.tune), str(TINY.chains), *missing]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        _BACKGROUND["fits"] = subprocess.Popen(
            [sys.executable, "-c", _FIT_SCRIPT, *args], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip


def pytest_sessionfinish(session, exitstatus):
    proc = _BACKGROUND.pop("fits", None)
    if proc is not None and proc.poll() is None:  # the session ended early: stop the fits it started
        proc.terminate()
        proc.wait(30)


def _wait_for_background(store, ident) -> None:
    """Wait while the background process is still making fits and this one is not on disk yet
    (the fixture then reads it; if the process failed, the fixture fits in process)."""
    proc = _BACKGROUND.get("fits")
    while proc is not None and proc.poll() is None and store.load(ident) is None:
        time.sleep(0.25)


@pytest.fixture(autouse=True)
def _no_leaked_environment(request):
    """Every test leaves the FORECAST_* environment as it found it (fixtures set it through
    monkeypatch, undone before this check)."""
    before = {k: v for k, v in os.environ.items() if k.startswith("FORECAST_")}
    yield
    after = {k: v for k, v in os.environ.items() if k.startswith("FORECAST_")}
    assert after == before, f"{request.node.nodeid} changed the environment: {before} -> {after}"


# ---------------------------------------------------------------- inputs


@pytest.fixture(scope="session")
def ds():
    """The shipped dataset (read once per test session; tests never change it in place)."""
    from forecast.data.dataset import load_dataset

    return load_dataset()


@pytest.fixture(scope="session")
def priors():
    """The default prior file."""
    from forecast.model.priors import load_priors

    return load_priors()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped data directory."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


EVENT_FIELDS = ("date", "event", "missile_class", "missiles", "vehicle", "site", "outcome", "source", "note")
SIGNAL_FIELDS = (
    "id", "signal", "level", "events", "occurred", "published", "end", "lifetime_days", "window_start", "window_end",
    "source", "note",
)  # fmt: skip


@pytest.fixture
def make_data(tmp_path: Path):
    """Write a small synthetic record (events, signal records and its reach) in the shipped files'
    format and load it through the real loaders: ``make_data(events, signals, complete_through)``
    with rows as dicts (missing fields empty, ``source`` filled in); returns the Dataset."""
    import csv

    from forecast.data.dataset import Reach, load_dataset, write_reach

    count = [0]

    def make(events=(), signals=(), complete_through="2020-12-31"):
        import pandas as pd

        count[0] += 1
        folder = tmp_path / f"synthetic-{count[0]}"
        folder.mkdir()
        for name, fields, rows in (("events.csv", EVENT_FIELDS, events), ("signals.csv", SIGNAL_FIELDS, signals)):
            with open(folder / name, "w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=fields)
                writer.writeheader()
                for i, row in enumerate(rows):
                    full = {f: "" for f in fields} | {"source": "synthetic"} | dict(row)
                    if "id" in fields and not full["id"]:
                        full["id"] = f"S{i + 1:03d}"
                    if name == "events.csv" and not full["outcome"]:
                        full["outcome"] = "success"
                    writer.writerow(full)
        write_reach(Reach(pd.Timestamp(complete_through), "synthetic record"), folder)
        return load_dataset(folder)

    return make


@pytest.fixture
def work_dir(tmp_path: Path, monkeypatch) -> Path:
    """A private working directory ($FORECAST_WORK_DIR) for this test: no analyst's records,
    evidence sets or log from anywhere else."""
    path = tmp_path / "work"
    monkeypatch.setenv("FORECAST_WORK_DIR", str(path))
    return path


# ---------------------------------------------------------------- the session's fits


@pytest.fixture(scope="session")
def tiny() -> SamplerSettings:
    return TINY


@pytest.fixture(scope="session")
def tiny_flags() -> tuple[str, ...]:
    return TINY_FLAGS


@pytest.fixture(scope="session")
def fit_cache() -> Path:
    """Where the session's real fits are kept: $FORECAST_CACHE_DIR, else .cache/test-fits."""
    path = _fit_cache_path()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _session_fit(name: str, ds, priors, fit_cache):
    from forecast.model.fitted import FitStore, identity

    store = FitStore(fit_cache)
    cut = _cuts()[name]
    _wait_for_background(store, identity(ds, priors, TINY, DEFAULT_SEED, cut))
    return store.get(ds, priors, cut, TINY, DEFAULT_SEED)


@pytest.fixture(scope="session")
def small_fit(ds, priors, fit_cache):
    """The session's small fit on the record before 2012-03-17 (read back if a session made it before)."""
    return _session_fit("small_fit", ds, priors, fit_cache)


@pytest.fixture(scope="session")
def small_answerer(ds, priors, small_fit):
    """Answers as of 2012-03-17 from ``small_fit`` (its caches shared by every module)."""
    from forecast.answers.answerer import Answerer

    return Answerer(ds, priors, small_fit)


@pytest.fixture(scope="session")
def app_fit(ds, priors, fit_cache):
    """The workbench's fit: trained on the whole record (the cut of a forecast as of today)."""
    return _session_fit("app_fit", ds, priors, fit_cache)


@pytest.fixture
def cli_env(work_dir, fit_cache, small_fit, monkeypatch) -> dict[str, str]:
    """In-process command-line runs that find ``small_fit`` on disk: $FORECAST_CACHE_DIR is the
    session's fit cache, the working directory private. Returns the variables (for a subprocess)."""
    monkeypatch.setenv("FORECAST_CACHE_DIR", str(fit_cache))
    return {"FORECAST_CACHE_DIR": str(fit_cache), "FORECAST_WORK_DIR": str(work_dir)}


@pytest.fixture(scope="session")
def install_fake_sampler(small_fit, tmp_path_factory):
    """``install(mp)`` patches, through the MonkeyPatch ``mp``, every fit that would be sampled to get
    ``small_fit``'s draws and diagnostics under its own identity (cut, variant, priors, settings)
    instead. Such a fit is kept in memory, and on disk only under pytest's temporary directory: never
    in ``fit_cache`` or any other cache a later session (or the app) would read.
    Returns the list of (cut, variant, priors file) of every fit so made, in order. For fixtures
    wider than one test; a test uses ``fake_sampler``."""
    import forecast.model.sampling as sampling
    from forecast.model.fitted import FitStore

    real_save = FitStore.save
    temporary = tmp_path_factory.getbasetemp().resolve()

    def install(mp) -> list:
        made = []

        def sample(models, priors, cells, settings, seed, progress=None):
            made.append(None)  # named by save() below, which knows the identity
            if progress is not None:
                progress(1, 1)
            return small_fit.posterior, replace(small_fit.diagnostics, seconds=0.0)

        def save(self, fit):
            if made and made[-1] is None:
                made[-1] = (fit.identity.as_of, fit.identity.variant, fit.identity.priors_file)
            if not self.directory.resolve().is_relative_to(temporary):
                return self.path(fit.identity)  # a fake fit never enters a real cache
            return real_save(self, fit)

        mp.setattr(sampling, "sample", sample)
        mp.setattr(FitStore, "save", save)
        return made

    return install


@pytest.fixture
def fake_sampler(install_fake_sampler, monkeypatch) -> list:
    """No sampling in this test (see ``install_fake_sampler``); the list of fits made instead."""
    return install_fake_sampler(monkeypatch)


# ---------------------------------------------------------------- the workbench


@pytest.fixture(scope="session")
def _app_session(app_fit):
    """Session-long part of the workbench fixture: the fit exists before any page asks for it, and
    Streamlit's in-process caches are cleared when the session ends."""
    yield
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def app_env(_app_session, fit_cache, tmp_path, monkeypatch) -> dict:
    """Environment for the app under test, for this test only: the small settings, the session's
    fit cache and a private working directory. Returns the variables (and ``base``, the test's
    folder) so that a browser test can hand them to a server."""
    env = {**TINY_ENV, "FORECAST_CACHE_DIR": str(fit_cache), "FORECAST_WORK_DIR": str(tmp_path / "work")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("FORECAST_BACKTEST_DIR", raising=False)
    return {**env, "base": tmp_path}


# ---------------------------------------------------------------- a small scenario tree

TREE_HEAD = '[tree]\nname = "T"\ndescription = "d"\n'
TREE_BRANCHES = """
[branches.a]
title = "A"
probability = 0.25
rationale = "r"
evidence = { announcement = "issued" }

[branches.b]
title = "B"
probability = 0.75
rationale = "r"
evidence = { negotiation = "engaged", rhetoric = "conciliatory:0.5" }
"""


@pytest.fixture(scope="session")
def tree_text():
    """The text of a small scenario tree (branches a: 0.25, b: 0.75): ``tree_text(head=..., branches=...)``
    replaces either part."""

    def build(head: str = TREE_HEAD, branches: str = TREE_BRANCHES) -> str:
        return head + branches

    return build


# ---------------------------------------------------------------- a back-test output without a sampler


@pytest.fixture(scope="session")
def backtest_output(tmp_path_factory):
    """A back-test output folder written by the real report code from a synthetic forecasts table
    (no fit): monthly routine origins in 2010-2011 and six warning origins, one of them also a
    routine origin. Returns (folder, forecasts); read only."""
    import numpy as np
    import pandas as pd

    from forecast.evaluation.backtest import BacktestConfig
    from forecast.evaluation.report import write_outputs

    rng = np.random.default_rng(7)
    routine = [d.date().isoformat() for d in pd.date_range("2010-01-01", "2011-12-01", freq="MS")]
    warning = {"2010-03-17": "S901", "2010-06-01": "S902", "2010-09-20": "S903;S904", "2011-02-11": "S905"}
    warning |= {"2011-05-05": "S906", "2011-08-30": "S907"}
    config = BacktestConfig(
        start="2010-01-01", end="2011-12-31", windows=(30, 90, 180, 365), events=("space_launch", "any")
    )
    rows = []
    for origin in sorted({*routine, *warning}):
        kind = "both" if origin in routine and origin in warning else "routine" if origin in routine else "warning"
        for event in config.events:
            for w in config.windows:
                y = int(rng.random() < (0.6 if kind != "routine" else 0.2) * (1 + w / 365))
                p = float(np.clip(0.5 * y + 0.5 * rng.random(), 0.01, 0.99))
                rows.append(
                    {"priors": "default.toml", "refit": "2010-01-01", "origin": origin, "origin_kind": kind,
                     "warning_records": warning.get(origin, ""), "event": event, "window_days": w, "model": p,
                     "lower": p / 2, "upper": (1 + p) / 2, "no_signals": float(rng.uniform(0.1, 0.5)),
                     "climatology": 0.3, "recent_rate": float(rng.uniform(0.05, 0.6)), "outcome": y, "fit_ok": True}
                )  # fmt: skip
    frame = pd.DataFrame(rows)
    folder = tmp_path_factory.mktemp("backtests") / "bt-synthetic"
    folder.mkdir()
    write_outputs(frame, folder, config, seconds=1.0)
    return folder, frame
