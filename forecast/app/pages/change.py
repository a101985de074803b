"""What would change my mind: the forecast under each level of every signal not yet set."""

from __future__ import annotations

import altair as alt
import streamlit as st

from forecast.answers import workbench
from forecast.app.common import EVENT_LABEL, analyst_evidence, fmt_pct, in_use


def render() -> None:
    """Draw the What would change my mind page: the forecast under each level of each signal not yet set."""
    use = in_use()
    st.title("What would change my mind")
    events = st.session_state["events"] or ["space_launch"]
    window = int(st.session_state["window"])
    evidence = analyst_evidence()
    event = st.selectbox("Event type", events, format_func=EVENT_LABEL.get, key="wwc_event")
    current = workbench.summary(use.answerer, event, window, evidence)
    st.caption(
        f"As of {use.answerer.as_of.date()}, P({EVENT_LABEL[event]} within {window} days) = "
        f"**{fmt_pct(current['probability'])}** under your evidence. Each row below keeps that evidence and "
        "sets one more signal that you have not set yourself to each of its levels. The signals at the top are "
        "the ones worth looking for next."
    )
    set_by_analyst = set(evidence)
    if set_by_analyst:
        st.caption("Set by you (left out here): " + ", ".join(sorted(set_by_analyst)))
    frame = workbench.what_would_change(use.answerer, event, window, evidence, exclude=set_by_analyst)
    if frame.empty:
        st.info("You have set every signal; nothing is left to look for.")
        return
    order = list(dict.fromkeys(frame["signal"]))
    chart_data = frame.assign(
        label=frame["level"] + frame["data_level"].map({True: " (data)", False: ""}),
        shown=frame["probability"].map(fmt_pct),
        tag=frame["level"] + " " + frame["probability"].map(fmt_pct),
        effect=[
            "the data's level" if d else ("raises" if c > 0 else "lowers")
            for d, c in zip(frame["data_level"], frame["change"], strict=True)
        ],
    )
    # each level on its own line within its signal's row, labelled to the right of its dot, so
    # levels that give close numbers (negotiation, sanctions) neither hide nor overwrite each other
    y = alt.Y("signal:N", sort=order, title=None, axis=alt.Axis(labelFontWeight="bold"))
    y_offset = alt.YOffset("level_order:O", scale=alt.Scale(paddingOuter=0.3))
    points = (
        alt.Chart(chart_data)
        .mark_circle(size=110)
        .encode(
            y=y,
            yOffset=y_offset,
            x=alt.X("probability:Q", title=f"P({EVENT_LABEL[event]} within {window} days)", axis=alt.Axis(format="%")),
            color=alt.Color(
                "effect:N",
                title=None,
                scale=alt.Scale(domain=["raises", "lowers", "the data's level"], range=["#c0392b", "#2e86c1", "#888"]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=["signal", "label", "shown", alt.Tooltip("change:Q", format="+.1%")],
        )
    )
    rule = alt.Chart(chart_data.head(1)).mark_rule(strokeDash=[4, 4]).encode(x=alt.datum(current["probability"]))
    labels = alt.Chart(chart_data).encode(y=y, yOffset=y_offset, x="probability:Q", text="tag:N")
    right = labels.mark_text(align="left", dx=9, fontSize=11, baseline="middle").transform_filter(
        "datum.probability < 0.75"
    )
    left = labels.mark_text(align="right", dx=-9, fontSize=11, baseline="middle").transform_filter(
        "datum.probability >= 0.75"
    )  # near the right edge the label goes to the dot's left
    height = 20 * len(chart_data) + 24 * len(order) + 40
    st.altair_chart((rule + points + right + left).properties(height=height), width="stretch")
    st.caption(
        "Dashed: the forecast under your evidence. 'notice' is a notice without dates (a window soon, as the "
        "record's notices define it; set its window on the Forecast page); 'issued' is a notice or a plan, not "
        "said which."
    )
    table = chart_data[["signal", "label", "shown", "change", "largest_move"]].rename(
        columns={"label": "level", "shown": "forecast", "change": "change (pts)", "largest_move": "largest move (pts)"}
    )
    table["change (pts)"] = (table["change (pts)"] * 100).round(1)
    table["largest move (pts)"] = (table["largest move (pts)"] * 100).round(1)
    st.dataframe(table, hide_index=True, width="stretch")


render()
