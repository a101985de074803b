"""Answers to questions: P(at least one event in the window) as a distribution over draws.

The window of a question as of day D covers the W days D, D+1, ..., D+W-1: the as-of day's
events are not yet known (only events dated before D are), its published signals are.
Changing the evidence never resamples: it is array arithmetic over the cached draws.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .data import Dataset
from .errors import InputError
from .features import component_event_days, override_levels, window_state
from .fit_cache import Fit
from .model import component_terms, log_odds
from .priors import Priors
from .signal_state import strongest_level
from .vocab import (
    COMPONENTS,
    CONTEXT_SIGNALS,
    KIND_OF_LEVEL,
    MIXED_LEVELS,
    QUESTION_COMPONENTS,
    QUESTION_EVENTS,
    SIGNALS,
    WARNING_KINDS,
    WARNING_SIGNALS,
    base_level,
    split_level,
)
from .warnings import (
    LEVEL_OF_KIND,
    SIGNAL_OF_KIND,
    Warning,
    analyst_warning,
    cumulative_fired,
    default_notice_window,
    notice_share,
    warnings_in_force,
)

MAX_WINDOW = 1095
EARLIEST_AS_OF = dt.date(1999, 1, 1)
INTERVAL = 0.90
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
    return next(label for upper, label in BANDS if p < upper)


# ------------------------------------------------------------------ questions

Evidence = dict[str, tuple[str, float]]  # signal -> (level, confidence)
#: Every signal at its neutral level: the question's base rate.
NEUTRAL_EVIDENCE: Evidence = {name: (spec.neutral, 1.0) for name, spec in SIGNALS.items()}


def parse_level(name: str, text: str, *, where: str) -> str:
    """A signal's level as written in evidence, checked; a notice may carry its window
    ('notice@2012-04-12/2012-04-16'), returned in that canonical form."""
    level, window = split_level(text)
    if level not in SIGNALS[name].levels:
        raise InputError(
            f"unknown level for {name}; allowed: {', '.join(SIGNALS[name].levels)}", field=where, value=level
        )
    if window is None:
        return level
    if (name, level) != ("announcement", "notice"):
        raise InputError(
            "only announcement=notice takes a window (notice@YYYY-MM-DD/YYYY-MM-DD)",
            field=where,
            value=f"{name}={text}",
        )
    try:
        first, last = (dt.date.fromisoformat(d) for d in window)
    except ValueError:
        raise InputError(
            "a notice's window must be two ISO dates, first/last (notice@2012-04-12/2012-04-16)",
            field=where,
            value=text,
        ) from None
    if last < first:
        raise InputError("the notice's window ends before it starts", field=where, value=text)
    return f"{level}@{first.isoformat()}/{last.isoformat()}"


def parse_evidence(text: str | list[str] | None, *, where: str = "--evidence") -> Evidence:
    """'signal=level[:confidence]' items, joined by ';' (or given as a list); a notice may carry its
    window, 'announcement=notice@2012-04-12/2012-04-16[:0.8]'."""
    items = text if isinstance(text, list) else [t for t in (text or "").split(";")]
    out: Evidence = {}
    for raw in items:
        item = raw.strip()
        if not item:
            continue
        if "=" not in item:
            raise InputError("evidence must be signal=level or signal=level:confidence", field=where, value=item)
        name, _, rest = item.partition("=")
        name, rest = name.strip(), rest.strip()
        if name not in SIGNALS:
            raise InputError(f"unknown signal; allowed: {', '.join(SIGNALS)}", field=where, value=name)
        level, _, conf_text = rest.partition(":")
        level = parse_level(name, level.strip(), where=where)
        confidence = 1.0
        if conf_text:
            try:
                confidence = float(conf_text)
            except ValueError:
                confidence = math.nan
            if not 0 < confidence <= 1:
                raise InputError("confidence must be a number in (0, 1]", field=where, value=conf_text)
        if name in out:
            raise InputError("signal given twice", field=where, value=name)
        out[name] = (level, confidence)
    return out


@dataclass(frozen=True)
class Question:
    as_of: dt.date
    event: str
    window_days: int
    evidence: Evidence = field(default_factory=dict)
    id: str | None = None


def make_question(
    as_of, event: str, window_days, evidence: Evidence | str | None = None, qid: str | None = None, *, where: str = ""
) -> Question:
    prefix = f"{where} " if where else ""
    try:
        day = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of).strip())
    except ValueError:
        raise InputError("as-of date must be YYYY-MM-DD", field=f"{prefix}as_of".strip(), value=as_of) from None
    if day < EARLIEST_AS_OF:
        raise InputError(
            f"as-of date is before the data allow a forecast (earliest {EARLIEST_AS_OF}; the data start on 1998-01-01)",
            field=f"{prefix}as_of".strip(),
            value=str(day),
        )
    if day > dt.date.today():
        raise InputError(
            f"as-of date is in the future (today is {dt.date.today()})", field=f"{prefix}as_of".strip(), value=str(day)
        )
    if event not in QUESTION_EVENTS:
        raise InputError(
            f"unknown event type; allowed: {', '.join(QUESTION_EVENTS)}", field=f"{prefix}event".strip(), value=event
        )
    try:
        window = int(str(window_days).strip())
    except ValueError:
        raise InputError(
            f"window must be a whole number of days, 1 to {MAX_WINDOW}",
            field=f"{prefix}window_days".strip(),
            value=window_days,
        ) from None
    if not 1 <= window <= MAX_WINDOW:
        raise InputError(
            f"window must be 1 to {MAX_WINDOW} days", field=f"{prefix}window_days".strip(), value=window_days
        )
    if isinstance(evidence, str) or evidence is None:
        evidence = parse_evidence(evidence, where=f"{prefix}evidence".strip())
    return Question(day, event, window, evidence, qid)


# ------------------------------------------------------------------ arithmetic over draws


class Answerer:
    """Answers questions at one as-of date from one fit; caches the window features."""

    def __init__(self, ds: Dataset, priors: Priors, fit: Fit, as_of=None):
        """``as_of`` defaults to the fit's cut; a later date (back-tests refit only every so often)
        takes the evidence and recent events known on that date, with the fit's draws."""
        self.ds, self.priors, self.fit = ds, priors, fit
        self.as_of = pd.Timestamp(as_of if as_of is not None else fit.as_of)
        if self.as_of < pd.Timestamp(fit.as_of):
            raise ValueError(f"as-of {self.as_of.date()} is before the fit's cut {fit.as_of}: that would look ahead")
        self._rows: dict[tuple[int, bytes], np.ndarray] = {}
        self._totals: dict[tuple, np.ndarray] = {}
        self._probs: dict[tuple, np.ndarray] = {}
        self._terms: dict[int, tuple] = {}
        self._contrib: dict[tuple, float] = {}
        self._warnings: dict[str, list[Warning]] = {}
        self._event_days: dict[str, np.ndarray] | None = None
        self._default_window: tuple[int, int] | None = None
        self._analyst: dict[tuple, tuple | None] = {}
        self._data_fired_cache: dict[tuple, np.ndarray | None] = {}
        self._notice_share: dict[str, float] = {}
        self.memo: dict = {}  # derived values of this as-of date that callers compute once (e.g. data levels)

    def data_levels(self, component: str) -> dict[str, str]:
        """The data's level of each signal on the as-of day for one component; for a warning signal,
        the strongest kind among the record's warnings still in force (not yet followed by the event)."""
        key = ("data_levels", component)
        if key not in self.memo:
            levels = dict(_window_state(self.ds, self.priors, self.as_of, component, 1)[1])
            for signal in WARNING_SIGNALS:
                kinds = [
                    LEVEL_OF_KIND[w.kind] for w in self.data_warnings(component) if SIGNAL_OF_KIND[w.kind] == signal
                ]
                levels[signal] = strongest_level(signal, kinds)
            self.memo[key] = levels
        return self.memo[key]

    def _features(
        self, component: str, window: int, levels: dict[str, str], start: int = 0, forced: tuple = ()
    ) -> np.ndarray:
        """Window features with ``levels`` applied from day ``start``. A level equal to the data's on
        the as-of day is left to the data (its record runs on and fades), unless it is ``forced``:
        evidence that takes effect later must hold from then even if today's record has expired."""
        base = _window_state(self.ds, self.priors, self.as_of, component, window)[0]
        data = self.data_levels(component)
        changed = {s: lv for s, lv in levels.items() if s in CONTEXT_SIGNALS and (lv != data[s] or s in forced)}
        if not changed or start >= window:
            return base
        return override_levels(base, changed, self.priors, start)

    def _row_terms(self, component: str, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per run of identical feature rows: log P(no event that day) for every draw,
        (draws, runs), and the run index of each day. Features change only on a few days of a
        window, and distinct rows repeat across questions, so each is computed once per fit."""
        change = np.ones(len(X), dtype=bool)
        change[1:] = (X[1:] != X[:-1]).any(axis=1)
        starts = np.flatnonzero(change)
        inverse = np.cumsum(change) - 1
        k = COMPONENTS.index(component)
        keys = [(k, X[i].tobytes()) for i in starts]
        missing = [j for j, key in enumerate(keys) if key not in self._rows]
        if missing:
            if k not in self._terms:
                self._terms[k] = component_terms(self.fit.posterior, k)
            values = -np.logaddexp(0.0, log_odds(self.fit.posterior, k, X[starts[missing]], self._terms[k]))
            for col, j in enumerate(missing):
                self._rows[keys[j]] = values[:, col]
        return np.stack([self._rows[key] for key in keys], axis=1), inverse

    def log_survival(
        self, component: str, window: int, levels: dict[str, str], start: int = 0, forced: tuple = ()
    ) -> np.ndarray:
        """(draws, window) cumulative log P(no event of this component through each day): the
        background hazard and every direct warning in force, as competing causes."""
        terms, inverse = self._row_terms(component, self._features(component, window, levels, start, forced))
        background = np.cumsum(terms[:, inverse], axis=1)
        warned = self._warning_log_survival(component, window, levels, start, forced)
        return background if warned is None else background + warned

    def log_survival_total(
        self, component: str, window: int, levels: dict[str, str], start: int = 0, forced: tuple = ()
    ) -> np.ndarray:
        """(draws,) log P(no event of this component in the whole window), the levels holding from
        day ``start`` of the window (the data's state before)."""
        key = (component, window, tuple(sorted(levels.items())), start, forced)
        total = self._totals.get(key)
        if total is None:
            terms, inverse = self._row_terms(component, self._features(component, window, levels, start, forced))
            counts = np.bincount(inverse, minlength=terms.shape[1])
            total = terms @ counts
            warned = self._warning_log_survival(component, window, levels, start, forced)
            if warned is not None:
                total = total + warned[:, -1]
            self._totals[key] = total
        return total

    # ------------------------------------------------------------ direct warnings

    def data_warnings(self, component: str) -> list[Warning]:
        """The record's warnings bearing on a component as known on the as-of day."""
        if component not in self._warnings:
            if self._event_days is None:
                self._event_days = component_event_days(self.ds.events)
            self._warnings[component] = warnings_in_force(
                self.ds.signals, component, self.as_of, self._event_days[component], self.priors
            )
        return self._warnings[component]

    def replaced(self, component: str, levels: dict[str, str], forced: tuple = ()) -> list[str]:
        """The warning signals whose record gives way to the analyst's level for this component."""
        data = self.data_levels(component)
        return [s for s in WARNING_SIGNALS if s in levels and (levels[s] != data[s] or s in forced)]

    def warnings_for(self, component: str, levels: dict[str, str], start: int = 0, forced: tuple = ()) -> list[Warning]:
        """The record's warnings a question keeps for a component: all of them, except those of a
        warning signal the analyst sets to another level (or that is ``forced``), which give way from
        day ``start`` of the window (the analyst's own warning is answered once per question)."""
        replaced = self.replaced(component, levels, forced)
        out = []
        for w in self.data_warnings(component):
            if SIGNAL_OF_KIND[w.kind] in replaced:
                if start <= 0:
                    continue
                w = dataclasses.replace(w, until=min(w.until, start))
            out.append(w)
        return out

    def analyst_warnings(self, event: str, combo: dict[str, str], start: int = 0, forced: tuple = ()) -> list:
        """The warnings an analyst's levels stand for, one per warning signal for the whole question
        (a notice is one announcement of one launch, even for 'any'), each with the components whose
        record it replaces: [(Warning, components)]."""
        out = []
        for signal in WARNING_SIGNALS:
            if signal not in combo:
                continue
            level, window = split_level(combo[signal])
            if level == SIGNALS[signal].neutral:
                continue
            if (signal, level) in MIXED_LEVELS:
                raise ValueError(f"{signal}={level} must be expanded into its parts before answering")
            comps = [
                c for c in QUESTION_COMPONENTS[event] if signal in self.replaced(c, self._levels_for(c, combo), forced)
            ]
            if not comps:
                continue  # every component's record already says so: the record's warnings stand
            days = None if window is None else tuple((pd.Timestamp(d) - self.as_of).days for d in window)
            kind = KIND_OF_LEVEL[(signal, level)]
            out.append((analyst_warning(kind, start, self.priors, days, self.default_window), tuple(comps)))
        return out

    @property
    def default_window(self) -> tuple[int, int]:
        """(gap, length) in days of a notice given without dates, from the record as of this date."""
        if self._default_window is None:
            self._default_window = default_notice_window(self.ds.signals, self.as_of, self.priors)
        return self._default_window

    def _fired(self, warnings, window: int) -> np.ndarray | None:
        """(draws, window) P(the strongest of these warnings has fired by each day), for
        [(Warning, components)], or None without warnings. Warnings of one type are read as
        evidence of the same event, so they combine by the maximum, not as independent causes (each
        kind's hit rate is what followed it, whatever else was public). A warning shared by several
        components takes the highest of their hit rates (it warns of one event, of whichever type)."""
        if not warnings:
            return None
        post = self.fit.posterior
        strongest = None
        for w, comps in warnings:
            i = WARNING_KINDS.index(w.kind)
            hit = np.max([post.hit[:, i, COMPONENTS.index(c)] for c in comps], axis=0)
            fired = cumulative_fired(w, hit, post.lead[:, i], window)
            strongest = fired if strongest is None else np.maximum(strongest, fired)
        return np.minimum(strongest, 1.0 - 1e-12)

    def _data_fired(
        self, component: str, window: int, levels: dict[str, str], start: int, forced: tuple
    ) -> np.ndarray | None:
        """(draws, window) P(the record's strongest warning for a component has fired by each day)."""
        key = (component, window, _warning_part(levels), start, forced)
        if key not in self._data_fired_cache:
            warnings = [(w, (component,)) for w in self.warnings_for(component, levels, start, forced)]
            self._data_fired_cache[key] = self._fired(warnings, window)
        return self._data_fired_cache[key]

    def _warning_log_survival(
        self, component: str, window: int, levels: dict[str, str], start: int, forced: tuple
    ) -> np.ndarray | None:
        """(draws, window) cumulative log P(no event from the record's warnings through each day)."""
        fired = self._data_fired(component, window, levels, start, forced)
        return None if fired is None else np.log1p(-fired)

    def _analyst_fired(self, event: str, combo: dict[str, str], window: int, start: int, forced: tuple):
        """(P(the analyst's strongest warning has fired by each day), the components it covers), or None."""
        key = (event, _warning_part(combo), window, start, forced)
        if key not in self._analyst:
            warnings = self.analyst_warnings(event, combo, start, forced)
            covered = tuple(sorted({c for _, comps in warnings for c in comps}))
            self._analyst[key] = (self._fired(warnings, window), covered) if warnings else None
        return self._analyst[key]

    def _with_analyst(self, event, combo, window, start, forced, logs: np.ndarray, cumulative: bool) -> np.ndarray:
        """Log-survival of the question with the analyst's warnings: on the components they cover,
        the strongest of the analyst's and the record's warnings replaces the record's alone."""
        analyst = self._analyst_fired(event, combo, window, start, forced)
        if analyst is None:
            return logs
        fired, covered = analyst
        strongest = fired
        for c in covered:
            data = self._data_fired(c, window, self._levels_for(c, combo), start, forced)
            if data is not None:
                logs = logs - (np.log1p(-data) if cumulative else np.log1p(-data[:, -1]))
                strongest = np.maximum(strongest, data)
        return logs + (np.log1p(-strongest) if cumulative else np.log1p(-strongest[:, -1]))

    def _mixture(self, event: str, evidence: Evidence, log_survival, start: int, window: int, cumulative: bool):
        """P(at least one event) from per-component log-survival (background and the record's
        warnings) and the analyst's warnings, mixed over uncertain evidence. Evidence that starts
        later (``start`` > 0) holds from then even at the data's level of today (`_features`)."""
        total = 0.0
        for weight, combo in self._combos(event, evidence):
            forced = tuple(sorted(combo)) if start else ()
            logs = sum(log_survival(c, self._levels_for(c, combo), forced) for c in QUESTION_COMPONENTS[event])
            logs = self._with_analyst(event, combo, window, start, forced, logs, cumulative)
            total = total + weight * (1.0 - np.exp(logs))
        return total

    def curve(self, event: str, window: int, evidence: Evidence, start: int = 0) -> np.ndarray:
        """(draws, window): P(at least one event by each day of the window), mixing uncertain evidence."""
        return self._mixture(
            event,
            evidence,
            lambda c, levels, forced: self.log_survival(c, window, levels, start, forced),
            start,
            window,
            cumulative=True,
        )

    def contribution(self, event: str, window: int, evidence: Evidence) -> float:
        """Mean over draws of logit P(evidence) - logit P(all neutral)."""
        key = (event, window, tuple(sorted(evidence.items())))
        if key not in self._contrib:
            base = self.probability(event, window, NEUTRAL_EVIDENCE)
            self._contrib[key] = float(np.mean(_logit(self.probability(event, window, evidence)) - _logit(base)))
        return self._contrib[key]

    def probability(self, event: str, window: int, evidence: Evidence, start: int = 0) -> np.ndarray:
        """(draws,): P(at least one event in the window), the last column of `curve`, computed fast.
        With ``start``, the evidence takes effect on that day of the window (the data's state before)."""
        key = (event, window, tuple(sorted(evidence.items())), start)
        if key not in self._probs:
            self._probs[key] = self._mixture(
                event,
                evidence,
                lambda c, levels, forced: self.log_survival_total(c, window, levels, start, forced),
                start,
                window,
                cumulative=False,
            )
        return self._probs[key]

    def _levels_for(self, component: str, combo: dict[str, str]) -> dict[str, str]:
        return {**self.data_levels(component), **combo}

    def _combos(self, event: str, evidence: Evidence) -> list[tuple[float, dict[str, str]]]:
        """Weighted level assignments: a level with confidence c, the rest on the data's level; a
        mixed level ('issued': a notice or a plan) split by how often the record's announcements
        for these event types were each, as of this date."""
        options = []
        for name, (level, conf) in evidence.items():
            parts = MIXED_LEVELS.get((name, base_level(level)))
            if parts is None:
                branches = [(conf, name, level)]
            else:
                if event not in self._notice_share:
                    self._notice_share[event] = notice_share(self.ds.signals, self.as_of, QUESTION_COMPONENTS[event])
                share = self._notice_share[event]
                branches = [(conf * share, name, parts[0]), (conf * (1.0 - share), name, parts[1])]
            if conf < 1.0:
                branches.append((1.0 - conf, name, None))
            options.append(branches)
        out = []
        for choice in itertools.product(*options) if options else [()]:
            weight = math.prod(w for w, _, _ in choice)
            combo = {name: level for _, name, level in choice if level is not None}
            out.append((weight, combo))
        return out


_WINDOWS: dict[tuple, tuple[np.ndarray, dict[str, str]]] = {}
_WINDOW_DAYS = 365


def _window_state(
    ds: Dataset, priors: Priors, as_of: pd.Timestamp, component: str, window: int
) -> tuple[np.ndarray, dict[str, str]]:
    """Data-state window features and as-of levels, computed once per (data, priors, as-of,
    component) for a year ahead and sliced: the first W days do not depend on the window's length."""
    length = max(window, _WINDOW_DAYS)
    key = (ds.data_hash, priors.digest, as_of, component)
    cached = _WINDOWS.get(key)
    if cached is None or len(cached[0]) < length:
        if len(_WINDOWS) > 512:
            _WINDOWS.clear()
        cached = _WINDOWS[key] = window_state(ds, as_of, component, length, priors)
    return cached[0][:window], cached[1]


def _warning_part(levels: dict[str, str]) -> tuple:
    """The part of a level assignment that warnings depend on (cache keys)."""
    return tuple(sorted((s, lv) for s, lv in levels.items() if s in WARNING_SIGNALS))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.log(p) - np.log1p(-p)


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
    lo, hi = np.quantile(p, [(1 - INTERVAL) / 2, 1 - (1 - INTERVAL) / 2])
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
        "evidence": ";".join(f"{s}={lv}" for s, lv in state.items()),
        "analyst_set": ";".join(f"{s}={lv}" + (f":{c:g}" if c < 1 else "") for s, (lv, c) in q.evidence.items()),
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
        out[name] = strongest_level(name, [answerer.data_levels(c)[name] for c in QUESTION_COMPONENTS[q.event]])
    return out


def drivers_text(contributions: dict[str, float], top: int = 3) -> str:
    ranked = sorted(((v, k) for k, v in contributions.items() if abs(v) >= 0.05), key=lambda t: -abs(t[0]))[:top]
    return ", ".join(f"{k} {v:+.2f}" for v, k in ranked) or "none"
