"""The Scenarios page: pick or edit a tree, set branch probabilities, compare branches and mixture."""

from __future__ import annotations

import datetime as dt
import re

import altair as alt
import pandas as pd
import streamlit as st

from forecast.answers import questions
from forecast.answers import scenarios as sc
from forecast.answers.questions import levels_text
from forecast.app.common import EVENT_LABEL, fmt_pct, in_use, show_error
from forecast.core.errors import InputError
from forecast.core.limits import DEFAULT_WINDOWS, EARLIEST_AS_OF, MAX_WINDOW
from forecast.data.vocab import QUESTION_EVENTS, SIGNALS, base_level
from forecast.workspace import scenario_files as sf


def _load_into_state(path) -> None:
    tree = sf.load(path)
    st.session_state["sc_tree"] = tree
    st.session_state["sc_opened"] = str(path)
    st.session_state["sc_weights"] = {key: float(b.probability) for key, b in tree.branches.items()}


def editor(tree: sf.ScenarioTree, stem: str) -> sf.ScenarioTree:
    """Edit branches: title, evidence (level and confidence per signal), horizon, rationale, source.
    Widget keys carry the file's stem, so edits never leak into another tree with the same branch keys."""
    edited = tree.model_copy(deep=True)
    for branch_key, b in edited.branches.items():
        key = f"{stem}_{branch_key}"
        with st.expander(f"Edit branch '{branch_key}': {b.title}"):
            b.title = st.text_input("title", b.title, key=f"sc_title_{key}")
            b.takes_effect_after_days = int(
                st.number_input(
                    "takes effect after (days)", 0, MAX_WINDOW, int(b.takes_effect_after_days), key=f"sc_h_{key}",
                    help="Before this day of the window the data's state holds.",
                )
            )  # fmt: skip
            evidence = {}
            for signal, spec in SIGNALS.items():
                text = b.evidence.get(signal, "")
                level, _, conf = text.partition(":")
                base = base_level(level) if level else ""
                options = ["(data's level)", *spec.levels]
                c1, c2 = st.columns([2, 1])
                chosen = c1.selectbox(
                    signal, options, index=options.index(base) if base else 0, key=f"sc_ev_{key}_{signal}"
                )
                c = c2.slider(
                    "confidence", 0.01, 1.0, float(conf) if conf else 1.0, 0.01, key=f"sc_conf_{key}_{signal}",
                    disabled=chosen == options[0],
                )  # fmt: skip
                if chosen != options[0] and questions.takes_window(signal, chosen):
                    try:
                        chosen = notice_window(key, signal, level if base == chosen else None)
                    except InputError as exc:
                        show_error(InputError(f"{exc.message}; the branch keeps {text or 'the data'}",
                                              field=f"{branch_key}: {exc.field}", value=exc.value))  # fmt: skip
                        if text:
                            evidence[signal] = text
                        continue
                if chosen != options[0]:
                    evidence[signal] = chosen + (f":{c:g}" if c < 1 else "")
            b.evidence = evidence
            b.rationale = st.text_area("rationale", b.rationale, key=f"sc_rat_{key}")
            b.source = st.text_input("source", b.source, key=f"sc_src_{key}")
    return edited


def notice_window(key: str, signal: str, level: str | None) -> str:
    """A notice's optional window in a branch: 'notice' or 'notice@FIRST/LAST' (InputError when bad)."""
    first, last = questions.window_of(level)
    top = dt.date.today() + dt.timedelta(days=MAX_WINDOW)
    d1, d2 = st.columns(2)
    days = [
        col.date_input(label, value, EARLIEST_AS_OF, top, key=f"sc_win{i}_{key}_{signal}", format="YYYY-MM-DD",
                       help="The notified window, both days included; empty: a notice without dates.")
        for i, (col, label, value) in enumerate(zip((d1, d2), questions.WINDOW_FIELDS, (first, last), strict=True))
    ]  # fmt: skip
    return questions.notice_level(*days)


def save_panel(tree: sf.ScenarioTree, weights: dict[str, float]) -> None:
    """The Save section: write the tree with the current branch probabilities to a file in data/scenarios/."""
    opened = st.session_state["sc_opened"]
    st.markdown("**Save the tree**")
    c1, c2 = st.columns([3, 1])
    default = re.sub(r"\.toml$", "", opened.rsplit("/", 1)[-1])
    name = c1.text_input("file name in data/scenarios/", default, key="sc_save_name")
    if c2.button("Save scenario file", key="sc_save"):
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}", name.strip()) or ".." in name:
            show_error(InputError("a file name is letters, digits, '.', '_' and '-'", field="file name", value=name))
            return
        path = sf.SCENARIO_DIR / f"{name.strip()}.toml"
        try:
            saved = sf.save(sf.with_weights(tree, weights), path, opened=opened)
            st.success(f"Saved {saved}")
            st.session_state["sc_opened"] = str(saved)
        except InputError as exc:
            show_error(exc)


def render() -> None:
    """Draw the Scenarios page: pick a tree, set branch probabilities, and compare the weighted mixture and
    the branches side by side and by window."""
    use = in_use()
    st.title("Scenarios")
    files = sf.available()
    if not files:
        st.info("No scenario files in data/scenarios/.")
        return
    names = [p.name for p in files]
    if st.session_state.get("sc_choice") not in names:
        st.session_state["sc_choice"] = names[0]
    st.session_state["sc_file"] = st.session_state["sc_choice"]  # survives a trip to another page

    def chosen() -> None:
        st.session_state["sc_choice"] = st.session_state["sc_file"]

    choice = st.selectbox("Scenario tree", names, key="sc_file", on_change=chosen)
    path = sf.SCENARIO_DIR / choice
    if st.session_state.get("sc_loaded") != choice:
        try:
            _load_into_state(path)
        except InputError as exc:
            show_error(exc)
            return
        st.session_state["sc_loaded"] = choice
    tree: sf.ScenarioTree = st.session_state["sc_tree"]
    st.markdown(f"**{tree.tree.name}.** {tree.tree.description}")
    if tree.tree.draws_on:
        st.caption("Draws on the episodes: " + ", ".join(tree.tree.draws_on))
    as_of = use.answerer.as_of.date()
    if tree.tree.as_of and tree.tree.as_of != as_of:
        st.info(f"This tree is written for {tree.tree.as_of}; the sidebar's as-of date is {as_of}.")
        if st.button(f"Use {tree.tree.as_of}", key="sc_use_date"):
            st.session_state["as_of"] = tree.tree.as_of
            st.rerun()

    st.subheader("Branch probabilities")
    cols = st.columns(len(tree.branches))
    raw = {}
    stored = st.session_state["sc_weights"]
    for col, (key, b) in zip(cols, tree.branches.items(), strict=True):
        wkey = f"sc_w_{key}"
        st.session_state[wkey] = stored[key]  # survives a trip to another page

        def moved(key=key, wkey=wkey) -> None:
            st.session_state["sc_weights"][key] = st.session_state[wkey]

        raw[key] = col.slider(f"{key}", 0.0, 1.0, step=0.05, key=wkey, help=b.title, on_change=moved)
    total = sum(raw.values())
    if total <= 0:
        st.error("Give at least one branch a probability above zero.")
        return
    weights = sc.normalise(raw)
    if abs(total - 1) > 1e-9:
        st.warning(
            f"The sliders sum to {total:.2f}; the mixture uses them scaled to 1 ("
            + ", ".join(f"{k} {v:.0%}" for k, v in weights.items())
            + "). A saved file must sum to 1."
        )
    edited = editor(tree, path.stem)
    st.session_state["sc_tree"] = edited  # edits survive a trip to another page
    c1, c2 = st.columns([3, 1])
    events = c1.multiselect("Event types", list(QUESTION_EVENTS), default=list(QUESTION_EVENTS), key="sc_events")
    window = c2.selectbox("Sensitivity window (days)", DEFAULT_WINDOWS, index=1, key="sc_sens_window")
    if not events:
        st.info("Choose at least one event type.")
        return
    try:
        long = sc.evaluate(edited, use.answerer, tuple(events), DEFAULT_WINDOWS, weights)
        sens = sc.sensitivity(edited, use.answerer, tuple(events), (window,), weights)
    except InputError as exc:
        show_error(exc)
        return
    prov = use.provenance
    st.caption(use.caption())
    mix = long[long["branch"] == sc.MIXTURE].set_index(["event", "window_days"])
    st.markdown(f"**Weighted mixture: P(at least one event within {window} days)**")
    mcols = st.columns(len(events))
    for col, e in zip(mcols, events, strict=True):
        r = mix.loc[(e, window)]
        col.metric(
            EVENT_LABEL[e],
            fmt_pct(r["probability"]),
            delta=f"{r['vs_status_quo'] * 100:+.1f} pts vs status quo",
            delta_color="off",
        )
    st.subheader("Branches side by side")
    st.caption("P(at least one event), 90% interval, change from the status quo (the data's state) in points.")
    brief = sc.brief_table(long)
    st.dataframe(brief, hide_index=True, width="stretch")

    st.subheader("Cumulative probability by window")
    event = st.selectbox("Event type", events, format_func=EVENT_LABEL.get, key="sc_curve_event")
    c = sc.curves(edited, use.answerer, event, weights)
    chart = (
        alt.Chart(c)
        .mark_line()
        .encode(
            x=alt.X("day:Q", title="window (days)", scale=alt.Scale(domain=[1, 365], nice=False)),
            y=alt.Y("probability:Q", title=f"P({EVENT_LABEL[event]})", axis=alt.Axis(format="%")),
            color=alt.Color("branch:N", scale=alt.Scale(scheme="tableau10")),
            strokeDash=alt.condition(alt.datum.branch == sc.STATUS_QUO, alt.value([4, 4]), alt.value([1, 0])),
            size=alt.condition(alt.datum.branch == sc.MIXTURE, alt.value(3.5), alt.value(1.5)),
            tooltip=["branch", "day", alt.Tooltip("probability:Q", format=".1%")],
        )
        .properties(height=320)
    )
    st.altair_chart(chart, width="stretch")

    st.subheader(f"Which judgement matters most ({window} days)")
    st.caption("Change of the weighted forecast, in points, if a branch's probability moves down / up ten points.")
    st.dataframe(sc.sensitivity_table(sens, window), hide_index=True, width="stretch")

    header = (
        f"{tree.tree.name}, as of {as_of}; data {prov['data_hash']}, priors {prov['priors_file']}, "
        f"model {prov['model_version']}"
    )
    keys = ("data_hash", "priors_file", "priors_hash", "model_version", "seed", "analyst_records")
    csv = long.assign(**{k: prov[k] for k in keys})
    csv.insert(0, "as_of", as_of.isoformat())
    d1, d2 = st.columns(2)
    d1.download_button("Scenario table (CSV)", csv.to_csv(index=False), "scenarios.csv", "text/csv", key="sc_dl_csv")
    d2.download_button(
        "Scenario table (Markdown)",
        f"{header}\n\n{brief.to_markdown(index=False)}\n",
        "scenarios.md",
        "text/markdown",
        key="sc_dl_md",
    )
    save_panel(edited, weights)
    with st.expander("Branch rationales and sources"):
        st.dataframe(
            pd.DataFrame(
                [
                    {"branch": k, "title": b.title, "from day": b.takes_effect_after_days,
                     "evidence": levels_text(b.evidence, ", "), "rationale": b.rationale,
                     "source": b.source}
                    for k, b in edited.branches.items()
                ]
            ),
            hide_index=True,
            width="stretch",
        )  # fmt: skip


render()
