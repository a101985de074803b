"""The Model page: the prior file in use, priors against posteriors, the fit's diagnostics."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from .. import model_report
from .common import in_use


def render() -> None:
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

    st.subheader("Signal effects: prior against posterior")
    eff = model_report.effects(fit, priors)
    long = model_report.effects_long(eff)
    base = alt.Chart(long).encode(
        y=alt.Y("feature:N", title=None, sort=list(eff["feature"]), axis=alt.Axis(labelLimit=260)),
        yOffset="kind:N",
        color=alt.Color(
            "kind:N", title=None, scale=alt.Scale(domain=["prior", "posterior"], range=["#aaa", "#c0392b"])
        ),
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
        "The pooled effect of each signal level and recency term: grey from the prior file, red from the posterior. "
        "Per event type (posterior medians):"
    )
    st.dataframe(eff.round(3), hide_index=True, width="stretch")
    st.subheader("Prior entries and their rationale")
    rows = [
        {
            "entry": f"effect {k}",
            "odds ratio": v.odds_ratio,
            "90%": f"{v.low}-{v.high}",
            "rationale": v.rationale,
            "source": v.source,
        }
        for k, v in priors.effect.items()
    ]
    rows += [
        {
            "entry": f"base rate {k}",
            "odds ratio": None,
            "90%": f"{v.low}-{v.high} a year (mean {v.per_year})",
            "rationale": v.rationale,
            "source": v.source,
        }
        for k, v in priors.base_rate.items()
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
