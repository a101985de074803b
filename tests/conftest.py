import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
FIXTURES = Path(__file__).resolve().parent / "data"


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


# ---------------------------------------------------------------- the workbench's small shared fit

APP_SETTINGS = {"FORECAST_DRAWS": "100", "FORECAST_TUNE": "150", "FORECAST_CHAINS": "2"}


@pytest.fixture(scope="session")
def app_env(tmp_path_factory):
    """Environment for the app under test: a small fit in a private cache, a private working
    directory. The fit as of today (cut at the end of the record) is made once, here, and reused by
    every AppTest and by the browser test's server."""

    from forecast.answers.service import fit_cut
    from forecast.core.limits import DEFAULT_SEED
    from forecast.data.dataset import load_dataset
    from forecast.model.fitted import FitStore
    from forecast.model.posterior import sampler_settings
    from forecast.model.priors import load_priors

    base = tmp_path_factory.mktemp("app")
    env = {**APP_SETTINGS, "FORECAST_CACHE_DIR": str(base / "fits"), "FORECAST_WORK_DIR": str(base / "work")}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        import datetime as dt

        ds = load_dataset()
        FitStore().get(ds, load_priors(), fit_cut(dt.date.today(), ds.reach), sampler_settings(), DEFAULT_SEED)
        yield {**env, "base": base}
        # leave the app's in-process caches clean for other test modules
        import streamlit as st

        st.cache_resource.clear()
        st.cache_data.clear()


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
