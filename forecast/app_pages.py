"""Streamlit page bodies. Layout only: every number comes from forecast.summary / forecast.data."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from .data import load_dataset
from .summary import counts_by_type, counts_by_year
from .vocab import QUESTION_EVENTS, SIGNALS


@st.cache_data
def _dataset():
    ds = load_dataset()
    return ds.events, ds.signals, ds.data_hash


def dataset_page() -> None:
    events, signals, data_hash = _dataset()
    st.title("North Korean launches and tests, 1998-2024")
    st.caption(
        f"The historical record the forecaster learns from. Data hash `{data_hash}`. "
        "Every row names its source; dates are Korea local dates."
    )
    cols = st.columns(5)
    for col, (event, n) in zip(cols, counts_by_type(events).items(), strict=True):
        col.metric(event.replace("_", " "), int(n))

    st.subheader("Events by year and type")
    by_year = counts_by_year(events).reset_index().melt(id_vars="year", var_name="event", value_name="events")
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
        .properties(height=320)
    )
    st.altair_chart(chart, width="stretch")

    st.subheader("Events")
    kinds = [e for e in QUESTION_EVENTS if e not in ("any", "long_range_missile")]
    chosen = st.multiselect("Event types", kinds, default=kinds)
    years = st.slider("Years", 1998, int(events["date"].dt.year.max()), (1998, int(events["date"].dt.year.max())))
    shown = events[events["event"].isin(chosen) & events["date"].dt.year.between(*years)].copy()
    shown["date"] = shown["date"].dt.date
    st.dataframe(shown, hide_index=True, width="stretch")

    st.subheader("Signal records")
    st.caption("Each record: when it happened, when it became public, the level it implies, how long it lasts.")
    sig = st.multiselect("Signals", list(SIGNALS), default=list(SIGNALS))
    table = signals[signals["signal"].isin(sig)].drop(columns=["scope"]).copy()
    for c in ("occurred", "published", "end"):
        table[c] = pd.to_datetime(table[c]).dt.date
    st.dataframe(table, hide_index=True, width="stretch")
