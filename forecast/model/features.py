"""Model features: what the background hazard of each component depends on, day by day.

Signal features are one column per non-neutral level of each context signal (rhetoric,
sanctions, negotiation, moratorium), valued by the fade of the record behind it (1 when fresh,
halving every `half_life_days`, rounded to quarters so that days pool into cells; records with an
explicit end date do not fade). Direct warnings are not features: days on which one bears are
kept as rows of their own with the warning's place in its support (forecast/warnings.py).
Recency features: an event of the same component in the past 30 days, log(1 + the number of
same-component event-days in the past 365 days), and an event of another component in the
past 30 days.

Training uses the real-time view: each day sees only records published by that day, and
events dated before it. Forecast windows start on the as-of day and see the state as known on
the as-of day, carried forward (records expire, fades continue, no new events assumed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.core.limits import DATA_START
from forecast.data.dataset import Dataset
from forecast.data.event_days import component_event_days, event_days_of
from forecast.data.signal_state import SignalRecords, records_of, timeline_arrays
from forecast.data.vocab import COMPONENTS, CONTEXT_SIGNALS, SIGNALS
from forecast.model.feature_names import FEATURES, RECENCY_FEATURES, SIGNAL_FEATURES
from forecast.model.priors import Priors
from forecast.model.warnings import N_KINDS, realtime_warnings

START = pd.Timestamp(DATA_START)
FEATURE_INDEX = {f: i for i, f in enumerate(FEATURES)}
N_SIGNAL = len(SIGNAL_FEATURES)


def _count_in(days: np.ndarray, event_days: np.ndarray, lookback: int) -> np.ndarray:
    """Number of event days in [day - lookback, day - 1] for each day."""
    hi = np.searchsorted(event_days, days, side="left")
    lo = np.searchsorted(event_days, days - np.timedelta64(lookback, "D"), side="left")
    return hi - lo


def recency_features(
    days: np.ndarray, component: str, event_days: dict[str, np.ndarray], known_before: np.datetime64 | None = None
) -> np.ndarray:
    """(len(days), 3) recency features; events on or after ``known_before`` are not seen."""

    def seen(arr: np.ndarray) -> np.ndarray:
        return arr if known_before is None else arr[arr < known_before]

    same = seen(event_days[component])
    others = seen(np.unique(np.concatenate([event_days[k] for k in COMPONENTS if k != component])))
    out = np.zeros((len(days), len(RECENCY_FEATURES)))
    out[:, 0] = _count_in(days, same, 30) > 0
    out[:, 1] = np.round(np.log1p(_count_in(days, same, 365)), 1)
    out[:, 2] = _count_in(days, others, 30) > 0
    return out


def fade_factor(age_days: np.ndarray, half_life: float | None) -> np.ndarray:
    """How much of a record's effect is left at each age: halving every half-life in quarters, never below 0.25
    (1 throughout without a half-life)."""
    if half_life is None:
        return np.ones_like(age_days, dtype=float)
    f = np.round(4 * 0.5 ** (np.maximum(age_days, 0) / half_life)) / 4
    return np.maximum(f, 0.25)


def signal_features(
    signals: pd.DataFrame | SignalRecords,
    component: str,
    days: pd.DatetimeIndex,
    priors: Priors,
    cut: pd.Timestamp | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(len(days), n_signal_features) and the level of each signal per day."""
    out = np.zeros((len(days), N_SIGNAL))
    levels = {}
    for name, spec in SIGNALS.items():
        t = timeline_arrays(signals, name, component, days, cut=cut)
        lv = t["level"]
        levels[name] = lv
        if name not in CONTEXT_SIGNALS:
            continue  # direct warnings are causes of their own (forecast/warnings.py)
        age = (days.values - t["since"]).astype("timedelta64[D]").astype(float)
        fade = fade_factor(np.nan_to_num(age), priors.fade[name].half_life_days)
        fade = np.where(t["dated_end"], 1.0, fade)  # a notified window holds until it closes
        for level in spec.levels:
            if level == spec.neutral:
                continue
            col = FEATURE_INDEX[f"{name}={level}"]
            out[:, col] = np.where(lv == level, fade, 0.0)
    return out, levels


@dataclass(frozen=True)
class WarnedRows:
    """Event days on which a direct warning bears, one row each: background features and, per
    warning kind, the offset into the warning's support (-1: none of that kind) and its length."""

    X: np.ndarray
    component: np.ndarray
    offset: np.ndarray  # (rows, kinds)
    length: np.ndarray  # (rows, kinds)

    @staticmethod
    def empty(n_features: int) -> WarnedRows:
        """No warned rows, with room for ``n_features`` background features."""
        return WarnedRows(
            np.zeros((0, n_features)), np.zeros(0, dtype=int), np.zeros((0, N_KINDS), int), np.zeros((0, N_KINDS), int)
        )


@dataclass(frozen=True)
class WarningSpells:
    """Runs of days without an event on which one warning bore: its component and kind, the offsets
    into its support of the run's first day and of the day after its last, and the support's length.
    A warning's chance of not firing over a run telescopes to (1 - hit F(stop)) / (1 - hit F(start))."""

    component: np.ndarray
    kind: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    length: np.ndarray

    @staticmethod
    def empty() -> WarningSpells:
        """No warning spells."""
        return WarningSpells(*(np.zeros(0, dtype=int) for _ in range(5)))


def warning_spells(offset: np.ndarray, record: np.ndarray, length: np.ndarray, quiet: np.ndarray, component: int):
    """Spells of one component from its daily warning table; ``quiet`` marks the days that count."""
    out = []
    for kind in range(offset.shape[1]):
        on = (offset[:, kind] >= 0) & quiet
        idx = np.flatnonzero(on)
        if not len(idx):
            continue
        o, r = offset[idx, kind], record[idx, kind]
        new = np.ones(len(idx), dtype=bool)
        new[1:] = (np.diff(idx) != 1) | (np.diff(o) != 1) | (r[1:] != r[:-1])
        starts = np.flatnonzero(new)
        ends = np.append(starts[1:], len(idx)) - 1
        for a, b in zip(starts, ends, strict=True):
            out.append((component, kind, o[a], o[b] + 1, length[idx[a], kind]))
    return out


@dataclass(frozen=True)
class Cells:
    """Training data: days pooled by identical background features (`n` days, `y` of them with an
    event; every day but the event days on which a warning bore), the warning spells over the days
    without an event, and the warned event days row by row."""

    X: np.ndarray
    component: np.ndarray
    n: np.ndarray
    y: np.ndarray
    n_days: int
    spells: WarningSpells
    warned: WarnedRows


def _realtime_table(ds: Dataset, priors: Priors, end: pd.Timestamp) -> dict:
    """Daily features and outcomes for every component through ``end``, computed once per dataset
    and prior file (kept with the dataset)."""
    key = ("realtime", priors.digest, end)
    if key in ds.derived:
        return ds.derived[key]
    days = pd.date_range(START, end, freq="D")
    ev_days = component_event_days(ds.events)
    table = {}
    day_numbers = days.values.astype("datetime64[D]").astype(np.int64)
    for k in COMPONENTS:
        sig, _ = signal_features(records_of(ds), k, days, priors, cut=None)
        rec = recency_features(days.values.astype("datetime64[D]"), k, ev_days)
        y = np.isin(days.values.astype("datetime64[D]"), ev_days[k])
        warned = realtime_warnings(ds.signals, k, day_numbers, ev_days[k], priors)
        table[k] = (np.hstack([sig, rec]), y, warned)
    ds.derived[key] = {"days": days, **table}
    return ds.derived[key]


def training_cells(ds: Dataset, cut: pd.Timestamp, priors: Priors, signals: bool = True) -> Cells:
    """Training data from 1998-01-01 to the day before ``cut`` (see `Cells`).
    ``signals=False`` drops the signal features and the warnings (the
    recency-only baseline used by back-tests)."""
    cut = pd.Timestamp(cut)
    table = _realtime_table(ds, priors, max(pd.Timestamp(cut), ds.reach.first_unknown))
    keep = table["days"] < cut
    frames, rows, spells = [], [], []
    for ci, k in enumerate(COMPONENTS):
        X, y, warned = table[k]
        warned_event = warned.any & y if signals else np.zeros(len(y), dtype=bool)
        pooled = keep & ~warned_event
        f = pd.DataFrame(X[pooled], columns=list(FEATURES))
        if not signals:
            f[list(SIGNAL_FEATURES)] = 0.0
        f["component"] = ci
        f["y"] = y[pooled].astype(int)
        frames.append(f)
        if signals:
            w = keep & warned_event
            rows.append((X[w], np.full(int(w.sum()), ci), warned.offset[w], warned.length[w]))
            spells += warning_spells(warned.offset, warned.record, warned.length, keep & ~y, ci)
    all_days = pd.concat(frames, ignore_index=True)
    grouped = all_days.groupby(["component", *FEATURES], sort=True)["y"].agg(["size", "sum"]).reset_index()
    return Cells(
        X=grouped[list(FEATURES)].to_numpy(float),
        component=grouped["component"].to_numpy(int),
        n=grouped["size"].to_numpy(int),
        y=grouped["sum"].to_numpy(int),
        n_days=int(keep.sum()),
        spells=WarningSpells(*(np.array(col, dtype=int) for col in zip(*spells, strict=True)))
        if spells
        else WarningSpells.empty(),
        warned=WarnedRows(*(np.concatenate(parts) for parts in zip(*rows, strict=True)))
        if rows
        else WarnedRows.empty(len(FEATURES)),
    )


def window_state(
    ds: Dataset, as_of: pd.Timestamp, component: str, window: int, priors: Priors
) -> tuple[np.ndarray, dict[str, str]]:
    """(window, n_features) for the days as_of .. as_of + window - 1, as known on as_of, and the
    data's level of each signal on the as-of day."""
    as_of = pd.Timestamp(as_of)
    days = pd.date_range(as_of, periods=window, freq="D")
    sig, levels = signal_features(records_of(ds), component, days, priors, cut=as_of)
    ev_days = event_days_of(ds)
    rec = recency_features(
        days.values.astype("datetime64[D]"), component, ev_days, known_before=np.datetime64(as_of.date(), "D")
    )
    return np.hstack([sig, rec]), {name: lv[0] for name, lv in levels.items()}


def window_features(ds: Dataset, as_of: pd.Timestamp, component: str, window: int, priors: Priors) -> np.ndarray:
    """(window, n_features) for the days as_of .. as_of + window - 1, as known on as_of."""
    return window_state(ds, as_of, component, window, priors)[0]


def override_levels(X: np.ndarray, levels: dict[str, str], priors: Priors, start: int = 0) -> np.ndarray:
    """Window features with some signals set by the analyst from day ``start`` of the window (the
    as-of day by default): a non-neutral level starts afresh that day and lasts the signal's
    `evidence_lifetime_days`; a neutral level clears it. Days before ``start`` keep the data's state."""
    X = X.copy()
    window = X.shape[0]
    if start >= window:
        return X
    for name, level in levels.items():
        if name not in CONTEXT_SIGNALS:
            continue  # direct warnings are answered in forecast/warnings.py
        spec = SIGNALS[name]
        for lv in spec.levels:
            if lv != spec.neutral:
                X[start:, FEATURE_INDEX[f"{name}={lv}"]] = 0.0
        if level == spec.neutral:
            continue
        fade = priors.fade[name]
        values = fade_factor(np.arange(window - start, dtype=float), fade.half_life_days)
        values[int(fade.evidence_lifetime_days or window) :] = 0.0
        X[start:, FEATURE_INDEX[f"{name}={level}"]] = values
    return X
