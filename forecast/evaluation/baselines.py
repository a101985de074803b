"""Reference forecasters the model must beat, computed from events dated before the origin."""

from __future__ import annotations

import numpy as np

from forecast.core.limits import DATA_START

START = np.datetime64(DATA_START, "D")


def climatology(days: np.ndarray, origin: np.datetime64, window: int) -> float:
    """Share of the past windows of this length (starting 1998-01-01, closed before the origin)
    with at least one event, shrunk towards 1/2 by half an event (Jeffreys)."""
    n_days = int((origin - START).astype(int))
    n_windows = n_days - window + 1
    if n_windows <= 0:
        return 0.5
    seen = days[(days >= START) & (days < origin)]
    daily = np.zeros(n_days, dtype=int)
    daily[(seen - START).astype(int)] = 1
    csum = np.concatenate([[0], np.cumsum(daily)])
    hits = (csum[window:] - csum[:-window]) > 0
    return float((hits.sum() + 0.5) / (n_windows + 1))


def recent_rate(days: np.ndarray, origin: np.datetime64, window: int) -> float:
    """Poisson forecast from the event-day rate of the trailing 12 months."""
    count = int(((days >= origin - np.timedelta64(365, "D")) & (days < origin)).sum())
    return float(1.0 - np.exp(-count / 365.0 * window))


def outcome(days: np.ndarray, origin: np.datetime64, window: int) -> int:
    """1 if an event falls in origin .. origin + window - 1."""
    return int(((days >= origin) & (days < origin + np.timedelta64(window, "D"))).any())
