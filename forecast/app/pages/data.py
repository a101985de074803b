"""The Data page: events and signal records with their sources, filterable, on a timeline."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from forecast.app.common import get_context
from forecast.core.errors import InputError
from forecast.data import analyst_records
from forecast.data.dataset import OUTCOMES
from forecast.data.summary import counts_by_type, counts_by_year, timeline_frame
from forecast.data.vocab import MISSILE_CLASSES, QUESTION_EVENTS, RECORD_LEVELS, RECORDED_EVENTS, SIGNAL_SCOPES, SIGNALS


def render() -> None:
    """Draw the Data page: counts by event type, a filterable timeline, events by year, the events and
    signal records, and the analyst's own records."""
    ds = get_context().ds
    events, signals = ds.events, ds.signals
    last_year = int(events["date"].dt.year.max())
    st.title(f"North Korean launches and tests, 1998-{last_year}")
    n_own = analyst_records.analyst_count(ds)
    own = f" It includes {n_own} of your own records (origin `analyst`, see below)." if n_own else ""
    st.caption(
        f"The historical record the forecaster learns from. Data hash `{ds.data_hash}`. "
        f"Every row names its source; dates are Korea local dates.{own}"
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
    layers = bars + points
    own_points, own_bars = ev_points[ev_points["origin"] == "analyst"], sig_bars[sig_bars["origin"] == "analyst"]
    if len(own_bars):
        layers += (
            alt.Chart(own_bars)
            .mark_bar(height=14, filled=False, stroke="black", strokeWidth=2)
            .encode(x="start:T", x2="end:T", y=alt.Y("row:N", sort=None), tooltip=["id", "level", "origin", "source"])
        )
    if len(own_points):
        layers += (
            alt.Chart(own_points)
            .mark_point(shape="diamond", size=120, filled=True, color="black")
            .encode(x="date:T", y=alt.Y("row:N", sort=None), tooltip=["date:T", "row", "detail", "origin", "source"])
        )
    st.altair_chart(layers.properties(height=40 * (len(chosen) + len(sig)) + 60), width="stretch")
    st.caption(
        "Ticks: event days. Bars: signal records from when they took effect to when they ended or were replaced."
        + (" Black diamonds and outlined bars: your own records." if n_own else "")
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
    st.dataframe(_origin_first(shown), hide_index=True, width="stretch")

    st.subheader("Signal records")
    st.caption("Each record: when it happened, when it became public, the level it implies, how long it lasts.")
    table = signals[signals["signal"].isin(sig)].drop(columns=["scope"]).copy()
    table = table[pd.to_datetime(table["occurred"]).dt.year.between(*years)]
    for c in ("occurred", "published", "end"):
        table[c] = pd.to_datetime(table[c]).dt.date
    st.dataframe(_origin_first(table), hide_index=True, width="stretch")

    your_records()


def _origin_first(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with its ``origin`` column (shipped or analyst) first, the analyst's rows shaded."""
    if "origin" not in frame.columns:
        return frame
    frame = frame[["origin", *[c for c in frame.columns if c != "origin"]]]
    if not (frame["origin"] == "analyst").any():
        return frame
    shade = "background-color: #fff3cd"
    return frame.style.apply(lambda r: [shade if r["origin"] == "analyst" else ""] * len(r), axis=1)


# ------------------------------------------------------------------ the analyst's own records

#: Record columns -> the form fields that fill them (errors name the field).
EVENT_LABELS = {
    "date": "Date",
    "event": "Event type",
    "missile_class": "Missile class",
    "vehicle": "Vehicle",
    "site": "Site",
    "outcome": "Outcome",
    "source": "Source",
    "note": "Note",
}
SIGNAL_LABELS = {
    "signal": "Signal and level",
    "level": "Signal and level",
    "events": "Applies to",
    "occurred": "Occurred",
    "published": "Published",
    "end": "End",
    "lifetime_days": "Lifetime (days)",
    "window_start": "Window start",
    "window_end": "Window end",
    "source": "Source",
    "note": "Note",
}
SIGNAL_LEVELS = [f"{s}={lv}" for s, levels in RECORD_LEVELS.items() for lv in levels]


def _iso(value) -> str:
    return value.isoformat() if isinstance(value, dt.date) else ""


def _change(fn, labels: dict, done: str) -> None:
    """Run an add or remove; an error about the new record names the form field and value."""
    try:
        rid = fn()
    except InputError as exc:
        if exc.file is None and exc.field in labels:
            exc.field = labels[exc.field]
        st.error(f"Not saved. {exc}")
        return
    st.session_state["records_flash"] = done.format(rid=rid)
    st.rerun()


def your_records() -> None:
    """The Your records section: add events and signal records of the analyst's own, list and remove them."""
    st.subheader("Your records")
    rdir = analyst_records.records_dir()
    st.caption(
        f"Events and evidence you know of that the shipped record lacks, kept in `{rdir}` (never in data/). "
        "They are checked like the shipped data, merged with it for every forecast (the data hash and each "
        "forecast's provenance say so), and can be removed at any time."
    )
    flash = st.session_state.pop("records_flash", None)
    if flash:
        st.success(flash)
    kind = st.radio("Add", ["event", "signal record"], horizontal=True, key="rec_kind")
    today = dt.date.today()
    if kind == "event":
        with st.form("rec_event_form", clear_on_submit=False):
            c1, c2, c3 = st.columns(3)
            day = c1.date_input("Date", value=today, key="rec_date", min_value=dt.date(1998, 1, 1))
            event = c2.selectbox("Event type", RECORDED_EVENTS, key="rec_event")
            mclass = c3.selectbox(
                "Missile class", ["", *MISSILE_CLASSES], key="rec_class", help="ballistic_missile only"
            )
            c4, c5, c6 = st.columns(3)
            vehicle = c4.text_input("Vehicle", key="rec_vehicle")
            site = c5.text_input("Site", key="rec_site")
            outcome = c6.selectbox("Outcome", OUTCOMES, index=OUTCOMES.index("unknown"), key="rec_outcome")
            source = st.text_input("Source", key="rec_source", placeholder="where this is reported (required)")
            note = st.text_input("Note", key="rec_note")
            if st.form_submit_button("Add event"):
                _change(
                    lambda: analyst_records.add_event(_iso(day), event, source, mclass, note, vehicle, site, outcome),
                    EVENT_LABELS,
                    "Added event {rid}.",
                )
    else:
        with st.form("rec_signal_form", clear_on_submit=False):
            c1, c2 = st.columns(2)
            pair = c1.selectbox("Signal and level", SIGNAL_LEVELS, key="rec_pair")
            scope = c2.multiselect("Applies to", SIGNAL_SCOPES, default=["all"], key="rec_scope")
            c3, c4, c5, c6 = st.columns(4)
            occurred = c3.date_input("Occurred", value=today, key="rec_occurred", min_value=dt.date(1990, 1, 1))
            published = c4.date_input("Published", value=today, key="rec_published", min_value=dt.date(1990, 1, 1))
            end = c5.date_input("End", value=None, key="rec_end", help="last day in force (optional)")
            lifetime = c6.number_input("Lifetime (days)", min_value=1, value=None, step=1, key="rec_lifetime")
            c7, c8 = st.columns(2)
            w_start = c7.date_input("Window start", value=None, key="rec_wstart", help="a notice's first day")
            w_end = c8.date_input("Window end", value=None, key="rec_wend", help="a notice's last day")
            source = st.text_input("Source", key="rec_ssource", placeholder="where this is reported (required)")
            note = st.text_input("Note", key="rec_snote")
            if st.form_submit_button("Add signal record"):
                signal, level = pair.split("=")
                _change(
                    lambda: analyst_records.add_signal(
                        signal,
                        level,
                        ";".join(scope),
                        _iso(occurred),
                        _iso(published),
                        source,
                        _iso(end),
                        "" if lifetime is None else int(lifetime),
                        _iso(w_start),
                        _iso(w_end),
                        note,
                    ),
                    SIGNAL_LABELS,
                    "Added signal record {rid}.",
                )
    try:
        mine = analyst_records.list_records()
    except InputError as exc:
        st.error(f"{exc}")
        return
    if mine.empty:
        st.info("No records of your own yet.")
        return
    st.dataframe(mine, hide_index=True, width="stretch", key="rec_table")
    for rec in mine.itertuples():
        c1, c2 = st.columns([5, 1])
        c1.markdown(f"`{rec.id}` {rec.kind}: {rec.date} {rec.record}")
        if c2.button("Remove", key=f"rec_remove_{rec.id}"):
            _change(lambda rid=rec.id: (analyst_records.remove(rid), rid)[1], {}, "Removed {rid}.")


render()
