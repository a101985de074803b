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

from .vocab import COMPONENTS, SCOPE_COMPONENTS, SIGNALS

NO_RECORD = ""


def _applies(scope: tuple[str, ...], component: str) -> bool:
    return any(component in SCOPE_COMPONENTS[s] for s in scope)


def _intervals(records: pd.DataFrame, start_col: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp, object]]:
    """(start, end-exclusive, record) for each record, with open records closed by the next one."""
    order = np.argsort(start_col.to_numpy(), kind="stable")
    recs = records.iloc[order]
    starts = start_col.iloc[order].tolist()
    out = []
    for i, (_, rec) in enumerate(recs.iterrows()):
        start = starts[i]
        if pd.notna(rec["end"]):
            end = rec["end"] + pd.Timedelta(days=1)
        elif pd.notna(rec["lifetime_days"]):
            end = rec["occurred"] + pd.Timedelta(days=int(rec["lifetime_days"]))
        else:
            later = [s for s in starts[i + 1 :] if s > start]
            end = later[0] if later else pd.Timestamp.max.normalize()
        if end > start:
            out.append((start, end, rec))
    return out


def signal_timeline(
    signals: pd.DataFrame,
    signal: str,
    component: str,
    days: pd.DatetimeIndex,
    cut: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Level, the id of the record behind it, the day that record occurred and whether it has
    an explicit end date (a notified window, which does not fade), for each day.

    ``cut=None`` is the real-time view: each day sees only what was public on that day.
    With a cut, every record published on or before the cut counts from the day it occurred.
    """
    neutral = SIGNALS[signal].neutral
    mask = (signals["signal"] == signal) & signals["scope"].map(lambda s: _applies(s, component))
    if cut is not None:
        mask &= signals["published"] <= cut
    recs = signals[mask]
    if cut is None:
        start = recs[["occurred", "published"]].max(axis=1)
    else:
        start = recs["occurred"]
    level = np.full(len(days), neutral, dtype=object)
    record = np.full(len(days), NO_RECORD, dtype=object)
    since = np.full(len(days), np.datetime64("NaT", "ns"), dtype="datetime64[ns]")
    dated_end = np.zeros(len(days), dtype=bool)
    values = days.values
    for lo, hi, rec in _intervals(recs, start):
        i0, i1 = np.searchsorted(values, np.datetime64(lo)), np.searchsorted(values, np.datetime64(hi))
        level[i0:i1] = rec["level"]
        record[i0:i1] = rec["id"]
        since[i0:i1] = np.datetime64(rec["occurred"])
        dated_end[i0:i1] = pd.notna(rec["end"])
    return pd.DataFrame({"level": level, "record": record, "since": since, "dated_end": dated_end}, index=days)


def state_on(signals: pd.DataFrame, date: pd.Timestamp | str, cut: pd.Timestamp | str | None = None) -> pd.DataFrame:
    """The state of every signal for every model component on ``date``, as known at ``cut``.

    ``cut`` defaults to ``date`` (what an analyst knew that day). Rows: components; columns:
    a MultiIndex of (signal, level|record|since).
    """
    date = pd.Timestamp(date)
    cut = pd.Timestamp(cut) if cut is not None else date
    days = pd.DatetimeIndex([date])
    rows = {}
    for component in COMPONENTS:
        row = {}
        for signal in SIGNALS:
            t = signal_timeline(signals, signal, component, days, cut=cut).iloc[0]
            row[(signal, "level")] = t["level"]
            row[(signal, "record")] = t["record"]
            row[(signal, "since")] = t["since"]
        rows[component] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.columns = pd.MultiIndex.from_tuples(frame.columns)
    return frame


def question_state(signals: pd.DataFrame, date, event: str, cut=None) -> dict[str, str]:
    """Signal levels for a question's event type on ``date``: for a union type, the strongest
    (least neutral) level recorded for any of its components, so nothing recorded is hidden."""
    from .vocab import QUESTION_COMPONENTS

    table = state_on(signals, date, cut)
    comps = QUESTION_COMPONENTS[event]
    out = {}
    for signal, spec in SIGNALS.items():
        levels = [table.loc[c, (signal, "level")] for c in comps]
        non_neutral = [lv for lv in levels if lv != spec.neutral]
        out[signal] = max(non_neutral, key=spec.levels.index) if non_neutral else spec.neutral
    return out
