"""The Data page: events and signal records with their sources, filterable, on a timeline."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from ..summary import counts_by_type, counts_by_year, timeline_frame
from ..vocab import QUESTION_EVENTS, SIGNALS
from .common import get_context


def render() -> None:
    ds = get_context().ds
    events, signals = ds.events, ds.signals
    last_year = int(events["date"].dt.year.max())
    st.title(f"North Korean launches and tests, 1998-{last_year}")
    st.caption(
        f"The historical record the forecaster learns from. Data hash `{ds.data_hash}`. "
        "Every row names its source; dates are Korea local dates."
    )
    cols = st.columns(5)
    for col, (event, n) in zip(cols, counts_by_type(events).items(), strict=True):
        col.metric(event.replace("_", " "), int(n))

    kinds = [e for e in QUESTION_EVENTS if e not in ("any", "long_range_missile")]
    c1, c2, c3 = st.columns([2, 2, 2])
    chosen = c1.multiselect("Event types", kinds, default=kinds, key="data_events")
    sig = c2.multiselect("Signals", list(SIGNALS), default=list(SIGNALS), key="data_signals")
    years = c3.slider("Period", 1998, last_year, (1998, last_year), key="data_years")

    st.subheader("Timeline")
    ev_points, sig_bars = timeline_frame(events, signals, chosen, sig, years, ds.complete_through)
    points = (
        alt.Chart(ev_points)
        .mark_tick(thickness=2, size=18)
        .encode(
            x=alt.X("date:T", title=None),
            y=alt.Y("row:N", title=None, sort=None),
            color=alt.Color("row:N", legend=None),
            tooltip=["date:T", "row", "detail", "source"],
        )
    )
    bars = (
        alt.Chart(sig_bars)
        .mark_bar(height=10, opacity=0.7)
        .encode(
            x="start:T",
            x2="end:T",
            y=alt.Y("row:N", sort=None),
            color=alt.Color("level:N", title="signal level"),
            tooltip=["id", "row", "level", "start:T", "end:T", "published:T", "source"],
        )
    )
    st.altair_chart((bars + points).properties(height=40 * (len(chosen) + len(sig)) + 60), width="stretch")
    st.caption(
        "Ticks: event days. Bars: signal records from when they took effect to when they ended or were replaced."
    )

    st.subheader("Events by year and type")
    by_year = counts_by_year(events).reset_index().melt(id_vars="year", var_name="event", value_name="events")
    by_year = by_year[by_year["event"].isin(chosen) & by_year["year"].between(*years)]
    chart = (
        alt.Chart(by_year)
        .mark_bar()
        .encode(
            x=alt.X("year:O", title="year"),
            y=alt.Y("events:Q", title="event days"),
            color=alt.Color("event:N", title="event type"),
            xOffset="event:N",
            tooltip=["year", "event", "events"],
        )
        .properties(height=280)
    )
    st.altair_chart(chart, width="stretch")

    st.subheader("Events")
    shown = events[events["event"].isin(chosen) & events["date"].dt.year.between(*years)].copy()
    shown["date"] = shown["date"].dt.date
    st.dataframe(shown, hide_index=True, width="stretch")

    st.subheader("Signal records")
    st.caption("Each record: when it happened, when it became public, the level it implies, how long it lasts.")
    table = signals[signals["signal"].isin(sig)].drop(columns=["scope"]).copy()
    table = table[pd.to_datetime(table["occurred"]).dt.year.between(*years)]
    for c in ("occurred", "published", "end"):
        table[c] = pd.to_datetime(table[c]).dt.date
    st.dataframe(table, hide_index=True, width="stretch")
