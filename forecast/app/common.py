"""What every workbench page shares: the loaded inputs, the fit in use, the sidebar and the
analyst's state, which survives moving between pages. Layout only: numbers come from
forecast.workbench and the modules it uses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from forecast.answers import workbench
from forecast.answers.answerer import Answerer
from forecast.answers.questions import Evidence
from forecast.answers.service import Context, context, fit_cut, record_gap_warning
from forecast.core.errors import InputError
from forecast.core.limits import EARLIEST_AS_OF
from forecast.data.analyst_records import stamp
from forecast.data.vocab import QUESTION_EVENTS, SIGNALS
from forecast.model.fitted import Fit
from forecast.model.posterior import sampler_settings
from forecast.model.priors import available_priors

#: Event types as the pages print them.
EVENT_LABEL = {e: e.replace("_", " ") for e in QUESTION_EVENTS}

DEFAULTS = {
    "as_of": None,  # today, set on first run
    "priors_file": "default.toml",
    "analyst": "",
    "events": ["space_launch", "ballistic_missile"],
    "window": 90,
    "evidence": {},  # signal -> {"level", "confidence", "note", "source"}
    "history": [],
    "loaded_set": "",
}


def init_state() -> None:
    """Set every missing piece of the analyst's state to its default; the as-of date defaults to today."""
    for key, value in DEFAULTS.items():
        if key not in st.session_state:
            st.session_state[key] = value.copy() if isinstance(value, list | dict) else value
    if st.session_state["as_of"] is None:
        st.session_state["as_of"] = dt.date.today()


def bound(widget, label: str, key: str, **kwargs):
    """A widget whose value lives in ``st.session_state[key]`` across pages (widget state is
    dropped when a page does not draw the widget; this copy is not)."""
    wkey = f"w_{key}"
    st.session_state[wkey] = st.session_state[key]

    def sync() -> None:
        st.session_state[key] = st.session_state[wkey]

    return widget(label, key=wkey, on_change=sync, **kwargs)


def show_error(exc: InputError) -> None:
    """Show an input error as a red message on the page."""
    st.error(f"{exc}")


# ------------------------------------------------------------------ inputs and fits


@st.cache_resource(show_spinner=False, max_entries=8)
def _context(priors_file: str, records_stamp: tuple) -> Context:
    """The session's inputs, fit store and answerers, shared by every session of this server (the
    app's one cache). Keyed on the analyst's records files too: adding or removing a record reloads
    the data."""
    return context(_priors_path(priors_file), settings=sampler_settings())


def _priors_path(name: str) -> Path:
    for p in available_priors():
        if p.name == name:
            return p
    raise InputError(
        f"no such prior file in priors/; have: {', '.join(p.name for p in available_priors())}",
        field="prior file",
        value=name,
    )


def get_context() -> Context:
    """The loaded data and prior file in use; stops the page with a plain error if either is bad."""
    try:
        return _context(st.session_state["priors_file"], stamp())
    except InputError as exc:
        show_error(exc)
        st.stop()


@dataclass
class InUse:
    ctx: Context
    fit: Fit
    answerer: Answerer

    @property
    def provenance(self) -> dict:
        """The provenance of the fit in use (data, prior file, model, seed, cut, diagnostics)."""
        return self.ctx.provenance(self.fit)

    def caption(self) -> str:
        """Where the numbers on a page come from."""
        p = self.provenance
        return (
            f"As of {self.answerer.as_of.date()}: events dated before it and evidence published by it. Fitted on "
            f"the record before {p['fit_as_of']} · data {p['data_hash']} · priors {p['priors_file']} "
            f"({p['priors_hash']}) · model {p['model_version']} · seed {p['seed']}"
            + (f" · with {p['analyst_records']} of your own records" if p["analyst_records"] else "")
        )


def in_use() -> InUse:
    """The answerer for the sidebar's as-of date and prior file. The model is fitted at most once per
    training cut and prior file: from memory, else from the disk cache, else sampled here with a
    progress bar saying what is happening."""
    ctx = get_context()
    as_of = pd.Timestamp(st.session_state["as_of"])
    reset_evidence_if_date_changed(as_of.date())
    cut = fit_cut(as_of, ctx.ds.reach)
    fit = ctx.stored_fit(as_of)
    if fit is None:
        s = ctx.settings
        with st.status(f"Fitting the model on the record before {cut.date()} ...", expanded=True) as status:
            st.write(
                f"First use of this prior file ({ctx.priors.meta.name}) at this cut: the NUTS sampler (nutpie) "
                f"draws {s.draws} x {s.chains} chains after {s.tune} tuning steps. This takes about 10 seconds "
                "(about 20 seconds on a machine's very first run, while the model is compiled). "
                "The fit is then cached on disk."
            )
            bar = st.progress(0.0, text="compiling the model")

            def progress(done: int, total: int) -> None:
                bar.progress(done / total, text=f"sampling: {done:,} of {total:,} iterations")

            fit = ctx.fit(as_of, progress=progress)
            status.update(label=f"Fitted on the record before {cut.date()}: {fit.diagnostics.line()}", state="complete")
    return InUse(ctx, fit, ctx.answerer(as_of, fit))


def warm_start() -> str:
    """What a new session's first Forecast page would do before its first number, done once at the
    server's start (``forecast.app.serve``) in the caches the pages use: the inputs for the default
    prior file (``_context``, the app's one cache), the stored fit for today into its store, the
    answerer, the data's levels and the default question's answers. Never samples: without a stored
    fit it stops there and the first page fits with its progress bar. Returns what it did, in a line."""
    ctx = _context(DEFAULTS["priors_file"], stamp())
    as_of = pd.Timestamp(dt.date.today())
    fit = ctx.stored_fit(as_of)
    if fit is None:
        return f"inputs loaded; no stored fit for {as_of.date()} (the first page fits it)"
    answerer = ctx.answerer(as_of, fit)
    workbench.data_levels(answerer, DEFAULTS["events"])
    for event in DEFAULTS["events"]:
        workbench.summary(answerer, event, DEFAULTS["window"], {})
    return f"inputs, the stored fit for {as_of.date()} and its answerer loaded"


# ------------------------------------------------------------------ evidence state


def reset_evidence_if_date_changed(as_of: dt.date) -> None:
    """Evidence the analyst set for one as-of date does not carry over to another (loading a set
    sets both together): levels go back to the data's, notes stay."""
    if st.session_state.get("evidence_as_of") == as_of:
        return
    had_levels = any(i.get("level") is not None for i in st.session_state["evidence"].values())
    for item in st.session_state["evidence"].values():
        item["level"], item["confidence"] = None, 1.0
        item.pop("window", None)  # a notice's window (even one not yet applied) is tied to the date
        item.pop("shown", None)
    if had_levels:
        st.info(f"New as-of date: every signal is back at the data's level for {as_of} (notes kept).")
    st.session_state["evidence_as_of"] = as_of


def analyst_evidence() -> Evidence:
    """The evidence the analyst has set (levels different from the data's, or with a confidence)."""
    out = {}
    for signal, item in st.session_state["evidence"].items():
        if item.get("level") is not None and signal in SIGNALS:
            out[signal] = (item["level"], float(item.get("confidence", 1.0)))
    return out


def evidence_notes() -> str:
    """The analyst's notes and sources for each signal as one line of text, for the forecast log."""
    parts = []
    for signal, item in st.session_state["evidence"].items():
        bits = [b for b in (item.get("note", ""), item.get("source", "")) if b]
        if bits:
            parts.append(f"{signal}: " + " | ".join(bits))
    return "; ".join(parts)


# ------------------------------------------------------------------ sidebar


def sidebar() -> None:
    """As-of date, prior file and analyst, shared by every page."""
    init_state()
    with st.sidebar:
        st.markdown("### Question setting")
        bound(
            st.date_input,
            "As-of date",
            "as_of",
            min_value=EARLIEST_AS_OF,
            max_value=dt.date.today(),
            help="The forecast uses only what was public on this date: events before it, evidence published by it.",
        )
        names = [p.name for p in available_priors()]
        if st.session_state["priors_file"] not in names:
            st.session_state["priors_file"] = names[0]
        bound(st.selectbox, "Prior file", "priors_file", options=names, help="Files in priors/.")
        bound(st.text_input, "Analyst", "analyst", placeholder="your name, saved with sets and the log")
        reach = get_context().ds.reach
        if record_gap_warning(st.session_state["as_of"], reach):
            st.caption(f"The record is complete through {reach.complete_through.date()}.")


def fmt_pct(p: float) -> str:
    """A probability as a percentage for the pages: one decimal below 10%, '<0.1%' for the tiniest."""
    if p < 0.001:
        return "<0.1%"
    return f"{p:.1%}" if p < 0.1 else f"{p:.0%}"
