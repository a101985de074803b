"""The numbers the workbench shows, evidence sets, the forecast log and back-test outputs."""

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from forecast.answers import questions, workbench
from forecast.answers.answerer import Answerer, _logit
from forecast.answers.service import fit_cut, record_gap_warning
from forecast.core.errors import InputError
from forecast.data.dataset import Reach, load_dataset
from forecast.evaluation import track_record
from forecast.model.fitted import FitStore
from forecast.model.posterior import SamplerSettings, sampler_settings
from forecast.model.priors import load_priors
from forecast.workspace import evidence_sets, forecast_log

TINY = SamplerSettings(draws=100, tune=150, chains=2, cores=1)
LEAP_DAY = "2012-03-17"  # the day after the satellite launch was announced


@pytest.fixture(scope="module")
def answerer(tmp_path_factory):
    ds, priors = load_dataset(), load_priors()
    fit = FitStore(tmp_path_factory.mktemp("fits")).get(ds, priors, LEAP_DAY, TINY, seed=3)
    return Answerer(ds, priors, fit)


def test_data_levels_name_the_records_in_force(answerer):
    levels = workbench.data_levels(answerer, ["space_launch"])
    assert levels["announcement"].level == "notice"
    assert (
        levels["announcement"].records
        and levels["announcement"].label().startswith("data: notice, window 2012-04-12 to 2012-04-16, S")
        and "since 2012-03-16" in levels["announcement"].label()
    )
    assert levels["site_activity"].records == () and "no record in force" in levels["site_activity"].label()


def test_waterfall_steps_add_up_to_the_forecast(answerer):
    evidence = {"site_activity": ("preparation", 0.7), "negotiation": ("collapsed", 1.0)}
    w = workbench.waterfall(answerer, "space_launch", 30, evidence)
    final = workbench.summary(answerer, "space_launch", 30, evidence)
    assert w["step"].iloc[0] == "base rate" and w["step"].iloc[-1] == "forecast"
    assert w["probability"].iloc[0] == pytest.approx(final["base_rate"])
    assert w["change"].iloc[:-1].sum() == pytest.approx(_logit(np.array([final["probability"]]))[0])
    assert w["probability"].iloc[-1] == pytest.approx(final["probability"])
    # the announcement recorded in the data is the largest push: it comes first
    assert w["step"].iloc[1].startswith("announcement=notice (data)")
    assert any(s.startswith("site_activity=preparation (70%)") for s in w["step"])


def test_curve_is_cumulative_and_matches_the_window_answer(answerer):
    c = workbench.curve(answerer, ["space_launch", "any"], {}, days=120)
    for event, g in c.groupby("event"):
        assert (np.diff(g["probability"]) >= -1e-12).all()
        p90 = workbench.summary(answerer, event, 90, {})["probability"]
        assert g.loc[g["day"] == 90, "probability"].iloc[0] == pytest.approx(p90)
    assert (c[c["event"] == "any"]["probability"].values >= c[c["event"] == "space_launch"]["probability"].values).all()


def test_what_would_change_my_mind_ranks_the_signals_left_to_look_for(answerer):
    table = workbench.what_would_change(answerer, "space_launch", 30, {}, exclude={"rhetoric"})
    assert "rhetoric" not in set(table["signal"])
    reach = table.drop_duplicates("signal")["largest_move"].tolist()
    assert reach == sorted(reach, reverse=True)
    current = workbench.summary(answerer, "space_launch", 30, {})["probability"]
    at_data = table[table["data_level"]]
    assert np.allclose(at_data["change"], 0.0, atol=1e-12)
    withdrawn = table[(table["signal"] == "announcement") & (table["level"] == "none")]["probability"].iloc[0]
    assert withdrawn < current / 3  # without the announcement the launch is far less likely


@pytest.fixture(scope="module")
def quiet(tmp_path_factory):
    """An answerer as of a quiet day for space launches: no notice, plan or site activity in force."""
    ds, priors = load_dataset(), load_priors()
    fit = FitStore(tmp_path_factory.mktemp("fits")).get(ds, priors, "2015-06-01", TINY, seed=3)
    return Answerer(ds, priors, fit)


def test_a_notice_tops_what_would_change_my_mind_on_a_quiet_day(quiet):
    levels = workbench.data_levels(quiet, ["space_launch"])
    assert levels["announcement"].level == "none" and levels["site_activity"].level == "none"
    table = workbench.what_would_change(quiet, "space_launch", 90, {})
    assert (table.iloc[0]["signal"], table.iloc[0]["level"]) == ("announcement", "notice")
    ann = table[table["signal"] == "announcement"].set_index("level")
    # every level of the announcement is ranked, in the vocabulary's order for drawing
    assert list(ann.sort_values("level_order").index) == ["none", "plan", "issued", "notice"]
    assert ann.loc["none", "probability"] < ann.loc["plan", "probability"] < ann.loc["issued", "probability"]
    assert ann.loc["issued", "probability"] < ann.loc["notice", "probability"]
    assert ann.loc["notice", "probability"] > 0.5
    # every signal's levels have their own line in the chart
    assert not table.duplicated(["signal", "level_order"]).any()


def test_a_notice_window_moves_the_forecast_only_when_it_bears_on_the_window(quiet):
    base = workbench.summary(quiet, "space_launch", 30, {})["probability"]
    inside = {"announcement": (questions.notice_level(dt.date(2015, 6, 10), dt.date(2015, 6, 15)), 1.0)}
    after = {"announcement": (questions.notice_level(dt.date(2015, 7, 20), dt.date(2015, 7, 25)), 1.0)}
    assert workbench.summary(quiet, "space_launch", 30, inside)["probability"] > 0.5 > 5 * base
    assert workbench.summary(quiet, "space_launch", 30, after)["probability"] == pytest.approx(base, abs=1e-9)
    assert "opens on 2015-07-20" in workbench.window_note(after["announcement"][0], quiet.as_of, 30)
    assert workbench.window_note(inside["announcement"][0], quiet.as_of, 30) is None
    assert "closed on 2015-05-05" in workbench.window_note("notice@2015-05-01/2015-05-05", quiet.as_of, 30)
    assert "window opening about" in workbench.undated_notice_text(quiet)


def test_a_notice_window_from_two_optional_dates():
    assert questions.notice_level(None, None) == "notice"
    assert questions.notice_level(dt.date(2012, 4, 12), dt.date(2012, 4, 16)) == "notice@2012-04-12/2012-04-16"
    assert questions.notice_level(dt.date(2012, 4, 12), dt.date(2012, 4, 12)) == "notice@2012-04-12/2012-04-12"
    with pytest.raises(InputError) as exc:
        questions.notice_level(dt.date(2012, 4, 16), dt.date(2012, 4, 12))
    assert exc.value.field == "window last day" and exc.value.value == "2012-04-12"
    assert "ends before it starts" in str(exc.value) and "2012-04-16" in str(exc.value)
    with pytest.raises(InputError) as exc:
        questions.notice_level(dt.date(2012, 4, 12), None)
    assert exc.value.field == "window last day" and "both days" in str(exc.value)
    with pytest.raises(InputError) as exc:
        questions.notice_level(None, dt.date(2012, 4, 12))
    assert exc.value.field == "window first day"
    assert questions.level_text("notice@2012-04-12/2012-04-16") == "notice, window 2012-04-12 to 2012-04-16"
    assert questions.level_text("plan") == "plan"
    assert questions.window_of("notice@2012-04-12/2012-04-16") == (dt.date(2012, 4, 12), dt.date(2012, 4, 16))
    assert questions.window_of("notice") == (None, None) and questions.window_of(None) == (None, None)
    assert questions.takes_window("announcement", "notice@2012-04-12/2012-04-16")
    assert not questions.takes_window("announcement", "issued")


def test_the_model_pages_warning_tables(answerer):
    from forecast.model import report as model_report

    frame = model_report.warnings(answerer.fit, answerer.priors)
    long = model_report.warnings_long(frame)
    assert len(long) == 4 * 2 * 2 and set(long["measure"]) == {"hit rate", "mean lead time (days)"}
    notice = long[(long["warning"] == "notice") & (long["source"] == "prior") & (long["measure"] == "hit rate")]
    assert notice[["low", "value", "high"]].iloc[0].tolist() == [0.5, 0.85, 0.98]  # priors/default.toml
    assert (long["low"] <= long["value"]).all() and (long["value"] <= long["high"]).all()
    entries = model_report.prior_entries(answerer.priors).set_index("entry")
    assert entries.loc["warning notice", "prior"].startswith("hit rate 0.85 (90% 0.5-0.98); mean lead 1.5 days")
    assert all(entries["rationale"].str.len() > 0)
    assert {"effect rhetoric=threatening", "warning plan", "fade rhetoric", "base rate space_launch"} <= set(
        entries.index
    )


def test_change_since_last_compares_the_same_question_only():
    h = []
    first = {"as_of": "2019-03-01", "event": "space_launch", "window_days": 90, "evidence": "", "probability": 0.1}
    h = workbench.record_in_history(h, first)
    other = {**first, "event": "nuclear_test", "probability": 0.5}
    h = workbench.record_in_history(h, other)
    second = {**first, "evidence": "announcement=issued", "probability": 0.4}
    assert workbench.change_since_last(h, second) == pytest.approx(0.3)
    assert workbench.record_in_history(h, {**first}) == h  # a rerun of the same forecast is not a new entry
    assert workbench.change_since_last([], first) is None


def test_forecast_rows_carry_provenance_and_markdown(answerer):
    rows = workbench.forecast_rows(answerer, {}, ["space_launch", "any"], (30, 90), {"data_hash": "abc"})
    assert len(rows) == 4 and all(r["data_hash"] == "abc" for r in rows)
    md = workbench.table_markdown(rows, "header line")
    assert md.startswith("header line") and "| space_launch" in md and "30 days" in md


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


def test_sampler_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("FORECAST_DRAWS", "200")
    assert sampler_settings().draws == 200
    monkeypatch.setenv("FORECAST_DRAWS", "lots")
    with pytest.raises(InputError) as exc:
        sampler_settings()
    assert "FORECAST_DRAWS" in str(exc.value) and "lots" in str(exc.value)


# ------------------------------------------------------------------ evidence sets


def a_set(name="Leap Day", **kw):
    items = (evidence_sets.EvidenceItem("announcement", "issued", 0.9, "KCNA 16 Mar", "KCNA"),)
    return evidence_sets.EvidenceSet(name=name, as_of=dt.date(2012, 3, 17), items=items, analyst="A. Analyst", **kw)


def test_evidence_set_round_trip(tmp_path):
    path = evidence_sets.save(a_set(), tmp_path)
    back = evidence_sets.load(path)
    assert back.evidence() == {"announcement": ("issued", 0.9)}
    assert back.items[0].note == "KCNA 16 Mar" and back.analyst == "A. Analyst" and back.saved_at
    assert [es.name for _, es in evidence_sets.list_sets(tmp_path)[0]] == ["Leap Day"]
    assert not list(tmp_path.glob("*.tmp"))


def test_an_evidence_set_keeps_a_notices_window(tmp_path):
    items = (evidence_sets.EvidenceItem("announcement", "notice@2012-04-12/2012-04-16", 0.8, "KCNA", "KCNA"),)
    es = evidence_sets.EvidenceSet(name="Window", as_of=dt.date(2012, 3, 17), items=items)
    back = evidence_sets.load(evidence_sets.save(es, tmp_path))
    assert back.evidence() == {"announcement": ("notice@2012-04-12/2012-04-16", 0.8)}
    table = evidence_sets.compare(back, a_set("Other")).set_index("signal")
    assert table.loc["announcement", "Window"] == "notice, window 2012-04-12 to 2012-04-16 (80%)"


def test_saving_never_overwrites_without_asking_and_never_a_foreign_file(tmp_path):
    path = evidence_sets.save(a_set(), tmp_path)
    with pytest.raises(InputError, match="exists"):
        evidence_sets.save(a_set(), tmp_path)
    evidence_sets.save(a_set(window_days=30), tmp_path, replace=True)
    assert evidence_sets.load(path).window_days == 30
    path.write_text("not json")
    with pytest.raises(InputError, match="not a readable evidence set"):
        evidence_sets.save(a_set(), tmp_path, replace=True)
    assert path.read_text() == "not json"


@pytest.mark.parametrize(
    ("content", "field", "value"),
    [
        ('{"format": "something else"}', "format", "something else"),
        ("[1, 2]", "format", "list"),
        ('{"format": "nk-forecast evidence set", "version": 9}', "version", "9"),
        (None, "items[0].level", "ready"),
        (None, "items[0].level", "notice@2012-04-16/2012-04-12"),
        (None, "items[0].level", "notice@16 April"),
        (None, "items[0].level", "plan@2012-04-12/2012-04-16"),
        (None, "items[0].confidence", "1.5"),
    ],
)
def test_bad_evidence_files_name_file_field_and_value(tmp_path, content, field, value):
    path = tmp_path / "bad.json"
    if content is None:
        data = a_set().to_json()
        if field.endswith("level"):
            data["items"][0]["level"] = value
        else:
            data["items"][0]["confidence"] = 1.5
        content = json.dumps(data)
    path.write_text(content)
    with pytest.raises(InputError) as exc:
        evidence_sets.load(path)
    text = str(exc.value)
    assert "bad.json" in text and f"'{field}'" in text and value in text


def test_damaged_json_names_the_line(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('{\n "format": "nk-forecast evidence set",\n "name": ')
    with pytest.raises(InputError) as exc:
        evidence_sets.load(path)
    assert "cut.json" in str(exc.value) and "row 3" in str(exc.value) and "not valid JSON" in str(exc.value)


def test_compare_shows_where_two_sets_differ():
    a = a_set("A")
    b = evidence_sets.EvidenceSet(name="B", as_of=dt.date(2012, 3, 17), items=())
    table = evidence_sets.compare(a, b).set_index("signal")
    assert table.loc["announcement", "A"] == "issued (90%)" and table.loc["announcement", "B"] == "data"
    assert bool(table.loc["announcement", "differs"]) and not bool(table.loc["rhetoric", "differs"])


# ------------------------------------------------------------------ the forecast log


def test_the_log_appends_and_refuses_a_foreign_file(tmp_path):
    path = tmp_path / "log.csv"
    assert forecast_log.append(path, [{"event": "space_launch", "probability": 0.2, "notes": "two\nlines"}]) == 1
    assert forecast_log.append(path, [{"event": "any", "probability": 0.5}]) == 2
    frame = pd.read_csv(path)
    assert list(frame["event"]) == ["space_launch", "any"] and frame["notes"].iloc[0] == "two\nlines"
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(InputError) as exc:
        forecast_log.append(other, [{"event": "any"}])
    assert "other.csv" in str(exc.value) and "row 1" in str(exc.value)
    assert other.read_text() == "a,b\n1,2\n"


# ------------------------------------------------------------------ back-test outputs


def test_the_newest_back_test_is_chosen_and_damage_reported(tmp_path):
    for name, created in (("old", "2026-01-01T00:00:00"), ("new", "2026-06-01T00:00:00")):
        d = tmp_path / name
        d.mkdir()
        (d / "manifest.json").write_text(json.dumps({"created": created, "config": {}, "data_hash": "x"}))
        pd.DataFrame(
            [{"priors": "default.toml", "event": "any", "window_days": 30, "forecaster": "model", "brier": 0.1,
              "log_loss": 0.3, "auc": 0.8, "n": 10, "events": 3}]
        ).to_csv(d / "scores.csv", index=False)  # fmt: skip
        pd.DataFrame(
            [{"priors": "default.toml", "event": "any", "window_days": 30, "baseline": "climatology",
              "brier_skill": 0.2, "brier_diff": -0.01, "diff_lo90": -0.02, "diff_hi90": 0.0, "n": 10}]
        ).to_csv(d / "skill.csv", index=False)  # fmt: skip
        pd.DataFrame(columns=["event", "window_days", "forecaster", "bin", "forecast", "observed", "count"]).to_csv(
            d / "reliability.csv", index=False
        )
    broken = tmp_path / "broken"
    broken.mkdir()
    for n in track_record.NEEDED:
        (broken / n).write_text("{" if n.endswith("json") else "")
    run, errors = track_record.latest([tmp_path])
    assert run.path.name == "new"
    assert len(errors) == 1 and "broken" in str(errors[0])
    assert track_record.skill_wide(run).loc[0, "climatology"] == pytest.approx(0.2)


def test_the_shipped_back_test_is_readable():
    run, errors = track_record.latest([track_record_root()])
    assert run is not None and not errors
    overall = track_record.overall_scores(run).set_index("forecaster")
    assert overall.loc["model", "brier"] < overall.loc["climatology", "brier"]


def track_record_root():
    from forecast.core.paths import ROOT

    return ROOT / "results"


def test_names_that_share_a_file_are_refused(tmp_path):
    evidence_sets.save(a_set("Hanoi A"), tmp_path)
    with pytest.raises(InputError, match="stored under that file name"):
        evidence_sets.save(a_set("hanoi-a"), tmp_path, replace=True)
    assert evidence_sets.load(tmp_path / "hanoi-a.json").name == "Hanoi A"


def test_out_of_range_sets_are_refused(tmp_path):
    for change, field in ((("as_of", "1990-01-01"), "as_of"), (("confidence", 0.001), "items[0].confidence")):
        data = a_set().to_json()
        if change[0] == "as_of":
            data["as_of"] = change[1]
        else:
            data["items"][0]["confidence"] = change[1]
        path = tmp_path / "x.json"
        path.write_text(json.dumps(data))
        with pytest.raises(InputError) as exc:
            evidence_sets.load(path)
        assert f"'{field}'" in str(exc.value)


def test_a_log_that_cannot_be_written_is_an_input_error(tmp_path):
    (tmp_path / "log.csv").mkdir()
    with pytest.raises(InputError, match="log"):
        forecast_log.append(tmp_path / "log.csv", [{"event": "any"}])
