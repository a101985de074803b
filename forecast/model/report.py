"""The numbers behind the Model page: priors against posteriors and the fit's diagnostics."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.core.limits import median_interval
from forecast.data.vocab import COMPONENTS, WARNING_KINDS
from forecast.model.feature_names import FEATURES
from forecast.model.fitted import Fit
from forecast.model.posterior import ESS_MIN, RHAT_MAX
from forecast.model.priors import Z90, Priors


def effects(fit: Fit, priors: Priors) -> pd.DataFrame:
    """Per feature: the prior file's odds ratio and 90% interval for the pooled effect, and the
    posterior's (median and 90% interval of exp(mu)); plus each component's posterior median."""
    rows = []
    post = fit.posterior
    for j, f in enumerate(FEATURES):
        e = priors.effect[f]
        mean, sd = e.log_odds()
        lo, mid, hi = np.exp(median_interval(post.mu[:, j]))
        row = {
            "feature": f,
            "prior_low": float(np.exp(mean - Z90 * sd)),
            "prior_odds_ratio": float(np.exp(mean)),
            "prior_high": float(np.exp(mean + Z90 * sd)),
            "posterior_low": float(lo),
            "posterior_odds_ratio": float(mid),
            "posterior_high": float(hi),
        }
        for k, c in enumerate(COMPONENTS):
            row[c] = float(np.exp(np.median(post.beta[:, k, j])))
        rows.append(row)
    return pd.DataFrame(rows)


def warnings(fit: Fit, priors: Priors) -> pd.DataFrame:
    """Per warning kind: the prior file's hit rate and mean lead time (90% intervals) against the
    posterior's (median and 90% interval; the hit rate shared across event types), and each event
    type's posterior median hit rate."""
    post = fit.posterior
    rows = []
    for i, kind in enumerate(WARNING_KINDS):
        spec = priors.warning[kind]
        hit_lo, hit_mid, hit_hi = median_interval(post.hit_pooled[:, i])
        lead_lo, lead_mid, lead_hi = median_interval(post.lead[:, i])
        row = {
            "kind": kind,
            "prior_hit_low": spec.low,
            "prior_hit": spec.hit_rate,
            "prior_hit_high": spec.high,
            "posterior_hit_low": float(hit_lo),
            "posterior_hit": float(hit_mid),
            "posterior_hit_high": float(hit_hi),
            "prior_lead_low": spec.lead_low,
            "prior_lead_days": spec.lead_days,
            "prior_lead_high": spec.lead_high,
            "posterior_lead_low": float(lead_lo),
            "posterior_lead_days": float(lead_mid),
            "posterior_lead_high": float(lead_hi),
        }
        for k, c in enumerate(COMPONENTS):
            row[f"hit {c}"] = float(np.median(post.hit[:, i, k]))
        rows.append(row)
    return pd.DataFrame(rows)


def lead_time_curves(fit: Fit, days: int = 120) -> pd.DataFrame:
    """P(the warned event has come by day d of a warning's support | it comes), per kind: median and
    90% band over draws of the geometric lead time (a notice's day 0 is the eve of its window)."""
    post = fit.posterior
    d = np.arange(days + 1)
    parts = []
    for i, kind in enumerate(WARNING_KINDS):
        q = (post.lead[:, i] / (1 + post.lead[:, i]))[:, None]
        cdf = 1 - q ** (d[None, :] + 1)
        lo, mid, hi = median_interval(cdf, axis=0)
        parts.append(pd.DataFrame({"kind": kind, "day": d, "median": mid, "low": lo, "high": hi}))
    return pd.concat(parts, ignore_index=True)


def effects_long(frame: pd.DataFrame) -> pd.DataFrame:
    """The prior and posterior intervals stacked, for a chart."""
    parts = []
    for kind in ("prior", "posterior"):
        part = frame[["feature", f"{kind}_low", f"{kind}_odds_ratio", f"{kind}_high"]].copy()
        part.columns = ["feature", "low", "odds_ratio", "high"]
        part["kind"] = kind
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def diagnostics(fit: Fit) -> pd.DataFrame:
    """The fit's sampler diagnostics as a table: each check, its value, its threshold and whether it passes."""
    d = fit.diagnostics
    return pd.DataFrame(
        [
            {"check": "R-hat (max)", "value": round(d.rhat_max, 4), "threshold": f"<= {RHAT_MAX}"},
            {"check": "bulk ESS (min)", "value": round(d.ess_bulk_min), "threshold": f">= {ESS_MIN}"},
            {"check": "tail ESS (min)", "value": round(d.ess_tail_min), "threshold": f">= {ESS_MIN}"},
            {"check": "divergent transitions", "value": d.divergences, "threshold": "0"},
            {"check": "sampling time (s)", "value": round(d.seconds, 1), "threshold": ""},
        ]
    ).assign(
        ok=[d.rhat_max <= RHAT_MAX, d.ess_bulk_min >= ESS_MIN, d.ess_tail_min >= ESS_MIN, d.divergences == 0, True]
    )


def warnings_long(frame: pd.DataFrame) -> pd.DataFrame:
    """The prior and posterior intervals of `warnings` stacked, one row per kind, measure (hit rate
    or mean lead time in days) and source (prior or posterior), for a chart."""
    parts = []
    for measure, stem, mid in (("hit rate", "hit", "hit"), ("mean lead time (days)", "lead", "lead_days")):
        for kind in ("prior", "posterior"):
            part = frame[["kind", f"{kind}_{stem}_low", f"{kind}_{mid}", f"{kind}_{stem}_high"]].copy()
            part.columns = ["warning", "low", "value", "high"]
            part["measure"], part["source"] = measure, kind
            parts.append(part)
    return pd.concat(parts, ignore_index=True)


def prior_entries(priors: Priors) -> pd.DataFrame:
    """Every entry of a prior file with its values, rationale and source: context effects and
    recency terms, direct warnings, base rates."""
    rows = [
        {
            "entry": f"effect {k}",
            "prior": f"odds ratio {v.odds_ratio:g} (90% {v.low:g}-{v.high:g})",
            "rationale": v.rationale,
            "source": v.source,
        }
        for k, v in priors.effect.items()
    ]
    rows += [
        {
            "entry": f"warning {k}",
            "prior": (
                f"hit rate {v.hit_rate:g} (90% {v.low:g}-{v.high:g}); mean lead {v.lead_days:g} days "
                f"(90% {v.lead_low:g}-{v.lead_high:g}); "
                + (
                    f"a notice without dates: a window of {v.span_days} days opening {v.gap_days} days later "
                    "(when the record has no notice to go by)"
                    if k == "notice"
                    else f"set by an analyst, in force {v.span_days} days"
                )
            ),
            "rationale": v.rationale,
            "source": v.source,
        }
        for k, v in priors.warning.items()
    ]
    rows += [
        {
            "entry": f"fade {k}",
            "prior": "; ".join(
                part
                for part in (
                    f"half-life {v.half_life_days:g} days" if v.half_life_days else "",
                    f"analyst's evidence in force {v.evidence_lifetime_days} days" if v.evidence_lifetime_days else "",
                )
                if part
            )
            or "no fading",
            "rationale": v.rationale,
            "source": "",
        }
        for k, v in priors.fade.items()
    ]
    rows += [
        {
            "entry": f"base rate {k}",
            "prior": f"{v.per_year:g} a year (90% {v.low:g}-{v.high:g})",
            "rationale": v.rationale,
            "source": v.source,
        }
        for k, v in priors.base_rate.items()
    ]
    return pd.DataFrame(rows)
