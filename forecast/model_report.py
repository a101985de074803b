"""The numbers behind the Model page: priors against posteriors and the fit's diagnostics."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .fit_cache import Fit
from .model import ESS_MIN, RHAT_MAX
from .priors import FEATURES, Z90, Priors
from .vocab import COMPONENTS


def effects(fit: Fit, priors: Priors) -> pd.DataFrame:
    """Per feature: the prior file's odds ratio and 90% interval for the pooled effect, and the
    posterior's (median and 90% interval of exp(mu)); plus each component's posterior median."""
    rows = []
    post = fit.posterior
    for j, f in enumerate(FEATURES):
        e = priors.effect[f]
        mean, sd = e.log_odds()
        lo, mid, hi = np.exp(np.quantile(post.mu[:, j], [0.05, 0.5, 0.95]))
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
