"""The glue the command line and the workbench share: the fit cut and the record's gap, answers in
input order with one fit per as-of date, provenance from the fit's identity, and the scenario
report (synthetic fits through the fit store; no sampler)."""

import dataclasses

import pandas as pd
import pytest

from forecast.answers import service
from forecast.answers.questions import make_question
from forecast.answers.service import (
    Context,
    DiagnosticsError,
    answer_questions,
    fit_cut,
    forecast_table,
    record_gap_warning,
)
from forecast.data.dataset import Reach, load_dataset
from forecast.data.vocab import QUESTION_EVENTS
from forecast.model.fitted import FitStore, prior_fit
from forecast.model.posterior import SamplerSettings

# ------------------------------------------------------------------ the record's end and the fit cut


def test_the_fit_cut_never_passes_the_as_of_date_or_the_record():
    """The record's reach is data (data/record.toml): the fit cut and the warning derive from it."""
    reach = load_dataset().reach
    assert fit_cut("2012-03-17", reach) == pd.Timestamp("2012-03-17")
    assert fit_cut("2026-11-25", reach) == reach.complete_through + pd.Timedelta(days=1)
    assert record_gap_warning(reach.complete_through + pd.Timedelta(days=1), reach) is None
    later = record_gap_warning(reach.complete_through + pd.Timedelta(days=31), reach)
    assert "no events or evidence" in later and str(reach.complete_through.date()) in later and "30 days" in later
    earlier = Reach(pd.Timestamp("2024-12-31"), "test")
    assert fit_cut("2026-11-25", earlier) == pd.Timestamp("2025-01-01")


def test_the_gap_warning_names_the_analysts_own_records_in_it(ds):
    reach = Reach(pd.Timestamp("2024-12-31"), "test")
    mine = pd.DataFrame(
        {"date": [pd.Timestamp("2025-01-05"), pd.Timestamp("2025-02-01")], "event": ["engine_test"] * 2,
         "origin": ["analyst", "shipped"]}
    )  # fmt: skip
    shipped = ds.signals.assign(origin="shipped")
    with_records = dataclasses.replace(ds, events=mine, signals=shipped, reach=reach)
    text = record_gap_warning("2025-03-01", reach, with_records)
    assert "Your own records cover 1 event (2025-01-05)" in text and "every other day in it is unrecorded" in text
    plain = record_gap_warning("2025-03-01", reach, dataclasses.replace(with_records, events=mine.iloc[1:]))
    assert "add your own records" in plain and "Your own records" not in plain
    assert "for the 59 days" in plain and "fitted on data before 2025-01-01" in plain


# ------------------------------------------------------------------ answers through a context


class SyntheticStore(FitStore):
    """A fit store whose fits are drawn from the prior file (the answers' arithmetic, no sampler);
    it counts the fits it is asked for."""

    def __init__(self, directory):
        super().__init__(directory)
        self.asked = []

    def get(self, ds, priors, as_of, settings=None, seed=0, refit=False, variant="full", progress=None):
        self.asked.append(pd.Timestamp(as_of).date().isoformat())
        fit = prior_fit(priors, as_of, n=400, seed=seed, ds=ds)  # 400 draws: no diagnostics warning
        # the identity a real fit would have, so that provenance is checked against it
        ident = dataclasses.replace(fit.identity, sampler=settings or SamplerSettings(), variant=variant)
        return dataclasses.replace(fit, identity=ident)


@pytest.fixture
def ctx(ds, priors, tmp_path):
    warnings = []
    c = Context(ds, priors, SamplerSettings(draws=100, tune=150), seed=11, store=SyntheticStore(tmp_path),
                on_warning=warnings.append)  # fmt: skip
    c.warnings = warnings
    return c


def test_answers_come_back_in_input_order_with_one_fit_per_as_of_date(ctx):
    qs = [
        make_question("2019-03-10", "any", 365, qid="a"),
        make_question("2012-03-17", "space_launch", 30, "announcement=issued", qid="b"),
        make_question("2019-03-10", "space_launch", 90, qid="c"),
        make_question("2012-03-17", "nuclear_test", 90, qid="d"),
    ]
    rows = answer_questions(ctx, qs)
    assert [r["id"] for r in rows] == ["a", "b", "c", "d"]
    assert [r["as_of"] for r in rows] == ["2019-03-10", "2012-03-17", "2019-03-10", "2012-03-17"]
    assert ctx.store.asked == ["2012-03-17", "2019-03-10"]  # one fit per date, earliest first
    assert rows[1]["analyst_set"] == "announcement=issued" and rows[0]["drivers"]
    # the same question asked alone gets the same answer
    alone = answer_questions(ctx, [qs[2]])[0]
    assert alone["probability"] == pytest.approx(rows[2]["probability"])


def test_provenance_comes_from_the_fits_identity(ctx, ds, priors):
    [row] = answer_questions(ctx, [make_question("2012-03-17", "space_launch", 30)])
    fit = ctx.fit("2012-03-17")
    assert row["data_hash"] == ds.data_hash == fit.identity.data_hash
    assert (row["priors_file"], row["priors_hash"]) == ("default.toml", priors.digest)
    assert row["seed"] == 11 and row["fit_as_of"] == "2012-03-17"
    assert row["model_version"] == fit.identity.model_version
    assert row["analyst_records"] == 0 and row["diagnostics_ok"] is True
    # a fit that misses the thresholds says so in every row
    weak = dataclasses.replace(fit, diagnostics=dataclasses.replace(fit.diagnostics, rhat_max=1.2))
    assert ctx.provenance(weak)["diagnostics_ok"] is False


def test_a_forecast_past_the_record_is_fitted_at_the_records_end_and_warned(ctx, ds):
    day = (ds.reach.complete_through + pd.Timedelta(days=40)).date()
    if day > pd.Timestamp.today().date():
        pytest.skip("the record reaches too close to today")
    rows = forecast_table(ctx, day, windows=(30,), events=("space_launch",))
    assert ctx.store.asked == [ds.reach.first_unknown.date().isoformat()]
    assert rows[0]["fit_as_of"] == ds.reach.first_unknown.date().isoformat() and rows[0]["as_of"] == str(day)
    assert len(ctx.warnings) == 1 and "complete through" in ctx.warnings[0]


def test_the_briefing_table_is_every_event_by_every_window(ctx):
    rows = forecast_table(ctx, "2012-03-17", "announcement=issued", windows=(30, 90))
    assert [(r["event"], r["window_days"]) for r in rows] == [(e, w) for e in QUESTION_EVENTS for w in (30, 90)]
    assert all(r["analyst_set"] == "announcement=issued" for r in rows)
    assert ctx.store.asked == ["2012-03-17"]


def test_answerers_are_made_once_per_fit_and_date(ctx):
    a = ctx.answerer("2012-03-17")
    assert ctx.answerer("2012-03-17") is a
    assert ctx.answerer("2012-03-18", a.fit) is not a and ctx.answerer("2012-03-18", a.fit).fit is a.fit


def test_strict_refuses_a_fit_that_misses_the_thresholds(ds, priors, small_fit, tmp_path):
    class Weak(SyntheticStore):
        def get(self, *a, **k):
            return small_fit  # 200 draws: ESS below 400

    seen = []
    ctx = Context(ds, priors, SamplerSettings(), 1, strict=True, on_fit=seen.append, store=Weak(tmp_path))
    with pytest.raises(DiagnosticsError, match="misses the thresholds"):
        answer_questions(ctx, [make_question("2012-03-17", "any", 30)])
    assert seen == [small_fit]


def test_the_context_reads_the_analysts_records_unless_told_not_to(work_dir):
    from forecast.data import analyst_records as ar

    ar.add_event("2024-12-20", "engine_test", "src")
    assert service.context().ds.data_hash != load_dataset().data_hash
    assert service.context(records=False).ds.data_hash == load_dataset().data_hash


def test_the_scenario_report_answers_a_tree_and_its_back_check(ctx):
    from forecast.workspace import scenario_files as sf

    tree = sf.load(sf.SCENARIO_DIR / "post-summit-failure.toml")
    report = service.scenario_report(ctx, tree, "2019-03-01", (30, 90), ("space_launch", "any"), back_check=True)
    assert report["provenance"]["as_of"] == "2019-03-01" and report["provenance"]["fit_as_of"] == "2019-03-01"
    assert set(report["long"]["window_days"]) == {30, 90} and not report["sensitivity"].empty
    assert set(report["back_check"]["as_of"].astype(str)) == {str(d) for d in tree.tree.back_check}
    assert ctx.store.asked == ["2019-03-01", *sorted({str(d) for d in tree.tree.back_check})]


def test_a_stored_fit_is_looked_up_without_sampling(ds, priors, small_fit, fit_cache, tiny, fake_sampler):
    ctx = Context(ds, priors, tiny, small_fit.identity.seed, store=FitStore(fit_cache))
    assert ctx.identity("2012-03-17") == small_fit.identity
    assert ctx.stored_fit("2012-03-17") is not None
    assert ctx.stored_fit("2012-03-18") is None  # not on disk: None, no fit made
    assert fake_sampler == []
