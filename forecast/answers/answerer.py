"""Answers to questions: P(at least one event in the window) as a distribution over draws.

The window of a question as of day D covers the W days D, D+1, ..., D+W-1: the as-of day's
events are not yet known (only events dated before D are), its published signals are.
Changing the evidence never resamples: it is array arithmetic over the cached draws.
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pandas as pd

from forecast.answers.questions import NEUTRAL_EVIDENCE, Evidence
from forecast.data.dataset import Dataset
from forecast.data.event_days import event_days_of
from forecast.data.signal_state import records_of, state_on, strongest_level
from forecast.data.vocab import (
    COMPONENTS,
    CONTEXT_SIGNALS,
    KIND_OF_LEVEL,
    MIXED_LEVELS,
    QUESTION_COMPONENTS,
    SIGNALS,
    WARNING_KINDS,
    WARNING_SIGNALS,
    base_level,
    split_level,
)
from forecast.model.features import override_levels, window_state
from forecast.model.fitted import Fit
from forecast.model.posterior import component_terms, log_odds
from forecast.model.priors import Priors
from forecast.model.warnings import (
    LEVEL_OF_KIND,
    SIGNAL_OF_KIND,
    Warning,
    analyst_warning,
    cumulative_fired,
    default_notice_window,
    notice_share,
    warning_records_of,
    warnings_in_force,
)

#: Window features are computed for a year ahead at once and sliced.
WINDOW_STATE_DAYS = 365


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
        self._default_window: tuple[int, int] | None = None
        self._analyst: dict[tuple, tuple | None] = {}
        self._data_fired_cache: dict[tuple, np.ndarray | None] = {}
        self._notice_share: dict[str, float] = {}
        self._levels: dict[str, dict[str, str]] = {}
        self._state: pd.DataFrame | None = None
        self._window_states: dict[str, tuple[np.ndarray, dict[str, str]]] = {}

    def data_levels(self, component: str) -> dict[str, str]:
        """The data's level of each signal on the as-of day for one component; for a warning signal,
        the strongest kind among the record's warnings still in force (not yet followed by the event)."""
        if component not in self._levels:
            levels = dict(self._window_state(component, 1)[1])
            for signal in WARNING_SIGNALS:
                kinds = [
                    LEVEL_OF_KIND[w.kind] for w in self.data_warnings(component) if SIGNAL_OF_KIND[w.kind] == signal
                ]
                levels[signal] = strongest_level(signal, kinds)
            self._levels[component] = levels
        return self._levels[component]

    def question_level(self, event: str, signal: str) -> str:
        """The data's level of a signal for a question type: the strongest over its components."""
        return strongest_level(signal, [self.data_levels(c)[signal] for c in QUESTION_COMPONENTS[event]])

    def signal_state(self) -> pd.DataFrame:
        """The record's state of every signal on the as-of day (`state_on`), computed once."""
        if self._state is None:
            self._state = state_on(records_of(self.ds), self.as_of)
        return self._state

    def _window_state(self, component: str, window: int) -> tuple[np.ndarray, dict[str, str]]:
        """Data-state window features and as-of levels of a component, computed once for a year
        ahead (longer if asked) and sliced: the first W days do not depend on the window's length."""
        cached = self._window_states.get(component)
        if cached is None or len(cached[0]) < window:
            length = max(window, WINDOW_STATE_DAYS)
            cached = self._window_states[component] = window_state(self.ds, self.as_of, component, length, self.priors)
        return cached[0][:window], cached[1]

    def _features(
        self, component: str, window: int, levels: dict[str, str], start: int = 0, forced: tuple = ()
    ) -> np.ndarray:
        """Window features with ``levels`` applied from day ``start``. A level equal to the data's on
        the as-of day is left to the data (its record runs on and fades), unless it is ``forced``:
        evidence that takes effect later must hold from then even if today's record has expired."""
        base = self._window_state(component, window)[0]
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
        self, component: str, window: int, levels: dict[str, str], start: int = 0, forced: tuple = (), at=None
    ) -> np.ndarray:
        """(draws, window) cumulative log P(no event of this component through each day): the
        background hazard and every direct warning in force, as competing causes; with ``at`` (0-based
        days of the window), through those days only."""
        terms, inverse = self._row_terms(component, self._features(component, window, levels, start, forced))
        background = np.cumsum(terms[:, inverse], axis=1)
        if at is not None:
            background = background[:, list(at)]
        warned = self._warning_log_survival(component, window, levels, start, forced, at)
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
            warned = self._warning_log_survival(component, window, levels, start, forced, at=(window - 1,))
            if warned is not None:
                total = total + warned[:, -1]
            self._totals[key] = total
        return total

    # ------------------------------------------------------------ direct warnings

    def data_warnings(self, component: str) -> list[Warning]:
        """The record's warnings bearing on a component as known on the as-of day."""
        if component not in self._warnings:
            records = warning_records_of(self.ds, component, self.priors)
            self._warnings[component] = warnings_in_force(
                records, component, self.as_of, event_days_of(self.ds)[component], self.priors
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

    def _fired(self, warnings, window: int, at: tuple[int, ...] | None = None) -> np.ndarray | None:
        """(draws, window) P(the strongest of these warnings has fired by each day) (with ``at``, by
        those days of the window only: (draws, len(at))), for
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
            fired = cumulative_fired(w, hit, post.lead[:, i], window, at)
            strongest = fired if strongest is None else np.maximum(strongest, fired)
        return np.minimum(strongest, 1.0 - 1e-12)

    def _data_fired(
        self, component: str, window: int, levels: dict[str, str], start: int, forced: tuple, at=None
    ) -> np.ndarray | None:
        """(draws, window) P(the record's strongest warning for a component has fired by each day)
        (with ``at``, by those days only)."""
        key = (component, window, _warning_part(levels), start, forced, at)
        if key not in self._data_fired_cache:
            warnings = [(w, (component,)) for w in self.warnings_for(component, levels, start, forced)]
            self._data_fired_cache[key] = self._fired(warnings, window, at)
        return self._data_fired_cache[key]

    def _warning_log_survival(
        self, component: str, window: int, levels: dict[str, str], start: int, forced: tuple, at=None
    ) -> np.ndarray | None:
        """(draws, window) cumulative log P(no event from the record's warnings through each day)."""
        fired = self._data_fired(component, window, levels, start, forced, at)
        return None if fired is None else np.log1p(-fired)

    def _analyst_fired(self, event: str, combo: dict[str, str], window: int, start: int, forced: tuple, at):
        """(P(the analyst's strongest warning has fired by each day, or by the days ``at``), the
        components it covers), or None."""
        key = (event, _warning_part(combo), window, start, forced, at)
        if key not in self._analyst:
            warnings = self.analyst_warnings(event, combo, start, forced)
            covered = tuple(sorted({c for _, comps in warnings for c in comps}))
            self._analyst[key] = (self._fired(warnings, window, at), covered) if warnings else None
        return self._analyst[key]

    def _with_analyst(self, event, combo, window, start, forced, logs: np.ndarray, cumulative: bool, at) -> np.ndarray:
        """Log-survival of the question with the analyst's warnings: on the components they cover,
        the strongest of the analyst's and the record's warnings replaces the record's alone."""
        analyst = self._analyst_fired(event, combo, window, start, forced, at)
        if analyst is None:
            return logs
        fired, covered = analyst
        strongest = fired
        for c in covered:
            data = self._data_fired(c, window, self._levels_for(c, combo), start, forced, at)
            if data is not None:
                logs = logs - (np.log1p(-data) if cumulative else np.log1p(-data[:, -1]))
                strongest = np.maximum(strongest, data)
        return logs + (np.log1p(-strongest) if cumulative else np.log1p(-strongest[:, -1]))

    def _mixture(self, event: str, evidence: Evidence, log_survival, start: int, window: int, cumulative: bool, at):
        """P(at least one event) from per-component log-survival (background and the record's
        warnings) and the analyst's warnings, mixed over uncertain evidence. Evidence that starts
        later (``start`` > 0) holds from then even at the data's level of today (`_features`)."""
        total = 0.0
        for weight, combo in self._combos(event, evidence):
            forced = tuple(sorted(combo)) if start else ()
            logs = sum(log_survival(c, self._levels_for(c, combo), forced) for c in QUESTION_COMPONENTS[event])
            logs = self._with_analyst(event, combo, window, start, forced, logs, cumulative, at)
            total = total + weight * (1.0 - np.exp(logs))
        return total

    def curve(self, event: str, window: int, evidence: Evidence, start: int = 0, days=None) -> np.ndarray:
        """(draws, window): P(at least one event by each day of the window), mixing uncertain evidence;
        with ``days`` (1-based days of the window), (draws, len(days)): by those days only."""
        at = None if days is None else tuple(int(d) - 1 for d in days)
        return self._mixture(
            event,
            evidence,
            lambda c, levels, forced: self.log_survival(c, window, levels, start, forced, at),
            start,
            window,
            cumulative=True,
            at=at,
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
                at=(window - 1,),
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


def _warning_part(levels: dict[str, str]) -> tuple:
    """The part of a level assignment that warnings depend on (cache keys)."""
    return tuple(sorted((s, lv) for s, lv in levels.items() if s in WARNING_SIGNALS))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.log(p) - np.log1p(-p)
