"""The Forecast page: set the evidence, read the posterior and why it moved."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from forecast.answers import questions, workbench
from forecast.answers.briefing import wide_table
from forecast.answers.service import record_gap_warning
from forecast.app import charts as vega
from forecast.app.common import EVENT_LABEL, analyst_evidence, bound, evidence_notes, fmt_pct, in_use, show_error
from forecast.core.errors import InputError
from forecast.core.limits import DEFAULT_WINDOWS, EARLIEST_AS_OF, MAX_WINDOW
from forecast.core.paths import evidence_dir, log_path
from forecast.data.vocab import QUESTION_EVENTS, SIGNALS, base_level
from forecast.workspace import evidence_sets, forecast_log

#: The Forecast page's tables are small and static (`st.table`): the interactive grid of
#: `st.dataframe` costs a browser about 0.6 MB more script to load and a grid to re-render on every
#: rerun (README, Performance). The session's forecasts scroll past this many rows.
HISTORY_ROWS, HISTORY_HEIGHT = 12, 460


def _metric_label(event: str, window: int) -> str:
    return f"P({EVENT_LABEL[event]} within {window} days)"


def evidence_panel(use, levels: dict[str, workbench.DataLevel], window: int) -> None:
    """One row per signal: level (the data's marked), confidence, note and source; a notice also
    takes its window's first and last day."""
    st.subheader("Evidence")
    st.caption(
        "Each signal starts at the level the data record on the as-of date (marked 'data'). "
        "Change a level, or lower the confidence, to set it yourself. What you set holds for every event type "
        "chosen above (a notice set for a satellite launch also counts as a notice for a missile question): "
        "choose one event type to keep them apart."
    )
    for signal, spec in SIGNALS.items():
        item = _item(signal)
        data = levels[signal]
        key = f"ev_level_{signal}"
        # the level chosen: the one in use, or a notice whose window is not yet valid ("shown")
        shown = item.get("shown") or (base_level(item["level"]) if item["level"] is not None else data.base)
        st.session_state[key] = shown

        def changed(signal=signal) -> None:
            _apply_level(signal, levels[signal])

        c1, c2 = st.columns([3, 2])
        c1.selectbox(
            signal,
            spec.levels,
            key=key,
            on_change=changed,
            format_func=lambda lv, d=data.base: f"{lv}  · data" if lv == d else lv,
            help=data.label(),
        )
        ckey = f"ev_conf_{signal}"
        st.session_state[ckey] = float(item["confidence"])

        def conf_changed(signal=signal, ckey=ckey) -> None:
            _item(signal)["confidence"] = st.session_state[ckey]

        c2.slider(
            "confidence",
            0.01,
            1.0,
            step=0.01,
            key=ckey,
            on_change=conf_changed,
            disabled=item["level"] is None,
            help="Probability you put on the level you set; the rest stays on the data's level.",
        )
        if questions.takes_window(signal, st.session_state[key]):
            notice_window(use, signal, item, data, window)
        if item["level"] is None:
            caption = data.label()
        else:
            caption = f"set by you: {questions.level_text(item['level'])} · {data.label()}"
        with st.expander(f"note & source — {caption}", expanded=False):
            for fld in ("note", "source"):
                fkey = f"ev_{fld}_{signal}"
                st.session_state[fkey] = item[fld]

                def text_changed(signal=signal, fld=fld, fkey=fkey) -> None:
                    _item(signal)[fld] = st.session_state[fkey]

                st.text_input(fld, key=fkey, on_change=text_changed)
    # a callback, so the click's one rerun already computes with the reset levels (a button read in
    # the script would compute the page with the old levels, then rerun it)
    st.button("Reset every signal to the data's level", on_click=_reset_evidence)


def _reset_evidence() -> None:
    st.session_state["evidence"] = {}


def _item(signal: str) -> dict:
    """The analyst's evidence for a signal (level None: the data's), made on first use: the widgets'
    callbacks may run after a reset in the same rerun."""
    return st.session_state["evidence"].setdefault(signal, _blank_item())


def _blank_item() -> dict:
    """A signal's evidence before the analyst sets anything: the data's level, full confidence."""
    return {"level": None, "confidence": 1.0, "note": "", "source": ""}


def notice_window(use, signal: str, item: dict, data: workbench.DataLevel, window: int) -> None:
    """The notice's window: two optional dates. A bad window is shown as an error and not applied."""
    as_of = use.answerer.as_of.date()
    first, last = item.get("window") or questions.window_of(item["level"])
    c1, c2 = st.columns(2)
    for col, label, value, wkey in (
        (c1, questions.WINDOW_FIELDS[0], first, f"ev_win_first_{signal}"),
        (c2, questions.WINDOW_FIELDS[1], last, f"ev_win_last_{signal}"),
    ):
        st.session_state[wkey] = value
        col.date_input(
            label,
            value=None,
            key=wkey,
            on_change=lambda signal=signal: _apply_level(signal, data),
            format="YYYY-MM-DD",
            min_value=EARLIEST_AS_OF,
            max_value=as_of + dt.timedelta(days=MAX_WINDOW),
            help="The notified window, Korea dates, both days included. Leave both empty for a notice without dates.",
        )
    try:
        chosen = questions.notice_level(first, last)
    except InputError as exc:
        applied = questions.level_text(item["level"]) if item["level"] is not None else data.level_label()
        st.error(f"{exc}. Not applied: the forecast still uses announcement = {applied}.")
        return
    if chosen == "notice":
        if data.base == "notice":
            st.caption(f"No dates: the data's notice ({data.level_label()}).")
        else:
            st.caption(f"No dates: {workbench.undated_notice_text(use.answerer)}.")
        return
    note = workbench.window_note(chosen, as_of, window)
    if note:
        st.warning(note)


def _apply_level(signal: str, data: workbench.DataLevel) -> None:
    """Store the level the widgets now say (the selectbox, and a notice's window); a bad window is
    kept in the widgets but not applied."""
    item = _item(signal)
    chosen = item["shown"] = st.session_state[f"ev_level_{signal}"]
    if questions.takes_window(signal, chosen):
        if f"ev_win_first_{signal}" in st.session_state:
            item["window"] = (st.session_state[f"ev_win_first_{signal}"], st.session_state[f"ev_win_last_{signal}"])
        try:
            chosen = questions.notice_level(*(item.get("window") or (None, None)))
        except InputError:
            return  # shown by notice_window; the level in use stays as it was
    item["level"] = None if chosen in (data.level, data.base) else chosen


def results(use, events: list[str], window: int, evidence) -> list[dict]:
    """The Forecast section: per event type the probability, change since last, 90% interval, band and
    drivers; returns the answers."""
    st.subheader("Forecast")
    cols = st.columns(len(events))
    answers = []
    history = st.session_state["history"]
    for col, event in zip(cols, events, strict=True):
        r = workbench.summary(use.answerer, event, window, evidence)
        entry = {
            "as_of": str(use.answerer.as_of.date()),
            "event": event,
            "window_days": window,
            "evidence": workbench.evidence_key(evidence),
            "probability": r["probability"],
        }
        delta = workbench.change_since_last(history, entry)
        history = workbench.record_in_history(history, entry)
        col.metric(
            _metric_label(event, window),
            fmt_pct(r["probability"]),
            delta=None if delta is None else f"{delta * 100:+.1f} pts since last",
            delta_color="off",
        )
        col.caption(
            f"90% interval {fmt_pct(r['lower'])}-{fmt_pct(r['upper'])} · **{r['band']}** · "
            f"base rate {fmt_pct(r['base_rate'])} · drivers: {r['drivers']}"
        )
        answers.append(r)
    st.session_state["history"] = history
    return answers


def charts(use, events: list[str], window: int, evidence, answers: list[dict]) -> None:
    """The charts: cumulative probability by window up to 365 days, and each forecast's distribution over draws."""
    st.markdown("**Cumulative probability by window, 1-365 days** (shaded: 90% interval; dashed: your window)")
    c = workbench.curve(use.answerer, events, evidence, extra=(window,))
    c["event"] = c["event"].map(EVENT_LABEL)
    st.vega_lite_chart(vega.curve_spec(c, window, workbench.CURVE_DAYS), width="stretch")
    st.markdown(f"**The forecast's distribution over posterior draws** ({window} days)")
    cols = st.columns(len(answers))
    for col, a in zip(cols, answers, strict=True):
        bins = workbench.histogram(a["draws"])
        col.vega_lite_chart(vega.histogram_spec(bins, EVENT_LABEL[a["event"]]), width="stretch")


def drivers(use, events: list[str], window: int, evidence) -> None:
    """The drivers chart: the log-odds path from the base rate to the forecast, one signal at a time."""
    st.markdown("**Drivers: from the base rate to the forecast (log-odds)**")
    event = events[0] if len(events) == 1 else st.selectbox("Drivers for", events, format_func=EVENT_LABEL.get)
    w = workbench.waterfall(use.answerer, event, window, evidence)
    w["label"] = w["probability"].map(fmt_pct)
    st.vega_lite_chart(vega.waterfall_spec(w), width="stretch")
    st.caption(
        "Grey: every signal neutral (recent events as recorded). Red raises, blue lowers the odds; each bar adds one "
        "signal to those before it, so the bars sum to the forecast. Labels: the probability after each step."
    )


def downloads(use, events: list[str], window: int, evidence) -> None:
    """The Tables and the record section: download the forecast table (CSV, Markdown) or record it in the log."""
    st.subheader("Tables and the record")
    prov = use.provenance
    windows = tuple(sorted({*DEFAULT_WINDOWS, window}))
    rows = workbench.forecast_rows(use.answerer, evidence, list(QUESTION_EVENTS), windows, prov)
    header = (
        f"Forecast as of {use.answerer.as_of.date()} — data {prov['data_hash']}, priors {prov['priors_file']} "
        f"({prov['priors_hash']}), model {prov['model_version']}, seed {prov['seed']}, fit cut {prov['fit_as_of']}. "
        f"Evidence: {rows[0]['evidence']}."
    )
    c1, c2, c3 = st.columns(3)
    frame = pd.DataFrame(rows)
    brief = wide_table(rows)
    stamp = use.answerer.as_of.date().isoformat()
    c1.download_button(
        "Forecast table (CSV)", frame.to_csv(index=False), f"forecast-{stamp}.csv", "text/csv", key="dl_csv"
    )
    c2.download_button(
        "Forecast table (Markdown)",
        workbench.table_markdown(brief, header),
        f"forecast-{stamp}.md",
        "text/markdown",
        key="dl_md",
    )
    if c3.button("Record this forecast in the log", key="log_button"):
        record = {
            "analyst": st.session_state["analyst"],
            "notes": evidence_notes(),
            "evidence_set": st.session_state["loaded_set"],
        }  # the table's rows already hold the answers and their provenance
        log_rows = [{**r, **record} for r in rows if r["event"] in events and r["window_days"] == window]
        try:
            n = forecast_log.append(log_path(), log_rows)
            st.success(f"Recorded {len(log_rows)} forecast(s); the log at {log_path()} has {n} rows.")
        except InputError as exc:
            show_error(exc)
    try:
        log_text = forecast_log.read_text(log_path())
        st.download_button("Forecast log (CSV)", log_text, "forecast_log.csv", "text/csv", key="dl_log")
    except InputError as exc:
        show_error(exc)
    st.markdown("**Main table**")
    st.table(brief, hide_index=True)


def evidence_sets_panel(use) -> None:
    """The Evidence sets section: save the current evidence under a name, load or duplicate a saved set."""
    st.subheader("Evidence sets")
    directory = evidence_dir()
    st.caption(f"Saved as JSON files in `{directory}`.")
    sets, problems = evidence_sets.list_sets(directory)
    for exc in problems:
        st.warning(f"Skipped a file that is not a readable evidence set: {exc}")
    if "pending_set_name" in st.session_state:  # a set was just loaded: show its name
        st.session_state["set_name"] = st.session_state.pop("pending_set_name")
    st.session_state.setdefault("set_name", "")
    c1, c2 = st.columns([3, 1])
    name = c1.text_input("Name for the current evidence", key="set_name")
    replace = c2.checkbox("replace a set of that name", key="set_replace")
    if st.button("Save evidence set", key="save_set"):
        try:
            path = evidence_sets.save(current_set(name, use), directory, replace=replace)
            st.session_state["loaded_set"] = evidence_sets.check_name(name)
            st.success(f"Saved {path}")
        except InputError as exc:
            show_error(exc)
    if not sets:
        return
    names = [es.name for _, es in sets]
    by_name = {es.name: (p, es) for p, es in sets}
    c1, c2, c3 = st.columns([3, 1, 1])
    chosen = c1.selectbox("Saved sets", names, key="set_choice")
    if c2.button("Load", key="load_set"):
        apply_set(by_name[chosen][1])
        st.rerun()
    if c3.button("Duplicate", key="dup_set"):
        src = by_name[chosen][1]
        new = _free_name(src.name, set(names))
        try:
            evidence_sets.save(evidence_sets.EvidenceSet(**{**src.__dict__, "name": new}), directory)
            st.success(f"Duplicated as '{new}'")
            st.rerun()
        except InputError as exc:
            show_error(exc)
    if len(sets) >= 2:
        a, b = st.columns(2)
        first = a.selectbox("Compare", names, key="cmp_a")
        second = b.selectbox("with", names, index=1, key="cmp_b")
        table = evidence_sets.compare(by_name[first][1], by_name[second][1])
        st.table(table, hide_index=True)
        event, window = st.session_state["events"][0], int(st.session_state["window"])
        comp = []
        for n in (first, second):
            es = by_name[n][1]
            if es.as_of == use.answerer.as_of.date():
                p = workbench.summary(use.answerer, event, window, es.evidence())["probability"]
                comp.append(f"{n}: {fmt_pct(p)}")
            else:
                comp.append(f"{n}: as of {es.as_of} (load it to forecast)")
        st.caption(f"{_metric_label(event, window)} as of {use.answerer.as_of.date()} — " + "; ".join(comp))


def _free_name(name: str, taken: set[str]) -> str:
    i = 2
    while f"{name} copy {i}"[:80] in taken:
        i += 1
    return f"{name} copy {i}"[:80]


def current_set(name: str, use) -> evidence_sets.EvidenceSet:
    """The analyst's current evidence, notes and settings as an evidence set named ``name``."""
    name = evidence_sets.check_name(name)
    items, notes = [], {}
    for signal, item in st.session_state["evidence"].items():
        if item.get("level") is not None:
            items.append(
                evidence_sets.EvidenceItem(
                    signal, item["level"], float(item["confidence"]), item.get("note", ""), item.get("source", "")
                )
            )
        elif item.get("note") or item.get("source"):
            notes[signal] = {"note": item.get("note", ""), "source": item.get("source", "")}
    return evidence_sets.EvidenceSet(
        name=name,
        as_of=use.answerer.as_of.date(),
        items=tuple(items),
        analyst=st.session_state["analyst"],
        events=tuple(st.session_state["events"]),
        window_days=int(st.session_state["window"]),
        priors_file=st.session_state["priors_file"],
        notes=notes,
    )


def apply_set(es: evidence_sets.EvidenceSet) -> None:
    """Load an evidence set into the analyst's state: as-of date, event types, window, analyst, evidence, notes."""
    st.session_state["as_of"] = es.as_of
    st.session_state["events"] = list(es.events)
    st.session_state["window"] = es.window_days
    if es.analyst:
        st.session_state["analyst"] = es.analyst
    ev = {}
    for i in es.items:
        ev[i.signal] = {"level": i.level, "confidence": i.confidence, "note": i.note, "source": i.source}
    for signal, n in es.notes.items():
        ev.setdefault(signal, _blank_item()).update(n)
    st.session_state["evidence"] = ev
    st.session_state["evidence_as_of"] = st.session_state["as_of"]
    st.session_state["loaded_set"] = es.name
    st.session_state["pending_set_name"] = es.name


def render() -> None:
    """Draw the Forecast page: event types and window, the evidence panel, the forecast, its charts, drivers
    and tables."""
    use = in_use()
    as_of = use.answerer.as_of.date()
    st.title("Forecast")
    prov = use.provenance
    st.caption(use.caption())
    gap = record_gap_warning(as_of, use.ctx.ds.reach, use.ctx.ds)
    if gap:
        st.warning(gap)
    if not prov["diagnostics_ok"]:
        st.warning("The fit in use misses the sampler's thresholds: " + "; ".join(use.fit.diagnostics.warnings))
    c1, c2 = st.columns([3, 1])
    bound(c1.multiselect, "Event types", "events", options=list(QUESTION_EVENTS), format_func=EVENT_LABEL.get)
    bound(c2.number_input, "Window (days)", "window", min_value=1, max_value=MAX_WINDOW, step=1)
    events = st.session_state["events"]
    window = int(st.session_state["window"])
    if not events:
        st.info("Choose at least one event type.")
        return
    levels = workbench.data_levels(use.answerer, events)
    left, right = st.columns([2, 3], gap="large")
    evidence = analyst_evidence()  # the widgets' callbacks have already stored any change
    # Sent in this order (each element still shows in its own column): the new numbers, then the charts,
    # then the evidence panel. The browser paints the numbers while the server computes the charts; sent
    # before the panel's sixty-odd widgets, which it re-renders all at once, they showed only after those
    # (README, Performance).
    with right:
        answers = results(use, events, window, evidence)
        charts(use, events, window, evidence, answers)
    with left:
        evidence_panel(use, levels, window)
    drivers(use, events, window, evidence)
    downloads(use, events, window, evidence)
    evidence_sets_panel(use)
    if st.session_state["history"]:
        st.markdown("**This session's forecasts**")
        hist = pd.DataFrame(st.session_state["history"])
        hist["probability"] = hist["probability"].map(fmt_pct)
        st.table(hist[::-1], hide_index=True, height="content" if len(hist) <= HISTORY_ROWS else HISTORY_HEIGHT)


render()
