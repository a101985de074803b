"""Shaping answers into the tables analysts brief from."""

from __future__ import annotations

import pandas as pd


def pct(v: float) -> str:
    """A probability as a whole percentage for a briefing table, '<1%' below one percent."""
    return f"{v:.0%}" if v >= 0.01 else "<1%"


def wide_table(rows: list[dict]) -> pd.DataFrame:
    """One row per event type; per window 'mean (90% interval) band'; base rates; drivers of the
    longest window."""
    frame = pd.DataFrame(rows)
    windows = sorted(frame["window_days"].unique())
    out = []
    for event, g in frame.groupby("event", sort=False):
        g = g.set_index("window_days")
        row = {"event": event}
        for w in windows:
            r = g.loc[w]
            row[f"{w} days"] = f"{pct(r['probability'])} ({pct(r['lower'])}-{pct(r['upper'])}) {r['band']}"
        row["base rate"] = " / ".join(pct(g.loc[w, "base_rate"]) for w in windows)
        row["main drivers (log-odds)"] = g.loc[windows[-1], "drivers"]
        out.append(row)
    return pd.DataFrame(out)
