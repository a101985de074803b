"""The glue between loaded inputs, fits and answers, shared by the CLI and the app."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from forecast.answers.answer import answer, drivers_text
from forecast.answers.answerer import Answerer
from forecast.answers.questions import Question, make_question
from forecast.core.errors import DiagnosticsError, InputError
from forecast.core.limits import DEFAULT_SEED, DEFAULT_WINDOWS
from forecast.data.analyst_records import analyst_count, load_with_records
from forecast.data.dataset import Dataset, Reach, load_dataset
from forecast.data.vocab import QUESTION_EVENTS
from forecast.model.fitted import PROVENANCE_FIELDS, Fit, FitStore, Identity, identity
from forecast.model.posterior import SamplerSettings
from forecast.model.priors import Priors, load_priors

#: The columns every answer carries to say where it came from: the fit's identity and the number
#: of the analyst's own records in the data.
PROVENANCE_COLUMNS = (*PROVENANCE_FIELDS, "analyst_records")


def fit_cut(as_of, reach: Reach) -> pd.Timestamp:
    """The training cut for a forecast as of a date: the as-of date itself, but no later than the
    first day the record does not cover, so that unrecorded days are never taught to the model as
    quiet ones. Answers still take the as-of date's evidence and recent events."""
    return min(pd.Timestamp(as_of), reach.first_unknown)


def record_gap_warning(as_of, reach: Reach, ds: Dataset | None = None) -> str | None:
    """A plain statement when the as-of date lies beyond the days the record covers: from which day
    nothing is recorded, and which of those days the analyst's own records speak for."""
    gap = (pd.Timestamp(as_of) - reach.complete_through).days - 1
    if gap <= 0:
        return None
    text = (
        f"The record is complete through {reach.complete_through.date()} (data/record.toml); for the {gap} days "
        "from then to the as-of date the shipped record has no events or evidence, so recent-activity terms read "
        f"them as quiet. The model is fitted on data before {reach.first_unknown.date()}."
    )
    mine = _analyst_after(ds, reach, pd.Timestamp(as_of)) if ds is not None else None
    if mine:
        text += f" Your own records cover {mine} in that period; every other day in it is unrecorded."
    else:
        text += " Set the evidence you know, or add your own records (Data page, `forecast records add`)."
    return text


def _analyst_after(ds: Dataset, reach: Reach, as_of: pd.Timestamp) -> str | None:
    """'N events (dates) and M evidence records (dates)' of the analyst's own, after the record's reach."""
    parts = []
    for frame, col, noun in ((ds.events, "date", "event"), (ds.signals, "published", "evidence record")):
        if "origin" not in frame:
            continue
        mine = frame[(frame["origin"] == "analyst") & (frame[col] > reach.complete_through) & (frame[col] < as_of)]
        if len(mine):
            days = ", ".join(sorted({str(d.date()) for d in mine[col]}))
            parts.append(f"{len(mine)} {noun}{'s' if len(mine) > 1 else ''} ({days})")
    return " and ".join(parts) or None


@dataclass
class Context:
    """The inputs of a session (data, prior file, sampler settings, seed), the store its fits come
    from and the answerers it has made, keyed by the fit's identity and the as-of date."""

    ds: Dataset
    priors: Priors
    settings: SamplerSettings
    seed: int
    strict: bool = False
    on_fit: Callable[[Fit], None] | None = None
    on_warning: Callable[[str], None] | None = None
    store: FitStore = field(default_factory=FitStore)
    answerers: int = 32
    _answerers: OrderedDict = field(default_factory=OrderedDict, repr=False)

    def identity(self, as_of) -> Identity:
        """The identity of the fit a forecast as of this date uses (trained before `fit_cut(as_of)`)."""
        return identity(self.ds, self.priors, self.settings, self.seed, fit_cut(as_of, self.ds.reach))

    def stored_fit(self, as_of) -> Fit | None:
        """The fit for this as-of date if it is in memory or on disk (no sampling)."""
        return self.store.load(self.identity(as_of))

    def fit(self, as_of, progress=None) -> Fit:
        """The fit for a forecast as of this date (trained on data before `fit_cut(as_of)`)."""
        fit = self.store.get(
            self.ds, self.priors, fit_cut(as_of, self.ds.reach), self.settings, self.seed, progress=progress
        )
        if self.on_fit:
            self.on_fit(fit)
        if self.strict and fit.diagnostics.warnings:
            raise DiagnosticsError(
                f"fit as of {fit.as_of} misses the thresholds: " + "; ".join(fit.diagnostics.warnings)
            )
        return fit

    def answerer(self, as_of, fit: Fit | None = None) -> Answerer:
        """The answerer for a forecast as of this date, made once per (fit identity, as-of date)."""
        fit = fit or self.fit(as_of)
        key = (fit.identity.digest(), pd.Timestamp(as_of))
        if key not in self._answerers:
            self._answerers[key] = Answerer(self.ds, self.priors, fit, as_of=pd.Timestamp(as_of))
            while len(self._answerers) > self.answerers:
                self._answerers.popitem(last=False)
        self._answerers.move_to_end(key)
        return self._answerers[key]

    def provenance(self, fit: Fit) -> dict:
        """The fit's provenance, with whether its diagnostics pass and how many analyst records the data hold."""
        return {
            **fit.identity.provenance(),
            "diagnostics_ok": not fit.diagnostics.warnings,
            "analyst_records": analyst_count(self.ds),
        }


def context(
    priors_path=None,
    seed: int = DEFAULT_SEED,
    settings: SamplerSettings | None = None,
    data_dir=None,
    strict: bool = False,
    on_fit=None,
    on_warning=None,
    records: bool = True,
    store: FitStore | None = None,
) -> Context:
    """The inputs for forecasts: the data (with the analyst's own records in the working
    directory unless ``records`` is false), the prior file and the sampler settings."""
    return Context(
        load_with_records(data_dir) if records else load_dataset(data_dir),
        load_priors(priors_path),
        settings or SamplerSettings(),
        seed,
        strict,
        on_fit,
        on_warning,
        store or FitStore(),
    )


def answer_questions(ctx: Context, questions: list[Question]) -> list[dict]:
    """Answers in input order; one fit per distinct as-of date."""
    by_date: dict = {}
    for i, q in enumerate(questions):
        by_date.setdefault(q.as_of, []).append(i)
    results: list[dict | None] = [None] * len(questions)
    for as_of, idx in sorted(by_date.items()):
        answerer, fit = answerer_for(ctx, as_of)
        prov = ctx.provenance(fit)
        for i in idx:
            r = answer(answerer, questions[i])
            r["drivers"] = drivers_text(r["contributions"])
            results[i] = {**r, **prov}
    return [r for r in results if r is not None]


def forecast_table(
    ctx: Context,
    as_of,
    evidence: str | None = None,
    windows: tuple[int, ...] = DEFAULT_WINDOWS,
    events: tuple[str, ...] = QUESTION_EVENTS,
) -> list[dict]:
    """Every event type by every window: the long table behind `forecast table`."""
    qs = [make_question(as_of, e, w, evidence) for e in events for w in windows]
    return answer_questions(ctx, qs)


def answerer_for(ctx: Context, as_of) -> tuple[Answerer, Fit]:
    """The answerer for a forecast as of a date (its fit cached), warning past the record's end."""
    gap = record_gap_warning(as_of, ctx.ds.reach, ctx.ds)
    if gap and ctx.on_warning:
        ctx.on_warning(gap)
    fit = ctx.fit(as_of)
    return ctx.answerer(as_of, fit), fit


def scenario_report(
    ctx: Context,
    tree,
    as_of,
    windows: tuple[int, ...] = DEFAULT_WINDOWS,
    events: tuple[str, ...] = QUESTION_EVENTS,
    back_check: bool = False,
) -> dict:
    """A scenario tree answered as of a date: the long table (branches, mixture, status quo),
    the sensitivity to each branch probability, and optionally the back-check at the tree's dates."""
    from forecast.answers import scenarios

    answerer, fit = answerer_for(ctx, as_of)
    out = {
        "long": scenarios.evaluate(tree, answerer, events, windows),
        "sensitivity": scenarios.sensitivity(tree, answerer, events, windows),
        "provenance": {**ctx.provenance(fit), "as_of": str(pd.Timestamp(as_of).date())},
        "back_check": None,
    }
    if back_check:
        if not tree.tree.back_check:
            raise InputError("this tree lists no back_check dates", file=tree.path, field="tree.back_check")
        parts = [
            scenarios.back_check_rows(tree, answerer_for(ctx, d)[0], events, windows) for d in tree.tree.back_check
        ]
        out["back_check"] = pd.concat(parts, ignore_index=True)
    return out
