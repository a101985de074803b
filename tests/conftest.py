import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
FIXTURES = Path(__file__).resolve().parent / "data"


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

    from forecast.data import load_dataset
    from forecast.fit_cache import get_fit
    from forecast.priors import load_priors
    from forecast.service import DEFAULT_SEED, fit_cut
    from forecast.workspace import sampler_settings

    base = tmp_path_factory.mktemp("app")
    env = {**APP_SETTINGS, "FORECAST_CACHE_DIR": str(base / "fits"), "FORECAST_WORK_DIR": str(base / "work")}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        import datetime as dt

        get_fit(load_dataset(), load_priors(), fit_cut(dt.date.today()), sampler_settings(), DEFAULT_SEED)
        yield {**env, "base": base}
        # leave the app's in-process caches clean for other test modules
        import streamlit as st

        st.cache_resource.clear()
        st.cache_data.clear()
