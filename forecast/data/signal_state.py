"""The state of every signal on any day, as known at a publication cut (no look-ahead).

Rules (see README, "Signal records"):
- a record counts only once it is published (``published <= cut``);
- it is in force from the day it occurred (as seen from a later cut) or, in the real-time
  view used for model training, from the day it became public;
- it stays in force until its ``end`` date (inclusive), for ``lifetime_days`` after it occurred,
  or, when it has neither, until the next record of the same signal for the same event type;
- when several records are in force, the one that started last wins; with none, the signal
  sits at its neutral level.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.data.vocab import COMPONENTS, SCOPE_COMPONENTS, SIGNALS, base_level

NO_RECORD = ""


def _applies(scope: tuple[str, ...], component: str) -> bool:
    return any(component in SCOPE_COMPONENTS[s] for s in scope)


_MAX_DAY = np.iinfo(np.int64).max // 2


class SignalRecords:
    """A signal table's records per (signal, component) as day-number arrays, each computed once.
    Build one per table (`records_of(ds)` keeps one with the dataset); a bare DataFrame passed to
    the functions below is indexed afresh."""

    def __init__(self, signals: pd.DataFrame) -> None:
        self.signals = signals
        self._arrays: dict[tuple[str, str], dict[str, np.ndarray]] = {}

    def arrays(self, signal: str, component: str) -> dict[str, np.ndarray]:
        """The records of one signal for one component as day-number arrays, computed on first use and kept."""
        key = (signal, component)
        if key not in self._arrays:
            self._arrays[key] = _arrays(self.signals, signal, component)
        return self._arrays[key]


def records_of(ds) -> SignalRecords:
    """The dataset's indexed signal records, made once and kept with the dataset."""
    return ds.derived.setdefault("signal_records", SignalRecords(ds.signals))


def _indexed(signals: pd.DataFrame | SignalRecords) -> SignalRecords:
    return signals if isinstance(signals, SignalRecords) else SignalRecords(signals)


def _arrays(signals: pd.DataFrame, signal: str, component: str) -> dict[str, np.ndarray]:
    """The records of one signal that bear on one component, as day-number arrays."""
    mask = (signals["signal"] == signal) & signals["scope"].map(lambda sc: _applies(sc, component))
    recs = signals[mask]

    def days(col: str) -> np.ndarray:
        return recs[col].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)

    end = recs["end"].notna().to_numpy()
    life = recs["lifetime_days"].notna().to_numpy()
    lifetime = recs["lifetime_days"].fillna(0).to_numpy(dtype=np.int64)
    end_day = np.where(end, days("end") + 1, np.where(life, days("occurred") + lifetime, _MAX_DAY))
    return {
        "occurred": days("occurred"),
        "published": days("published"),
        "end": end_day,
        "open": ~end & ~life,
        "dated_end": end,
        "level": recs["level"].to_numpy(dtype=object),
        "id": recs["id"].to_numpy(dtype=object),
    }


def day_number(ts) -> int:
    """A date as a day number (days since 1970-01-01)."""
    return int(np.datetime64(pd.Timestamp(ts).date(), "D").astype(np.int64))


def signal_timeline(
    signals: pd.DataFrame | SignalRecords,
    signal: str,
    component: str,
    days: pd.DatetimeIndex,
    cut: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Level, the id of the record behind it, the day that record occurred and whether it has
    an explicit end date (a notified window, which does not fade), for each day (`timeline_arrays`
    as a table indexed by day)."""
    return pd.DataFrame(timeline_arrays(signals, signal, component, days, cut), index=days)


def timeline_arrays(
    signals: pd.DataFrame | SignalRecords,
    signal: str,
    component: str,
    days: pd.DatetimeIndex,
    cut: pd.Timestamp | None = None,
) -> dict[str, np.ndarray]:
    """Level, the id of the record behind it, the day that record occurred and whether it has
    an explicit end date (a notified window, which does not fade), for each day.

    ``cut=None`` is the real-time view: each day sees only what was public on that day.
    With a cut, every record published on or before the cut counts from the day it occurred.
    """
    neutral = SIGNALS[signal].neutral
    r = _indexed(signals).arrays(signal, component)
    if cut is not None:
        visible = r["published"] <= day_number(cut)
        start = r["occurred"][visible]
    else:
        visible = np.ones(len(r["occurred"]), dtype=bool)
        start = np.maximum(r["occurred"], r["published"])
    order = np.argsort(start, kind="stable")
    idx = np.flatnonzero(visible)[order]
    start = start[order]
    # an open record runs until the next record that starts later
    nxt = np.searchsorted(start, start, side="right")
    later = np.where(nxt < len(start), start[np.minimum(nxt, max(len(start) - 1, 0))], _MAX_DAY)
    end = np.where(r["open"][idx], later, r["end"][idx])
    day_numbers = days.values.astype("datetime64[D]").astype(np.int64)
    level = np.full(len(days), neutral, dtype=object)
    record = np.full(len(days), NO_RECORD, dtype=object)
    since = np.full(len(days), np.datetime64("NaT", "ns"), dtype="datetime64[ns]")
    dated_end = np.zeros(len(days), dtype=bool)
    for k, i in enumerate(idx):  # later starts paint over earlier ones
        if end[k] <= start[k]:
            continue
        i0, i1 = np.searchsorted(day_numbers, start[k]), np.searchsorted(day_numbers, end[k])
        level[i0:i1] = r["level"][i]
        record[i0:i1] = r["id"][i]
        since[i0:i1] = np.datetime64(int(r["occurred"][i]), "D")
        dated_end[i0:i1] = r["dated_end"][i]
    return {"level": level, "record": record, "since": since, "dated_end": dated_end}


def state_on(
    signals: pd.DataFrame | SignalRecords, date: pd.Timestamp | str, cut: pd.Timestamp | str | None = None
) -> pd.DataFrame:
    """The state of every signal for every model component on ``date``, as known at ``cut``.

    ``cut`` defaults to ``date`` (what an analyst knew that day). Rows: components; columns:
    a MultiIndex of (signal, level|record|since).
    """
    date = pd.Timestamp(date)
    cut = pd.Timestamp(cut) if cut is not None else date
    days = pd.DatetimeIndex([date])
    signals = _indexed(signals)
    rows = {}
    for component in COMPONENTS:
        row = {}
        for signal in SIGNALS:
            t = timeline_arrays(signals, signal, component, days, cut=cut)
            row[(signal, "level")] = t["level"][0]
            row[(signal, "record")] = t["record"][0]
            row[(signal, "since")] = pd.Timestamp(t["since"][0])
        rows[component] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.columns = pd.MultiIndex.from_tuples(frame.columns)
    return frame


def strongest_level(signal: str, levels) -> str:
    """The least neutral of several levels of one signal (later in the vocabulary = stronger);
    the neutral level when all are neutral."""
    spec = SIGNALS[signal]
    non_neutral = [lv for lv in levels if base_level(lv) != spec.neutral]
    return max(non_neutral, key=lambda lv: spec.levels.index(base_level(lv))) if non_neutral else spec.neutral


def question_state(signals: pd.DataFrame, date, event: str, cut=None) -> dict[str, str]:
    """Signal levels for a question's event type on ``date``: for a union type, the strongest
    (least neutral) level recorded for any of its components, so nothing recorded is hidden."""
    from forecast.data.vocab import QUESTION_COMPONENTS

    table = state_on(signals, date, cut)
    comps = QUESTION_COMPONENTS[event]
    return {signal: strongest_level(signal, [table.loc[c, (signal, "level")] for c in comps]) for signal in SIGNALS}
