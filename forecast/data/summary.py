"""Tables that describe the dataset (used by `forecast data check` and the app)."""

from __future__ import annotations

import pandas as pd

from forecast.data.dataset import Dataset
from forecast.data.event_days import component_of
from forecast.data.vocab import QUESTION_EVENTS, RECORDED_EVENTS


def with_question_types(events: pd.DataFrame) -> pd.DataFrame:
    """Events with a row for each question type they count toward (long_range_missile added)."""
    long_range = events[component_of(events) == "long_range_missile"]
    return pd.concat([events, long_range.assign(event="long_range_missile")], ignore_index=True)


def events_of(events: pd.DataFrame, event: str) -> pd.DataFrame:
    """The events that count toward a question's event type (all of them for ``any``)."""
    if event == "any":
        return events
    return with_question_types(events).query("event == @event")


def counts_by_type(events: pd.DataFrame) -> pd.Series:
    """The number of events of each question event type, in the usual order."""
    table = with_question_types(events)["event"].value_counts()
    order = [e for e in QUESTION_EVENTS if e != "any"]
    return table.reindex(order, fill_value=0)


def counts_by_year(events: pd.DataFrame) -> pd.DataFrame:
    """The number of events per year and event type, every year from the first to the last."""
    frame = with_question_types(events).assign(year=lambda f: f["date"].dt.year)
    table = frame.pivot_table(index="year", columns="event", values="date", aggfunc="count", fill_value=0)
    cols = [e for e in QUESTION_EVENTS if e != "any" and e in table.columns]
    years = range(int(frame["year"].min()), int(frame["year"].max()) + 1)
    return table.reindex(index=years, columns=cols, fill_value=0)


def signal_counts(signals: pd.DataFrame) -> pd.DataFrame:
    """The number of signal records for each signal and level."""
    return signals.groupby(["signal", "level"]).size().rename("records").reset_index()


def check_report(ds: Dataset) -> list[str]:
    """The lines `forecast data check` prints."""
    ev, sg = ds.events, ds.signals
    lines = [
        f"data OK (hash {ds.data_hash})",
        f"complete through {ds.complete_through.date()} (data/record.toml): {ds.reach.checked}",
        f"events: {len(ev)} rows, {ev['date'].min().date()} to {ev['date'].max().date()}, every row sourced",
        "",
        "events by type (long_range_missile = IRBM/ICBM days, also counted in ballistic_missile):",
    ]
    lines += [f"  {k:<20} {v:>4}" for k, v in counts_by_type(ev).items()]
    lines += ["", "events by year:"]
    by_year = counts_by_year(ev)
    lines += ["  " + line for line in by_year.to_string().splitlines()]
    lines += [
        "",
        f"signal records: {len(sg)}, occurred {sg['occurred'].min().date()} to {sg['occurred'].max().date()}, "
        f"published up to {sg['published'].max().date()}, every row sourced",
    ]
    lines += [f"  {r.signal:<14} {r.level:<12} {r.records:>4}" for r in signal_counts(sg).itertuples()]
    missing = [e for e in RECORDED_EVENTS if e not in set(ev["event"])]
    if missing:
        lines.append(f"note: no events of type {', '.join(missing)}")
    return lines


def timeline_frame(
    events: pd.DataFrame,
    signals: pd.DataFrame,
    kinds: list[str],
    names: list[str],
    years: tuple[int, int],
    record_end: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Event days and signal-record spans for the Data page's timeline, within ``years``.

    A record spans from the day it occurred to its end date, or its lifetime, or (open records)
    the next record of the same signal, clipped to the record's end."""
    lo, hi = pd.Timestamp(f"{years[0]}-01-01"), pd.Timestamp(f"{years[1]}-12-31")
    ev = with_question_types(events)
    ev = ev[ev["event"].isin(kinds) & ev["date"].between(lo, hi)]
    detail = ev["vehicle"].fillna("").astype(str) + " " + ev["missile_class"].fillna("").astype(str)
    origin = ev["origin"] if "origin" in ev.columns else "shipped"
    points = pd.DataFrame(
        {"date": ev["date"], "row": ev["event"], "detail": detail.str.strip(), "source": ev["source"], "origin": origin}
    )
    spans = []
    for name, g in signals[signals["signal"].isin(names)].groupby("signal", sort=False):
        g = g.sort_values("occurred")
        starts = pd.to_datetime(g["occurred"]).tolist()
        for i, r in enumerate(g.itertuples()):
            start = pd.Timestamp(r.occurred)
            if pd.notna(r.end):
                end = pd.Timestamp(r.end)
            elif pd.notna(r.lifetime_days):
                end = start + pd.Timedelta(days=int(r.lifetime_days))
            else:
                later = [s for s in starts[i + 1 :] if s > start]
                end = later[0] if later else record_end
            if end < lo or start > hi:
                continue
            spans.append(
                {
                    "id": r.id,
                    "row": f"signal: {name}",
                    "level": f"{name}={r.level}",
                    "start": max(start, lo),
                    "end": min(max(end, start + pd.Timedelta(days=3)), hi),
                    "published": pd.Timestamp(r.published),
                    "source": r.source,
                    "origin": getattr(r, "origin", "shipped"),
                }
            )
    columns = ["id", "row", "level", "start", "end", "published", "source", "origin"]
    return points, pd.DataFrame(spans, columns=columns)
