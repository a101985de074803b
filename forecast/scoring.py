"""Proper scores, skill against baselines with bootstrap intervals, and reliability tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

EPS = 1e-3  # forecasts are clipped to [EPS, 1 - EPS] for the log score
FORECASTERS = ("model", "climatology", "recent_rate", "no_signals")


def score(y: np.ndarray, p: np.ndarray, eps: float = EPS) -> dict:
    """Brier score of the forecasts as given; log loss and AUC (NaN unless both outcomes occur) of
    the forecasts clipped to [eps, 1 - eps]."""
    y = np.asarray(y, dtype=int)
    raw = np.asarray(p, dtype=float)
    p = np.clip(raw, eps, 1 - eps)
    both = 0 < y.sum() < len(y)
    return {
        "brier": float(brier_score_loss(y, raw)),
        "log_loss": float(log_loss(y, p, labels=[0, 1])),
        "auc": float(roc_auc_score(y, p)) if both else float("nan"),
        "n": int(len(y)),
        "events": int(y.sum()),
    }


def _groups(frame: pd.DataFrame):
    for (event, window), g in frame.groupby(["event", "window_days"], sort=False):
        yield event, window, g
    yield "all", "all", frame


def scores_table(frame: pd.DataFrame, forecasters=FORECASTERS) -> pd.DataFrame:
    """One row per (priors, event, window, forecaster); event/window 'all' pools everything."""
    rows = []
    for prior, fp in frame.groupby("priors", sort=False):
        for event, window, g in _groups(fp):
            for f in forecasters:
                rows.append(
                    {
                        "priors": prior,
                        "event": event,
                        "window_days": window,
                        "forecaster": f,
                        **score(g["outcome"], g[f]),
                    }
                )
    return pd.DataFrame(rows)


def bootstrap_brier_difference(g: pd.DataFrame, baseline: str, n_boot: int = 1000, seed: int = 0):
    """Mean Brier(model) - Brier(baseline) and a 90% interval, resampling origins."""
    diff = (g["model"] - g["outcome"]) ** 2 - (g[baseline] - g["outcome"]) ** 2
    by_origin = diff.groupby(g["origin"]).agg(["sum", "size"])
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(by_origin), size=(n_boot, len(by_origin)))
    sums, sizes = by_origin["sum"].to_numpy()[idx].sum(1), by_origin["size"].to_numpy()[idx].sum(1)
    boots = sums / sizes
    return float(diff.mean()), float(np.quantile(boots, 0.05)), float(np.quantile(boots, 0.95))


def skill_table(frame: pd.DataFrame, baselines=("climatology", "recent_rate", "no_signals")) -> pd.DataFrame:
    """Brier skill of the model against each baseline, with the bootstrap interval of the
    Brier difference (negative = the model is better)."""
    rows = []
    for prior, fp in frame.groupby("priors", sort=False):
        for event, window, g in _groups(fp):
            bm = float(((g["model"] - g["outcome"]) ** 2).mean())
            for b in baselines:
                bb = float(((g[b] - g["outcome"]) ** 2).mean())
                d, lo, hi = bootstrap_brier_difference(g, b)
                rows.append(
                    {
                        "priors": prior,
                        "event": event,
                        "window_days": window,
                        "baseline": b,
                        "brier_skill": 1 - bm / bb if bb > 0 else float("nan"),
                        "brier_diff": d,
                        "diff_lo90": lo,
                        "diff_hi90": hi,
                        "n": len(g),
                    }
                )
    return pd.DataFrame(rows)


def reliability(y: np.ndarray, p: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Quantile-binned reliability: mean forecast, observed frequency and count per bin."""
    p = np.asarray(p, float)
    y = np.asarray(y, int)
    edges = np.unique(np.quantile(p, np.linspace(0, 1, bins + 1)))
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, max(len(edges) - 2, 0))
    rows = []
    for b in np.unique(which):
        m = which == b
        rows.append(
            {"bin": int(b), "forecast": float(p[m].mean()), "observed": float(y[m].mean()), "count": int(m.sum())}
        )
    return pd.DataFrame(rows)
