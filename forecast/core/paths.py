"""Where things live: the shipped data and prior files, the fit cache, and the working directory
where the workbench keeps what analysts make.

Everything an analyst makes lives under one working directory they can see: ``workspace/`` in
the project by default, or ``$FORECAST_WORK_DIR``. Evidence sets are JSON files in
``evidence_sets/``, the forecast log is ``forecast_log.csv``, episode replays go to ``episodes/``
and the analyst's own records to ``records/``. Fits are cached in ``.cache/fits`` or
``$FORECAST_CACHE_DIR``.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"
PRIORS_DIR = ROOT / "priors"


def cache_dir() -> Path:
    """Where fits are stored."""
    return Path(os.environ.get("FORECAST_CACHE_DIR", ROOT / ".cache" / "fits"))


def work_dir() -> Path:
    """The working directory for what analysts make: ``$FORECAST_WORK_DIR``, else ``workspace/``."""
    return Path(os.environ.get("FORECAST_WORK_DIR", ROOT / "workspace"))


def evidence_dir() -> Path:
    """The folder of saved evidence sets (JSON files) in the working directory."""
    return work_dir() / "evidence_sets"


def log_path() -> Path:
    """The forecast log, a CSV file in the working directory."""
    return work_dir() / "forecast_log.csv"


def episodes_dir() -> Path:
    """The folder of episode replays in the working directory."""
    return work_dir() / "episodes"


def backtest_roots() -> list[Path]:
    """Folders searched for back-test outputs (each with a manifest.json): the project root, the
    shipped ``results/`` and the working directory, plus ``$FORECAST_BACKTEST_DIR``."""
    roots = [ROOT, ROOT / "results", work_dir()]
    extra = os.environ.get("FORECAST_BACKTEST_DIR")
    return ([Path(extra)] if extra else []) + roots
