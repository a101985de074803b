"""The limits and defaults every layer shares: one place for each number.

The sampler seed, the forecast windows, the longest window a question may ask about, the earliest
as-of date the data allow, the width of every interval the tool prints, and how those intervals
are computed.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from forecast.core.errors import InputError

#: The seed every fit uses unless told otherwise (fits are reproducible from it).
DEFAULT_SEED = 20260101
#: Forecast windows in days of the briefing table, back-tests and scenario trees.
DEFAULT_WINDOWS: tuple[int, ...] = (30, 90, 180, 365)
#: The sampler's default draws and tuning steps per chain (the command line's and the app's). With
#: nutpie's adaptation, 600 tuning steps gave no divergence in 14 fits (5 as-of dates 2005-2026, 2-4
#: seeds; bulk ESS >= 572, tail ESS >= 414; R-hat above 1.01 in 2, the noise of a 2-chain R-hat), as
#: 800 did; 400 left one divergence in 2 of 10, both as of 2025-01-01.
DEFAULT_DRAWS = 1000
DEFAULT_TUNE = 600
#: The longest window a question may ask about (three years).
MAX_WINDOW = 1095
#: The record starts on this day ...
DATA_START = dt.date(1998, 1, 1)
#: ... and the first forecast needs a year of it.
EARLIEST_AS_OF = dt.date(1999, 1, 1)
#: Every interval the tool prints is a central interval of this mass.
INTERVAL = 0.90


def interval(values, axis: int = 0, mass: float = INTERVAL) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper): the central ``mass`` interval of ``values`` along ``axis`` (draws)."""
    tail = (1.0 - mass) / 2.0
    lo, hi = np.quantile(values, [tail, 1.0 - tail], axis=axis)
    return lo, hi


def _whole_days(value) -> int | None:
    """The whole number a window is written as, or None: 30, "30" and "30.0" (a spreadsheet's or
    pandas' float column) are 30; "30.5", "nan" and "ten" are not numbers of days."""
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def check_window(value, field: str) -> int:
    """A window in days, 1 to MAX_WINDOW, from an int or its text; else one InputError."""
    days = None if isinstance(value, bool) else _whole_days(value)
    if days is None:
        raise InputError(f"window must be a whole number of days, 1 to {MAX_WINDOW}", field=field, value=value)
    if not 1 <= days <= MAX_WINDOW:
        raise InputError(f"window must be 1 to {MAX_WINDOW} days", field=field, value=value)
    return days


def parse_windows(text: str | tuple | list, field: str = "--windows") -> tuple[int, ...]:
    """'30,90,180' (or a sequence of days) -> (30, 90, 180); anything else is one InputError naming ``field``."""
    items = text.split(",") if isinstance(text, str) else [str(w) for w in text]
    windows = tuple(_whole_days(w) for w in items if w.strip())
    if None in windows:
        raise InputError("windows must be whole numbers of days joined by commas", field=field, value=text)
    if not windows:
        raise InputError("give at least one window", field=field, value=text)
    for w in windows:
        if not 1 <= w <= MAX_WINDOW:
            raise InputError(f"each window must be 1 to {MAX_WINDOW} days", field=field, value=w)
    if len(set(windows)) != len(windows):
        raise InputError("a window is given twice", field=field, value=text)
    return windows


def median_interval(values, axis: int = 0, mass: float = INTERVAL) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lower, median, upper): the median with the central ``mass`` interval along ``axis``."""
    tail = (1.0 - mass) / 2.0
    lo, mid, hi = np.quantile(values, [tail, 0.5, 1.0 - tail], axis=axis)
    return lo, mid, hi
