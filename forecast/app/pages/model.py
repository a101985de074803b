"""The Model page: the prior file in use, priors against posteriors, the fit's diagnostics."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from forecast.app.common import in_use
from forecast.model import report as model_report


def render() -> None:
    """Draw the Model page: the prior file in use, the fit's sampler diagnostics, effects, warnings and priors."""
    use = in_use()
    priors, fit = use.ctx.priors, use.fit
    st.title("Model")
    st.markdown(f"**Prior file:** `{priors.path}` — {priors.meta.name}: {priors.meta.description}")
    st.caption("Switch the prior file in the sidebar; each file is fitted once per cut and cached.")
    st.subheader("Sampler diagnostics of the fit in use")
    diag = model_report.diagnostics(fit)
    if fit.diagnostics.warnings:
        st.warning(
            "This fit misses the convergence thresholds ("
            + "; ".join(fit.diagnostics.warnings)
            + "). Its numbers may be off. More draws help: start the app with FORECAST_DRAWS=2000 "
            "(on the command line, `--draws 2000`)."
        )
    else:
        st.success("The fit meets every threshold: R-hat <= 1.01, bulk and tail ESS >= 400, no divergences.")
    st.dataframe(diag, hide_index=True, width="stretch")
    st.caption(f"Fitted on the record before {fit.as_of}; {fit.posterior.n_draws} posterior draws.")

    effects_section(fit, priors)
    warnings_section(fit, priors)
    st.subheader("Prior entries and their rationale")
    st.dataframe(model_report.prior_entries(priors), hide_index=True, width="stretch")


PRIOR_POSTERIOR = alt.Scale(domain=["prior", "posterior"], range=["#aaa", "#c0392b"])


def effects_section(fit, priors) -> None:
    """The section comparing prior and posterior odds ratios of the context signals and recency terms."""
    st.subheader("Context signals and recency terms: prior against posterior")
    eff = model_report.effects(fit, priors)
    long = model_report.effects_long(eff)
    base = alt.Chart(long).encode(
        y=alt.Y("feature:N", title=None, sort=list(eff["feature"]), axis=alt.Axis(labelLimit=260)),
        yOffset="kind:N",
        color=alt.Color("kind:N", title=None, scale=PRIOR_POSTERIOR),
    )
    rule = base.mark_rule(strokeWidth=3).encode(
        x=alt.X("low:Q", scale=alt.Scale(type="log"), title="odds ratio on the daily odds (90% interval)"), x2="high:Q"
    )
    dot = base.mark_point(filled=True, size=60).encode(
        x="odds_ratio:Q", tooltip=["feature", "kind", alt.Tooltip("odds_ratio:Q", format=".2f")]
    )
    one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    st.altair_chart((rule + dot + one).properties(height=36 * len(eff) + 40), width="stretch")
    st.caption(
        "Odds ratios on the background daily odds, for the context signals (rhetoric, sanctions, negotiation, "
        "moratorium) and the recency terms only: grey from the prior file, red from the posterior. Direct "
        "warnings (a notice, a plan, imminent or preparation activity) are not odds ratios but causes of their "
        "own, with a hit rate and a lead time: see the next section. Per event type (posterior medians):"
    )
    st.dataframe(eff.round(3), hide_index=True, width="stretch")


def warnings_section(fit, priors) -> None:
    """The section comparing prior and posterior hit rates and mean lead times of the direct warnings."""
    st.subheader("Direct warnings: hit rates and lead times")
    st.caption(
        "A direct warning is followed by the event it warns of with its hit rate; if it is, the event comes a "
        "geometric number of days after the start of the warning's support, with the mean lead time. A notice's "
        "support runs from the eve of its window to its last day; the other kinds' from the day the record became "
        "public while it is in force."
    )
    frame = model_report.warnings(fit, priors)
    long = model_report.warnings_long(frame)
    order = list(frame["kind"])
    cols = st.columns(2)
    for col, measure, scale in (
        (cols[0], "hit rate", alt.Scale(domain=[0, 1])),
        (cols[1], "mean lead time (days)", alt.Scale(type="log")),
    ):
        base = alt.Chart(long[long["measure"] == measure]).encode(
            y=alt.Y("warning:N", title=None, sort=order),
            yOffset=alt.YOffset("source:N", sort=["prior", "posterior"]),
            color=alt.Color("source:N", title=None, scale=PRIOR_POSTERIOR, legend=alt.Legend(orient="top")),
        )
        fmt = ".0%" if measure == "hit rate" else ".1f"
        rule = base.mark_rule(strokeWidth=3).encode(
            x=alt.X("low:Q", scale=scale, title=f"{measure} (median and 90% interval)"), x2="high:Q"
        )
        dot = base.mark_point(filled=True, size=60).encode(
            x="value:Q",
            tooltip=[
                "warning",
                "source",
                alt.Tooltip("value:Q", format=fmt, title=measure),
                alt.Tooltip("low:Q", format=fmt),
                alt.Tooltip("high:Q", format=fmt),
            ],
        )
        # the height includes the legend and the axis
        col.altair_chart((rule + dot).properties(height=50 * len(order) + 110), width="stretch")
    st.caption(
        "Grey: the prior file; red: the posterior (the hit rate pooled over event types). Per event type, the "
        "posterior median hit rates are in the table's 'hit ...' columns; an event type with no warnings of a kind "
        "in the record keeps close to the pooled value."
    )
    st.dataframe(frame.round(3), hide_index=True, width="stretch")
    curves = model_report.lead_time_curves(fit)
    base = alt.Chart(curves).encode(
        x=alt.X("day:Q", title="days after the start of the warning's support (a notice: the eve of its window)"),
        color=alt.Color(
            "kind:N",
            title=None,
            sort=order,
            scale=alt.Scale(scheme="tableau10"),
            legend=alt.Legend(orient="top", symbolType="stroke", symbolOpacity=1, symbolStrokeWidth=3),
        ),
    )
    band = base.mark_area(opacity=0.15).encode(y="low:Q", y2="high:Q")
    line = base.mark_line().encode(
        y=alt.Y(
            "median:Q", title="P(event by then | it comes)", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])
        ),
        tooltip=[
            "kind",
            "day",
            alt.Tooltip("median:Q", format=".0%"),
            alt.Tooltip("low:Q", format=".0%"),
            alt.Tooltip("high:Q", format=".0%"),
        ],
    )
    st.markdown("**Lead times: when the warned event comes, given that it comes**")
    st.altair_chart((band + line).properties(height=320), width="stretch")
    st.caption(
        "Posterior median and 90% band of the lead time's distribution function. In a forecast the lead time is "
        "truncated to the warning's support (a notice's window, a plan's year) and scaled up to fill it, so a "
        "warned event that comes, comes before its support ends."
    )


render()
