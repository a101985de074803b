"""One question answered: the mean and 90% interval over draws, the verbal band, the base rate and
what each signal contributes."""

from __future__ import annotations

from forecast.answers.answerer import Answerer
from forecast.answers.questions import NEUTRAL_EVIDENCE, Question, evidence_text, levels_text
from forecast.core.limits import interval
from forecast.data.vocab import SIGNALS

BANDS = (  # ICD-203 expressions of likelihood
    (0.05, "almost no chance"),
    (0.20, "very unlikely"),
    (0.45, "unlikely"),
    (0.55, "roughly even chance"),
    (0.80, "likely"),
    (0.95, "very likely"),
    (1.01, "almost certain"),
)


def verbal_band(p: float) -> str:
    """The ICD-203 expression of likelihood (e.g. 'almost no chance') for the probability ``p``."""
    return next(label for upper, label in BANDS if p < upper)


def answer(answerer: Answerer, q: Question) -> dict:
    """The answer to one question: mean, 90% interval, verbal band, base rate, contributions."""
    p = answerer.probability(q.event, q.window_days, q.evidence)
    neutral = NEUTRAL_EVIDENCE
    base = answerer.probability(q.event, q.window_days, neutral)
    state = effective_levels(answerer, q)
    contributions = {}
    for name, spec in SIGNALS.items():
        if state[name] == spec.neutral and name not in q.evidence:
            contributions[name] = 0.0
            continue
        # every other signal neutral; this one as the question has it (analyst's or the data's)
        only = {other: lv for other, lv in neutral.items() if other != name}
        if name in q.evidence:
            only[name] = q.evidence[name]
        contributions[name] = answerer.contribution(q.event, q.window_days, only)
    lo, hi = interval(p)
    mean = float(p.mean())
    return {
        "id": q.id,
        "as_of": q.as_of.isoformat(),
        "event": q.event,
        "window_days": q.window_days,
        "probability": mean,
        "lower": float(lo),
        "upper": float(hi),
        "band": verbal_band(mean),
        "base_rate": float(base.mean()),
        "evidence": levels_text(state),
        "analyst_set": evidence_text(q.evidence),
        "contributions": contributions,
    }


def effective_levels(answerer: Answerer, q: Question) -> dict[str, str]:
    """The level of each signal the question assumes (analyst's where set, else the data's);
    for a union type, the strongest level any component records."""
    out = {}
    for name in SIGNALS:
        if name in q.evidence:
            out[name] = q.evidence[name][0]
            continue
        out[name] = answerer.question_level(q.event, name)
    return out


def drivers_text(contributions: dict[str, float], top: int = 3) -> str:
    """The ``top`` signal contributions of at least 0.05, largest first, as 'signal +0.42' text, or 'none'."""
    ranked = sorted(((v, k) for k, v in contributions.items() if abs(v) >= 0.05), key=lambda t: -abs(t[0]))[:top]
    return ", ".join(f"{k} {v:+.2f}" for v, k in ranked) or "none"
