"""Where the workbench keeps what analysts make, and the settings it fits with.

Everything lives under one working directory the user can see: ``workspace/`` in the project
by default, or ``$FORECAST_WORK_DIR``. Evidence sets are JSON files in ``evidence_sets/``, the
forecast log is ``forecast_log.csv`` and episode replays go to ``episodes/``.

The sampler settings default to the command line's (1000 draws, 800 tuning steps, 2 chains);
``FORECAST_DRAWS``, ``FORECAST_TUNE`` and ``FORECAST_CHAINS`` lower them (the tests use a small
fit), and each setting is part of the fit cache's key, so fits never mix.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import InputError
from .model import SamplerSettings

ROOT = Path(__file__).resolve().parent.parent


def work_dir() -> Path:
    return Path(os.environ.get("FORECAST_WORK_DIR", ROOT / "workspace"))


def evidence_dir() -> Path:
    return work_dir() / "evidence_sets"


def log_path() -> Path:
    return work_dir() / "forecast_log.csv"


def episodes_dir() -> Path:
    return work_dir() / "episodes"


def backtest_roots() -> list[Path]:
    """Folders searched for back-test outputs (each with a manifest.json): the project root, the
    shipped ``results/`` and the working directory, plus ``$FORECAST_BACKTEST_DIR``."""
    roots = [ROOT, ROOT / "results", work_dir()]
    extra = os.environ.get("FORECAST_BACKTEST_DIR")
    return ([Path(extra)] if extra else []) + roots


def _int_env(name: str, default: int, low: int) -> int:
    text = os.environ.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if value < low:
        raise InputError(f"must be a whole number of at least {low}", field=name, value=text)
    return value


def sampler_settings() -> SamplerSettings:
    base = SamplerSettings()
    return SamplerSettings(
        draws=_int_env("FORECAST_DRAWS", base.draws, 50),
        tune=_int_env("FORECAST_TUNE", base.tune, 50),
        chains=_int_env("FORECAST_CHAINS", base.chains, 1),
        target_accept=base.target_accept,
        cores=min(base.cores, _int_env("FORECAST_CHAINS", base.chains, 1)),
    )
