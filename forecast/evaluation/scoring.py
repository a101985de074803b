"""Proper scores, skill against baselines with bootstrap intervals, and reliability tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

from forecast.core.limits import interval

EPS = 1e-3  # forecasts are clipped to [EPS, 1 - EPS] for the log score
FORECASTERS = ("model", "climatology", "recent_rate", "no_signals")
BASELINES = ("climatology", "recent_rate", "no_signals")
#: The kinds of origin scored apart; an origin of kind ``both`` is scored with each.
ORIGIN_KINDS = ("routine", "warning")
_MEMBERS = {"routine": ("routine", "both"), "warning": ("warning", "both")}


def origin_kinds(frame: pd.DataFrame) -> pd.Series:
    """Each row's origin kind; tables written before warning origins existed are all routine."""
    if "origin_kind" in frame:
        return frame["origin_kind"].fillna("routine")
    return pd.Series("routine", index=frame.index)


def select_origins(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The rows of one kind of origin: ``routine`` (the calendar grid) or ``warning`` (the
    publication days of direct warnings); an origin that is both belongs to each."""
    if kind not in _MEMBERS:
        raise ValueError(f"unknown origin kind {kind!r}; allowed: {', '.join(ORIGIN_KINDS)}")
    return frame[origin_kinds(frame).isin(_MEMBERS[kind])]


def by_origin_kind(frame: pd.DataFrame, table, *, after: str | None = "priors") -> pd.DataFrame:
    """``table(rows)`` for each kind of origin present, stacked, with an ``origin_kind`` column
    placed after the column ``after`` (or first)."""
    out = []
    for kind in ORIGIN_KINDS:
        rows = select_origins(frame, kind)
        if rows.empty:
            continue
        t = table(rows)
        t.insert(t.columns.get_loc(after) + 1 if after in t else 0, "origin_kind", kind)
        out.append(t)
    return pd.concat(out, ignore_index=True)


def window_order(window: pd.Series) -> pd.Series:
    """A sort key for ``window_days`` as numbers (text in tables read back), the pooled ``all`` last."""
    return pd.to_numeric(window, errors="coerce").fillna(np.inf)


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
    lo, hi = interval(boots)
    return float(diff.mean()), float(lo), float(hi)


def skill_table(frame: pd.DataFrame, baselines=BASELINES) -> pd.DataFrame:
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


def kind_comparison(scores: pd.DataFrame, skill: pd.DataFrame) -> pd.DataFrame:
    """Routine and warning origins side by side, one row per (priors, event, window): questions
    scored, the model's Brier score and its Brier skill against each baseline, for each kind."""
    keys = ["priors", "event", "window_days"]
    s, k = scores.assign(origin_kind=origin_kinds(scores)), skill.assign(origin_kind=origin_kinds(skill))
    model = s[s["forecaster"] == "model"]
    parts = [
        model.pivot(index=keys, columns="origin_kind", values="n").add_prefix("n "),
        model.pivot(index=keys, columns="origin_kind", values="brier").add_prefix("Brier "),
    ]
    for b in BASELINES:
        kb = k[k["baseline"] == b]
        if not kb.empty:
            parts.append(kb.pivot(index=keys, columns="origin_kind", values="brier_skill").add_prefix(f"skill vs {b} "))
    wide = pd.concat(parts, axis=1)
    wide.columns.name = None
    return _in_table_order(wide.reset_index(), model)


def difference_comparison(skill: pd.DataFrame) -> pd.DataFrame:
    """The Brier difference model - baseline with its 90% bootstrap interval over origins, routine
    and warning origins side by side, one row per (priors, event, window, baseline)."""
    keys = ["priors", "event", "window_days", "baseline"]
    k = skill.assign(origin_kind=origin_kinds(skill))
    wide = k.pivot(index=keys, columns="origin_kind", values=["brier_diff", "diff_lo90", "diff_hi90"])
    wide.columns = [f"{kind} {value}" for value, kind in wide.columns]
    kinds = [kind for kind in ORIGIN_KINDS if f"{kind} brier_diff" in wide]
    wide = wide[[f"{kind} {v}" for kind in kinds for v in ("brier_diff", "diff_lo90", "diff_hi90")]]
    return _in_table_order(wide.reset_index(), k)


def _in_table_order(wide: pd.DataFrame, long: pd.DataFrame) -> pd.DataFrame:
    """Rows in the order of the long table's priors and events, windows as numbers, ``all`` last."""
    first = {name: {v: i for i, v in enumerate(dict.fromkeys(long[name]))} for name in ("priors", "event")}
    order = pd.DataFrame(
        {
            "p": wide["priors"].map(first["priors"]),
            "e": wide["event"].map(first["event"]),
            "w": window_order(wide["window_days"]),
        }
    )
    if "baseline" in wide:
        order["b"] = wide["baseline"].map({b: i for i, b in enumerate(BASELINES)})
    return wide.loc[order.sort_values(list(order.columns), kind="stable").index].reset_index(drop=True)
