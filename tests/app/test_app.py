"""Every page of the workbench under AppTest, on the session's fit on the whole record (conftest's
``app_fit``; ``app_env`` sets the small settings, that fit's cache and a private working directory
for each test). Pages that fit at another cut (a scenario tree's date, an episode's months) get
their fits from ``fake_sampler``."""

import datetime as dt
import json
import re
from pathlib import Path

import pandas.testing as pd_testing
import pytest
from probes import NO_SAMPLER
from streamlit.testing.v1 import AppTest

from forecast.data.dataset import load_events, load_reach
from forecast.model.posterior import MODEL_VERSION

ROOT = Path(__file__).resolve().parent.parent.parent
APP = str(ROOT / "app.py")
PAGES = ["forecast", "change", "scenarios", "episodes", "track_record", "data", "model"]


def run_app(page: str | None = None) -> AppTest:
    """A fresh session of the app, opened on ``page`` (as by its address), else the Forecast page."""
    at = AppTest.from_file(APP, default_timeout=180)
    if page:
        at.switch_page(f"forecast/app/pages/{page}.py")
    return at.run()


def metric(at: AppTest, label: str) -> float:
    """A displayed probability as a number (percent)."""
    value = next(m.value for m in at.metric if m.label == label)
    return float(value.lstrip("<").rstrip("%"))


SPACE_90 = "P(space launch within 90 days)"
SPACE_30 = "P(space launch within 30 days)"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_loads(app_env, page):
    at = run_app(page)
    assert not at.exception, [e.message for e in at.exception]
    assert at.title, f"{page} shows no title"


def test_forecast_page_shows_answer_interval_band_and_provenance(app_env):
    at = run_app()
    assert SPACE_90 in [m.label for m in at.metric]
    captions = " ".join(c.value for c in at.caption)
    assert "90% interval" in captions and "base rate" in captions
    assert "data " in captions and "priors default.toml" in captions and f"model {MODEL_VERSION}" in captions
    # the as-of date (today) is beyond the record: the page says from which day
    reach = load_reach()
    assert any(f"complete through {reach.complete_through.date()}" in w.value for w in at.warning)


# Streamlit's Markdown (st.table's cells included) loads its emoji plugin, two more scripts the
# browser must fetch before it paints, for text that looks like an emoji shortcode (its own test)
EMOJI_SHORTCODE = re.compile(r":(?!material/|streamlit:)[\w+-][\w_+-]*:")


def test_the_first_page_sends_no_text_that_loads_the_emoji_plugin(app_env):
    """A time with seconds in the history table (20:34:21) made a fresh browser fetch the emoji
    plugin and hold the probabilities' first paint for it (0.3-0.5 s, in 9 of 12 runs one evening)."""
    at = run_app()
    texts = [str(el.value) for el in [*at.markdown, *at.caption, *at.metric, *at.info, *at.warning]]
    texts += [str(cell) for table in at.table for cell in [*table.value.columns, *table.value.to_numpy().ravel()]]
    found = [m.group() for t in texts for m in EMOJI_SHORTCODE.finditer(t)]
    assert not found, found


def test_an_announcement_raises_and_a_moratorium_lowers_the_space_launch_forecast(app_env):
    at = run_app()
    before = metric(at, SPACE_90)
    at.selectbox(key="ev_level_announcement").set_value("issued").run()
    raised = metric(at, SPACE_90)
    assert raised > 2 * before
    delta = next(m for m in at.metric if m.label == SPACE_90).delta
    assert delta.startswith("+") and "since last" in delta
    at.selectbox(key="ev_level_announcement").set_value("none").run()
    at.selectbox(key="ev_level_moratorium").set_value("in_force").run()
    assert metric(at, SPACE_90) < before


def set_window(at: AppTest, first: dt.date | None, last: dt.date | None) -> AppTest:
    at.date_input(key="ev_win_first_announcement").set_value(first).run()
    return at.date_input(key="ev_win_last_announcement").set_value(last).run()


def errors(at: AppTest) -> str:
    return " ".join(e.value for e in at.error)


def test_a_notice_window_inside_the_question_raises_it_and_one_after_it_does_not(app_env):
    at = run_app()
    at.number_input(key="w_window").set_value(30).run()
    before = metric(at, SPACE_30)
    at.selectbox(key="ev_level_announcement").set_value("plan").run()
    assert not any(d.key == "ev_win_first_announcement" for d in at.date_input)  # only a notice has a window
    at.selectbox(key="ev_level_announcement").set_value("notice").run()
    assert any("No dates:" in c.value for c in at.caption)  # a notice without dates, as the record defines it
    today = dt.date.today()
    set_window(at, today + dt.timedelta(days=5), today + dt.timedelta(days=9))
    assert not at.exception and not at.error
    inside = metric(at, SPACE_30)
    assert inside > 50 and inside > 5 * before
    assert any(f"window {today + dt.timedelta(days=5)} to" in e.label for e in at.expander)
    # a window that opens after the question's 30 days leaves it at the data's level
    set_window(at, today + dt.timedelta(days=40), today + dt.timedelta(days=45))
    assert not at.error and any("after the question's window ends" in w.value for w in at.warning)
    assert abs(metric(at, SPACE_30) - before) < 1
    # the session's forecasts name the window
    history = next(t.value for t in at.table if "evidence" in t.value.columns)
    assert f"announcement=notice@{today + dt.timedelta(days=40)}/{today + dt.timedelta(days=45)}" in set(
        history["evidence"]
    )


def test_a_bad_notice_window_is_named_and_not_applied(app_env):
    at = run_app()
    at.number_input(key="w_window").set_value(30).run()
    at.selectbox(key="ev_level_announcement").set_value("notice").run()
    today = dt.date.today()
    first, last = today + dt.timedelta(days=5), today + dt.timedelta(days=9)
    set_window(at, first, last)
    good = metric(at, SPACE_30)
    at.date_input(key="ev_win_last_announcement").set_value(first - dt.timedelta(days=2)).run()
    assert not at.exception
    text = errors(at)
    assert "window last day" in text and str(first - dt.timedelta(days=2)) in text and "ends before it starts" in text
    assert "Not applied" in text and str(first) in text
    assert metric(at, SPACE_30) == good  # the window in use is still the last good one
    at.date_input(key="ev_win_last_announcement").set_value(None).run()  # one day missing
    assert "both days" in errors(at) and metric(at, SPACE_30) == good
    at.date_input(key="ev_win_first_announcement").set_value(None).run()  # both empty: no dates
    assert not at.error
    assert any(e.label.startswith("note & source — set by you: notice · data") for e in at.expander)


def test_lower_confidence_moves_the_answer_part_way(app_env):
    at = run_app()
    before = metric(at, SPACE_90)
    at.selectbox(key="ev_level_announcement").set_value("issued").run()
    full = metric(at, SPACE_90)
    at.slider(key="ev_conf_announcement").set_value(0.5).run()
    half = metric(at, SPACE_90)
    assert before < half < full


def test_evidence_survives_a_trip_to_another_page(app_env):
    at = run_app()
    at.selectbox(key="ev_level_site_activity").set_value("imminent").run()
    at.switch_page("forecast/app/pages/change.py").run()
    assert not at.exception
    assert any("site_activity" in c.value for c in at.caption)  # listed as set by the analyst
    at.switch_page("forecast/app/pages/forecast.py").run()
    assert at.selectbox(key="ev_level_site_activity").value == "imminent"


def test_what_would_change_my_mind_ranks_unset_signals(app_env):
    at = run_app()
    at.selectbox(key="ev_level_negotiation").set_value("engaged").run()
    at.switch_page("forecast/app/pages/change.py").run()
    table = at.dataframe[0].value
    assert "negotiation" not in set(table["signal"])
    moves = table.drop_duplicates("signal")["largest move (pts)"].tolist()
    assert moves == sorted(moves, reverse=True) and moves[0] > 0


def test_a_notice_tops_what_would_change_my_mind_when_none_is_in_force(app_env):
    at = run_app("change")
    assert not at.exception
    table = at.dataframe[0].value
    assert (table["signal"].iloc[0], table["level"].iloc[0]) == ("announcement", "notice")
    levels = set(table[table["signal"] == "announcement"]["level"].str.replace(" (data)", ""))
    assert levels == {"none", "plan", "issued", "notice"}


def test_saving_and_reloading_an_evidence_set_round_trips(app_env):
    at = run_app()
    at.selectbox(key="ev_level_announcement").set_value("issued").run()
    at.slider(key="ev_conf_announcement").set_value(0.8).run()
    at.text_input(key="ev_note_announcement").input("NOTAM for a launch window").run()
    at.text_input(key="ev_source_announcement").input("IMO notice").run()
    shown = metric(at, SPACE_90)
    at.text_input(key="set_name").input("Launch notice test").run()
    at.button(key="save_set").click().run()
    assert not at.exception and any("Saved" in s.value for s in at.success)
    saved = Path(app_env["FORECAST_WORK_DIR"]) / "evidence_sets" / "launch-notice-test.json"
    data = json.loads(saved.read_text())
    assert data["items"] == [
        {
            "signal": "announcement",
            "level": "issued",
            "confidence": 0.8,
            "note": "NOTAM for a launch window",
            "source": "IMO notice",
        }
    ]
    reset = next(b for b in at.button if b.label.startswith("Reset every signal"))
    reset.click().run()
    assert metric(at, SPACE_90) != shown
    assert at.selectbox(key="ev_level_announcement").value == "none"  # back to the data's level
    at.selectbox(key="set_choice").set_value("Launch notice test").run()
    at.button(key="load_set").click().run()
    assert metric(at, SPACE_90) == shown
    assert at.selectbox(key="ev_level_announcement").value == "issued"
    assert at.slider(key="ev_conf_announcement").value == 0.8
    # saving again under the same name without 'replace' is refused; the file is unchanged
    before = saved.read_text()
    at.text_input(key="set_name").input("Launch notice test").run()
    at.button(key="save_set").click().run()
    assert any("exists" in e.value for e in at.error)
    assert saved.read_text() == before


def test_an_evidence_set_keeps_a_notices_window(app_env):
    at = run_app()
    at.selectbox(key="ev_level_announcement").set_value("notice").run()
    today = dt.date.today()
    first, last = today + dt.timedelta(days=20), today + dt.timedelta(days=27)
    set_window(at, first, last)
    shown = metric(at, SPACE_90)
    at.text_input(key="set_name").input("Notice window").run()
    at.button(key="save_set").click().run()
    assert not at.exception and any("Saved" in s.value for s in at.success)
    saved = Path(app_env["FORECAST_WORK_DIR"]) / "evidence_sets" / "notice-window.json"
    assert json.loads(saved.read_text())["items"][0]["level"] == f"notice@{first}/{last}"
    next(b for b in at.button if b.label.startswith("Reset every signal")).click().run()
    assert not any(d.key == "ev_win_first_announcement" for d in at.date_input)
    at.selectbox(key="ev_level_announcement").set_value("notice").run()  # a new notice starts without dates
    assert at.date_input(key="ev_win_first_announcement").value is None
    assert at.date_input(key="ev_win_last_announcement").value is None
    at.selectbox(key="ev_level_announcement").set_value("none").run()
    at.selectbox(key="set_choice").set_value("Notice window").run()
    at.button(key="load_set").click().run()
    assert metric(at, SPACE_90) == shown
    assert at.selectbox(key="ev_level_announcement").value == "notice"
    assert at.date_input(key="ev_win_first_announcement").value == first
    assert at.date_input(key="ev_win_last_announcement").value == last


def test_a_damaged_evidence_file_is_reported_not_fatal(app_env):
    directory = Path(app_env["FORECAST_WORK_DIR"]) / "evidence_sets"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "broken.json").write_text('{"format": "nk-forecast evidence set", "version": 1, "name": ')
    (directory / "foreign.json").write_text('{"hello": "world"}')
    at = run_app()
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "broken.json" in warnings and "not valid JSON" in warnings
    assert "foreign.json" in warnings and "not an evidence set" in warnings
    # saving over a foreign file is refused and the file is left as it was
    at.text_input(key="set_name").input("foreign").run()
    at.checkbox(key="set_replace").check().run()
    at.button(key="save_set").click().run()
    assert any("not a readable evidence set" in e.value for e in at.error)
    assert (directory / "foreign.json").read_text() == '{"hello": "world"}'
    (directory / "broken.json").unlink()
    (directory / "foreign.json").unlink()


def test_recording_a_forecast_appends_to_the_log(app_env):
    at = run_app()
    log = Path(app_env["FORECAST_WORK_DIR"]) / "forecast_log.csv"
    assert not log.exists()  # a private working directory
    at.button(key="log_button").click().run()
    assert not at.exception
    lines = log.read_text().splitlines()
    assert len(lines) == 1 + 2  # the header, one row per event type shown (space launch, ballistic missile)
    assert lines[0].startswith("logged_at,analyst,as_of,event")
    assert "space_launch" in lines[-2] and "ballistic_missile" in lines[-1]
    at.button(key="log_button").click().run()
    assert len(log.read_text().splitlines()) == 1 + 4  # appended, not rewritten


def test_track_record_page_reads_the_latest_back_test(app_env):
    at = run_app("track_record")
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "origins monthly" in captions and "seed" in captions
    overall = at.dataframe[0].value
    assert set(overall["forecaster"]) >= {"model", "climatology", "recent_rate", "no_signals"}


def test_track_record_page_shows_warning_origins_beside_routine_ones(app_env, backtest_output, monkeypatch):
    from forecast.evaluation import track_record

    folder, _ = backtest_output
    monkeypatch.setenv("FORECAST_BACKTEST_DIR", str(folder.parent))
    at = run_app("track_record")
    assert not at.exception, [e.message for e in at.exception]
    assert not at.info  # no "routine origins only" notice
    run = track_record.load(folder)
    overall = at.dataframe[0].value
    assert {"brier (routine)", "brier (warning)", "questions (warning)"} <= set(overall.columns)
    side = at.dataframe[1].value
    pd_testing.assert_frame_equal(
        side.reset_index(drop=True), track_record.kind_comparison(run, "default.toml").round(3), check_dtype=False
    )
    assert at.radio(key="tr_kind").options == ["routine", "warning"]
    at.radio(key="tr_kind").set_value("warning").run()
    assert not at.exception
    assert any("(warning origins)" in h.value for h in at.subheader)
    skill = at.dataframe[3].value
    assert list(skill["window_days"].astype(str)) == ["30", "90", "180", "365"] * 2 + ["all"]
    assert skill["climatology"].to_numpy() == pytest.approx(
        track_record.skill_wide(run, "default.toml", "warning")["climatology"].to_numpy()
    )


def test_track_record_page_reads_a_back_test_without_warning_origins(app_env, backtest_output, tmp_path, monkeypatch):
    import pandas as pd

    folder, _ = backtest_output
    old = tmp_path / "runs" / "old"
    old.mkdir(parents=True)
    (old / "manifest.json").write_text((folder / "manifest.json").read_text())
    for name in ("scores", "skill", "reliability"):
        t = pd.read_csv(folder / f"{name}.csv")
        t[t["origin_kind"] == "routine"].drop(columns="origin_kind").to_csv(old / f"{name}.csv", index=False)
    monkeypatch.setenv("FORECAST_BACKTEST_DIR", str(old.parent))
    at = run_app("track_record")
    assert not at.exception, [e.message for e in at.exception]
    assert any("routine origins only" in i.value for i in at.info)
    assert not at.radio
    assert list(at.dataframe[0].value.columns)[:3] == ["priors", "forecaster", "brier (routine)"]


def test_model_page_shows_the_direct_warnings(app_env):
    at = run_app("model")
    assert not at.exception
    assert "Direct warnings: hit rates and lead times" in [h.value for h in at.subheader]
    tables = [d.value for d in at.dataframe]
    warn = next(t for t in tables if "posterior_hit" in t.columns)
    assert list(warn["kind"]) == ["notice", "plan", "imminent", "preparation"]
    assert {"prior_lead_days", "posterior_lead_days", "hit space_launch"} <= set(warn.columns)
    effects = next(t for t in tables if "posterior_odds_ratio" in t.columns)
    assert not any(f.startswith(("announcement", "site_activity")) for f in effects["feature"])
    captions = " ".join(c.value for c in at.caption)
    assert "context signals (rhetoric, sanctions, negotiation, moratorium) and the recency terms only" in captions
    entries = next(t for t in tables if "rationale" in t.columns)
    notice = entries[entries["entry"] == "warning notice"]
    assert len(notice) == 1 and notice["rationale"].iloc[0] and "hit rate" in notice["prior"].iloc[0]


def test_model_page_warns_when_the_fit_misses_the_thresholds(app_env):
    at = run_app("model")
    assert not at.exception
    # the tests' small fit (100 draws) cannot reach an ESS of 400: the page must say so
    assert any("misses the convergence thresholds" in w.value for w in at.warning)
    diag = at.dataframe[0].value
    assert list(diag["check"])[:2] == ["R-hat (max)", "bulk ESS (min)"]


def test_data_page_shows_the_record_and_filters_it(app_env):
    at = run_app("data")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["space launch"] == "10" and metrics["nuclear test"] == "6"
    assert len(at.dataframe[0].value) == len(load_events())
    at.multiselect(key="data_events").set_value(["nuclear_test"]).run()
    assert len(at.dataframe[0].value) == 6


def test_episode_replay_runs_from_the_page_and_is_reused(app_env, fake_sampler):
    at = run_app("episodes")
    at.selectbox(key="episode_name").set_value("leap-day-2012").run()
    assert any("not been computed" in i.value for i in at.info)
    at.button(key="run_replay").click().run()
    assert not at.exception
    table = at.dataframe[0].value
    # 21 weekly origins and the days five more warnings became public (16, 25, 29 March, 8 and 27 April)
    assert table["origin"].iloc[0] == "2012-02-06" and len(table) == 26
    path = table["P(space_launch, 30d) %"]
    # KCNA's dated announcement of 16 March: the forecast jumps on the day itself
    assert path[table["origin"] == "2012-03-16"].iloc[0] > 5 * path[table["origin"] == "2012-03-12"].iloc[0]
    made = len(fake_sampler)
    assert made == 5  # one refit per month, February to June 2012
    again = run_app("episodes")
    again.selectbox(key="episode_name").set_value("leap-day-2012").run()
    assert not again.info and len(again.dataframe[0].value) == 26  # read back, not recomputed
    assert len(fake_sampler) == made


def test_scenarios_page_matches_the_command_line(app_env, fake_sampler):
    from forecast.answers import scenarios as sc
    from forecast.answers.answerer import Answerer
    from forecast.core.limits import DEFAULT_SEED
    from forecast.data.dataset import load_dataset
    from forecast.model.fitted import FitStore
    from forecast.model.posterior import sampler_settings
    from forecast.model.priors import load_priors
    from forecast.workspace import scenario_files as sf

    at = run_app("scenarios")
    at.selectbox(key="sc_file").set_value("post-summit-failure.toml").run()
    at.button(key="sc_use_date").click().run()
    assert not at.exception, [e.message for e in at.exception]
    brief = at.dataframe[0].value
    # the same numbers as `forecast scenarios` with the same fit (as of 2019-03-01)
    tree = sf.load(sf.SCENARIO_DIR / "post-summit-failure.toml")
    ds, priors = load_dataset(), load_priors()
    fit = FitStore().get(ds, priors, "2019-03-01", sampler_settings(), DEFAULT_SEED)
    expected = sc.brief_table(sc.evaluate(tree, Answerer(ds, priors, fit)))
    pd_testing.assert_frame_equal(brief.reset_index(drop=True), expected.reset_index(drop=True))
    assert [cut for cut, _, _ in fake_sampler] == ["2019-03-01"] * 2  # the page's fit and this test's
    # moving a branch probability moves the mixture; the sliders' sum is checked
    label = "any"
    before = metric(at, label)
    at.slider(key="sc_w_punishment").set_value(0.5).run()
    assert any("sum to 1.30" in w.value for w in at.warning)
    assert metric(at, label) > before
    sens = at.dataframe[1].value
    assert "matters most" in sens.columns


def test_scenario_edits_save_a_valid_file_and_never_overwrite_another(app_env, tmp_path, monkeypatch):
    from forecast.workspace import scenario_files as sf

    monkeypatch.setattr(sf, "SCENARIO_DIR", tmp_path)
    for p in (ROOT / "data" / "scenarios").glob("*.toml"):
        (tmp_path / p.name).write_text(p.read_text())
    at = run_app("scenarios")
    at.selectbox(key="sc_file").set_value("new-sanctions.toml").run()
    at.selectbox(key="sc_ev_new-sanctions_absorbs_negotiation").set_value("engaged").run()
    at.text_input(key="sc_save_name").input("sanctions-then-talks").run()
    at.button(key="sc_save").click().run()
    assert not at.exception and any("Saved" in s.value for s in at.success)
    saved = sf.load(tmp_path / "sanctions-then-talks.toml")
    assert saved.branches["absorbs"].evidence["negotiation"] == "engaged"
    before = (tmp_path / "moratorium-deal.toml").read_text()
    at.text_input(key="sc_save_name").input("moratorium-deal").run()
    at.button(key="sc_save").click().run()
    assert any("different scenario file" in e.value for e in at.error)
    assert (tmp_path / "moratorium-deal.toml").read_text() == before


def test_a_scenario_branch_keeps_a_notices_window_and_refuses_a_bad_one(app_env, tmp_path, monkeypatch):
    from forecast.workspace import scenario_files as sf

    monkeypatch.setattr(sf, "SCENARIO_DIR", tmp_path)
    text = (ROOT / "data" / "scenarios" / "satellite-programme.toml").read_text()
    (tmp_path / "satellite-programme.toml").write_text(
        text.replace('announcement = "notice:0.7"', 'announcement = "notice@2026-12-20/2026-12-27:0.7"')
    )
    at = run_app("scenarios")
    at.selectbox(key="sc_file").set_value("satellite-programme.toml").run()
    assert not at.exception, [e.message for e in at.exception]
    stem = "satellite-programme_notice_soon"
    assert at.selectbox(key=f"sc_ev_{stem}_announcement").value == "notice"
    assert at.date_input(key=f"sc_win0_{stem}_announcement").value == dt.date(2026, 12, 20)
    at.date_input(key=f"sc_win1_{stem}_announcement").set_value(dt.date(2026, 12, 1)).run()
    assert not at.exception
    text = errors(at)
    assert "window last day" in text and "2026-12-01" in text and "keeps notice@2026-12-20/2026-12-27:0.7" in text
    at.text_input(key="sc_save_name").input("with-window").run()
    at.button(key="sc_save").click().run()
    saved = sf.load(tmp_path / "with-window.toml")
    assert saved.branches["notice_soon"].evidence["announcement"] == "notice@2026-12-20/2026-12-27:0.7"


def test_scenario_choice_and_weights_survive_a_trip_to_another_page(app_env):
    at = run_app("scenarios")
    at.selectbox(key="sc_file").set_value("post-summit-failure.toml").run()
    at.slider(key="sc_w_pressure").set_value(0.8).run()
    at.switch_page("forecast/app/pages/forecast.py").run()
    at.switch_page("forecast/app/pages/scenarios.py").run()
    assert at.selectbox(key="sc_file").value == "post-summit-failure.toml"
    assert at.slider(key="sc_w_pressure").value == 0.8


def test_a_new_as_of_date_resets_the_analysts_levels_on_every_page(app_env, fake_sampler):
    at = run_app()
    at.selectbox(key="ev_level_announcement").set_value("issued").run()
    at.switch_page("forecast/app/pages/change.py").run()
    assert any("Set by you" in c.value for c in at.caption)
    # another day past the record's end: the same fit (cut at the record's end), new evidence state
    other = (load_reach().first_unknown + dt.timedelta(days=10)).date()
    assert other < dt.date.today()
    at.date_input(key="w_as_of").set_value(other).run()
    assert not at.exception
    assert any("back at the data's level" in i.value for i in at.info)
    assert not any("Set by you" in c.value for c in at.caption)
    assert fake_sampler == []  # no new fit


def test_an_episode_before_the_data_allow_a_forecast_is_a_clear_error(app_env):
    at = run_app("episodes")
    at.selectbox(key="episode_name").set_value("taepodong-1998").run()
    at.button(key="run_replay").click().run()
    assert not at.exception
    assert any("before the first date the data allow a forecast" in e.value for e in at.error)


def test_data_page_adds_shows_and_removes_a_record(app_env, tmp_path):
    from forecast.data import analyst_records as ar

    at = run_app("data")
    assert not at.exception
    assert any("No records of your own yet" in i.value for i in at.info)

    # a bad record: named by the form's field, nothing saved
    at.date_input(key="rec_date").set_value(dt.date(2024, 12, 20))
    at.selectbox(key="rec_event").set_value("ballistic_missile")
    at.selectbox(key="rec_class").set_value("SRBM")
    at.button[[b.label for b in at.button].index("Add event")].click().run()
    assert any("field 'Source'" in e.value for e in at.error), [e.value for e in at.error]
    assert not (tmp_path / "work" / "records" / "events.csv").exists()

    at.text_input(key="rec_source").set_value("Yonhap (test)")
    at.button[[b.label for b in at.button].index("Add event")].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Added event A-E001" in s.value for s in at.success)
    assert ar.list_records()["id"].tolist() == ["A-E001"]
    events_table = at.dataframe[0].value
    assert "analyst" in set(events_table["origin"])
    assert any("1 of your own records" in c.value for c in at.caption)

    at.button(key="rec_remove_A-E001").click().run()
    assert not at.exception
    assert ar.list_records().empty
    assert "analyst" not in set(at.dataframe[0].value["origin"])


RERUN_PROBE = NO_SAMPLER + r"""
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=120).run()
errors = [str(e.value) for e in at.exception]
for signal, level in (("announcement", "notice"), ("site_activity", "preparation"), ("negotiation", "collapsed")):
    at.selectbox(key=f"ev_level_{signal}").set_value(level).run()
    errors += [str(e.value) for e in at.exception]
shown = [m.value for m in at.metric]
print(json.dumps({"errors": errors, "shown": shown, "heavy": heavy_imported()}))
"""


def test_opening_the_app_and_changing_evidence_neither_samples_nor_imports_pymc(app_env):
    """In a fresh interpreter, with a stored fit: the Forecast page and its reruns after evidence
    changes are arithmetic over the stored draws; the sampler (stubbed to fail) is never called and
    PyMC, PyTensor, ArviZ, nutpie and numba are never imported."""
    import os
    import subprocess
    import sys

    env = {k: str(v) for k, v in app_env.items() if k != "base"}
    out = subprocess.run(
        [sys.executable, "-c", RERUN_PROBE, APP], capture_output=True, text=True, timeout=300, cwd=ROOT,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["errors"] == []
    assert report["shown"] and all(v.endswith("%") for v in report["shown"])  # probabilities on screen
    assert report["heavy"] == []
