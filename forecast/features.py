"""Model features: what the hazard of each component depends on, day by day.

Signal features are one column per non-neutral level, valued by the fade of the record behind
it (1 when fresh, halving every `half_life_days`, rounded to quarters so that days pool into
cells; records with an explicit end date, such as notified launch windows, do not fade).
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

from .data import Dataset
from .priors import FEATURES, RECENCY_FEATURES, SIGNAL_FEATURES, Priors
from .signal_state import signal_timeline
from .vocab import COMPONENTS, LONG_RANGE_CLASSES, SIGNALS

START = pd.Timestamp("1998-01-01")
FEATURE_INDEX = {f: i for i, f in enumerate(FEATURES)}
N_SIGNAL = len(SIGNAL_FEATURES)


def component_event_days(events: pd.DataFrame) -> dict[str, np.ndarray]:
    """Sorted event days (datetime64[D]) of each model component."""
    long_range = (events["event"] == "ballistic_missile") & events["missile_class"].isin(LONG_RANGE_CLASSES)
    masks = {
        "space_launch": events["event"] == "space_launch",
        "long_range_missile": long_range,
        "other_ballistic": (events["event"] == "ballistic_missile") & ~long_range,
        "nuclear_test": events["event"] == "nuclear_test",
        "engine_test": events["event"] == "engine_test",
    }
    return {k: np.unique(events.loc[m, "date"].values.astype("datetime64[D]")) for k, m in masks.items()}


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
    if half_life is None:
        return np.ones_like(age_days, dtype=float)
    f = np.round(4 * 0.5 ** (np.maximum(age_days, 0) / half_life)) / 4
    return np.maximum(f, 0.25)


def signal_features(
    signals: pd.DataFrame, component: str, days: pd.DatetimeIndex, priors: Priors, cut: pd.Timestamp | None = None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(len(days), n_signal_features) and the level of each signal per day."""
    out = np.zeros((len(days), N_SIGNAL))
    levels = {}
    for name, spec in SIGNALS.items():
        t = signal_timeline(signals, name, component, days, cut=cut)
        lv = t["level"].to_numpy()
        levels[name] = lv
        age = (days.values - t["since"].to_numpy()).astype("timedelta64[D]").astype(float)
        fade = fade_factor(np.nan_to_num(age), priors.fade[name].half_life_days)
        fade = np.where(t["dated_end"].to_numpy(), 1.0, fade)  # a notified window holds until it closes
        for level in spec.levels:
            if level == spec.neutral:
                continue
            col = FEATURE_INDEX[f"{name}={level}"]
            out[:, col] = np.where(lv == level, fade, 0.0)
    return out, levels


@dataclass(frozen=True)
class Cells:
    """Days pooled by identical features: `n` days, `y` of them with an event."""

    X: np.ndarray
    component: np.ndarray
    n: np.ndarray
    y: np.ndarray
    n_days: int


_REALTIME: dict[tuple[str, str, pd.Timestamp], dict] = {}


def _realtime_table(ds: Dataset, priors: Priors, end: pd.Timestamp) -> dict:
    """Daily features and outcomes for every component, computed once per data and priors."""
    key = (ds.data_hash, priors.digest, end)
    if key in _REALTIME:
        return _REALTIME[key]
    days = pd.date_range(START, end, freq="D")
    ev_days = component_event_days(ds.events)
    table = {}
    for k in COMPONENTS:
        sig, _ = signal_features(ds.signals, k, days, priors, cut=None)
        rec = recency_features(days.values.astype("datetime64[D]"), k, ev_days)
        y = np.isin(days.values.astype("datetime64[D]"), ev_days[k])
        table[k] = (np.hstack([sig, rec]), y)
    if len(_REALTIME) > 8:
        _REALTIME.clear()
    _REALTIME[key] = {"days": days, **table}
    return _REALTIME[key]


def training_cells(ds: Dataset, cut: pd.Timestamp, priors: Priors, signals: bool = True) -> Cells:
    """Pooled training cells from 1998-01-01 to the day before ``cut``; ``signals=False`` drops
    the signal features (the recency-and-regime-free baseline used by back-tests)."""
    cut = pd.Timestamp(cut)
    table = _realtime_table(ds, priors, ds_end(ds))
    keep = table["days"] < cut
    frames = []
    for ci, k in enumerate(COMPONENTS):
        X, y = table[k]
        f = pd.DataFrame(X[keep], columns=list(FEATURES))
        if not signals:
            f[list(SIGNAL_FEATURES)] = 0.0
        f["component"] = ci
        f["y"] = y[keep].astype(int)
        frames.append(f)
    all_days = pd.concat(frames, ignore_index=True)
    grouped = all_days.groupby(["component", *FEATURES], sort=True)["y"].agg(["size", "sum"]).reset_index()
    return Cells(
        X=grouped[list(FEATURES)].to_numpy(float),
        component=grouped["component"].to_numpy(int),
        n=grouped["size"].to_numpy(int),
        y=grouped["sum"].to_numpy(int),
        n_days=int(keep.sum()),
    )


def ds_end(ds: Dataset) -> pd.Timestamp:
    return pd.Timestamp.today().normalize() + pd.Timedelta(days=1)


def window_state(
    ds: Dataset, as_of: pd.Timestamp, component: str, window: int, priors: Priors
) -> tuple[np.ndarray, dict[str, str]]:
    """(window, n_features) for the days as_of .. as_of + window - 1, as known on as_of, and the
    data's level of each signal on the as-of day."""
    as_of = pd.Timestamp(as_of)
    days = pd.date_range(as_of, periods=window, freq="D")
    sig, levels = signal_features(ds.signals, component, days, priors, cut=as_of)
    ev_days = component_event_days(ds.events)
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
