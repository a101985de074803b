"""Warning origins: the days direct warnings (DESIGN.md section 5, "Warning origins") became public,
on which back-tests and episode replays also ask their questions."""

from __future__ import annotations

import pandas as pd

from forecast.data.vocab import SIGNALS, WARNING_SIGNALS

#: Announcement codes before and after the re-coding of ``issued`` into ``notice`` and ``plan``;
#: accepted whichever of them the vocabulary lists today.
ANNOUNCEMENT_WARNINGS: frozenset[str] = frozenset({"issued", "notice", "plan"})


def _warning_levels() -> dict[str, frozenset[str]]:
    levels = {name: frozenset(SIGNALS[name].levels) - {SIGNALS[name].neutral} for name in sorted(WARNING_SIGNALS)}
    levels["announcement"] |= ANNOUNCEMENT_WARNINGS
    return levels


#: The direct warnings: every non-neutral level of the warning signals (site_activity:
#: preparation, imminent; announcement: issued, notice, plan).
WARNING_LEVELS: dict[str, frozenset[str]] = _warning_levels()


def warning_levels_text() -> str:
    """The direct warnings in words, e.g. for reports: 'announcement issued, notice or plan; ...'."""
    return "; ".join(
        f"{name} " + " or ".join(", ".join(sorted(levels)).rsplit(", ", 1)) for name, levels in WARNING_LEVELS.items()
    )


def warning_records(signals: pd.DataFrame) -> pd.DataFrame:
    """The direct-warning records of a signal history (see ``WARNING_LEVELS``)."""
    warn = pd.Series(False, index=signals.index)
    for name, levels in WARNING_LEVELS.items():
        warn |= (signals["signal"] == name) & signals["level"].isin(levels)
    return signals[warn]


def warning_days(
    signals: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, shortest_window: int, data_end: pd.Timestamp
) -> dict[pd.Timestamp, tuple[str, ...]]:
    """Publication days of direct-warning records from ``start`` to ``end`` whose shortest window
    closes by the record's end (``data_end``), each with the ids of the warning records published that day."""
    rec = warning_records(signals)
    day = rec["published"].dt.normalize()
    keep = (day >= start) & (day <= end) & (day + pd.Timedelta(days=shortest_window - 1) <= data_end)
    rec, day = rec[keep], day[keep]
    return {d: tuple(sorted(g["id"])) for d, g in rec.groupby(day, sort=True)}
