"""The Track record page: the latest back-test's scores against the baselines, and reliability."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from forecast.app.common import get_context
from forecast.core.paths import backtest_roots
from forecast.evaluation import track_record


def render() -> None:
    """Draw the Track record page: the latest back-test's scores and skill against the baselines, and
    reliability, for routine and warning origins."""
    ds = get_context().ds
    st.title("Track record")
    run, problems = track_record.latest(backtest_roots())
    for exc in problems:
        st.warning(f"Skipped a damaged back-test output: {exc}")
    if run is None:
        st.info("No back-test output found. Run `forecast backtest --out backtest` (about 9 minutes) or `--quick`.")
        return
    st.caption(f"From `{run.path}`, run {run.created}: {run.settings_text()}.")
    if run.manifest.get("data_hash") != ds.data_hash:
        st.warning(
            f"This back-test ran on data {run.manifest.get('data_hash')}; the data in use are {ds.data_hash}. "
            "Rerun it to score the current data."
        )
    kinds = track_record.kinds(run)
    if "warning" not in kinds:
        st.info(
            "This back-test scored routine origins only (it predates warning origins or ran with "
            "`--no-warning-origins`). Rerun `forecast backtest` to score the days direct warnings were published."
        )
    st.subheader("Overall")
    overall = track_record.overall_by_kind(run)
    st.dataframe(overall.round(4), hide_index=True, width="stretch")
    st.caption(
        "Brier score and log loss over every closed question (lower is better). climatology: share of past "
        "windows with an event; recent_rate: trailing 12-month rate; no_signals: the same model without evidence. "
        "routine: origins on the calendar grid; warning: origins on the day a notice, a declared plan or "
        "preparation or imminent activity at a site was published (an origin that is both counts in each)."
    )
    priors = sorted(run.skill["priors"].unique())
    chosen = st.selectbox("Prior file", priors, key="tr_priors") if len(priors) > 1 else priors[0]
    if "warning" in kinds:
        st.subheader("Routine and warning origins side by side")
        st.dataframe(track_record.kind_comparison(run, chosen).round(3), hide_index=True, width="stretch")
        st.caption("Brier score of the model and its Brier skill against each baseline, by kind of origin.")
        st.dataframe(track_record.difference_comparison(run, chosen).round(3), hide_index=True, width="stretch")
        st.caption(
            "Brier difference model - baseline with its 90% bootstrap interval over origins (negative = the "
            "model is better). Warning origins are few: their intervals are wide."
        )
    kind = (
        st.radio("Origins", kinds, horizontal=True, key="tr_kind", help="Which origins the tables below score.")
        if len(kinds) > 1
        else kinds[0]
    )
    st.subheader(f"Brier skill against each baseline ({kind} origins)")
    wide = track_record.skill_wide(run, chosen, kind)
    rates = [c for c in wide.columns if c not in ("event", "window_days")]
    st.dataframe(
        wide.style.format({c: "{:+.3f}" for c in rates}).background_gradient(
            cmap="RdYlGn", vmin=-0.3, vmax=0.3, subset=rates
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption("Skill = 1 - Brier(model) / Brier(baseline): above zero, the model beats the baseline.")
    st.subheader(f"Reliability ({kind} origins)")
    events, windows = track_record.reliability_choices(run, kind)
    c1, c2 = st.columns(2)
    event = c1.selectbox("Event type", events, key="tr_event")
    window = c2.selectbox("Window (days)", windows, key="tr_window")
    sub = track_record.reliability_curve(run, event, window, kind)
    diag = (
        alt.Chart(pd.DataFrame({"x": [0, 1], "y": [0, 1]}))
        .mark_line(color="grey", strokeDash=[4, 4])
        .encode(x="x:Q", y="y:Q")
    )
    pts = (
        alt.Chart(sub)
        .mark_line(point=True)
        .encode(
            x=alt.X("forecast:Q", title="forecast probability (bin mean)", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("observed:Q", title="observed frequency", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("forecaster:N"),
            tooltip=[
                "forecaster",
                alt.Tooltip("forecast:Q", format=".2f"),
                alt.Tooltip("observed:Q", format=".2f"),
                "count",
            ],
        )
    )
    st.altair_chart((diag + pts).properties(height=380), width="stretch")
    st.caption("Each point is a bin of forecasts (equal counts); on the diagonal, forecasts match what happened.")
    st.subheader(f"Scores by event type and window ({kind} origins)")
    st.dataframe(track_record.scores_by_question(run, chosen, kind).round(4), hide_index=True, width="stretch")


render()
