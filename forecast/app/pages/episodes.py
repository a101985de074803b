"""The Episodes page: the forecast path through a historical episode against what followed."""

from __future__ import annotations

import streamlit as st

from forecast.app.common import get_context, show_error
from forecast.core.errors import InputError
from forecast.core.limits import DEFAULT_WINDOWS
from forecast.core.paths import episodes_dir
from forecast.data.dataset import load_episodes
from forecast.evaluation.episodes import load_replay, replay, replay_key


def render() -> None:
    """Draw the Episodes page: pick an episode and window, run or read its replay and show the forecast path."""
    ctx = get_context()
    st.title("Episodes")
    episodes = load_episodes()
    name = st.selectbox(
        "Episode", list(episodes), format_func=lambda n: f"{episodes[n].title} ({n})", key="episode_name"
    )
    window = st.select_slider("Window (days)", list(DEFAULT_WINDOWS), value=DEFAULT_WINDOWS[0], key="episode_window")
    ep = episodes[name]
    st.markdown(f"**{ep.start} to {ep.end}.** {ep.description}")
    if ep.questions:
        st.markdown("Questions an analyst would have asked: " + " ".join(f"*{q}*" for q in ep.questions))
    out = episodes_dir() / f"{ctx.priors.meta.name}-{window}d"
    key = replay_key(ctx.ds, ctx.priors, ctx.settings, ctx.seed, window, ep)
    found = load_replay(out, name, key)
    if found is None:
        st.info(
            "This replay has not been computed for the data, prior file and settings in use. It refits the model "
            "monthly through the episode (one fit per month, about 5 seconds each) and answers at weekly "
            "origins with only what was public then. The same replay on the command line: "
            f"`forecast episode {name} --window {window}`."
        )
        if st.button("Run the replay", key="run_replay"):
            bar = st.progress(0.0, text="starting")
            try:
                replay(
                    name,
                    out,
                    window=window,
                    priors_path=ctx.priors.path,
                    seed=ctx.seed,
                    settings=ctx.settings,
                    progress=lambda i, n, text: bar.progress(i / n, text=f"origin {i} of {n}: {text}"),
                )
            except InputError as exc:
                show_error(exc)
                return
            found = load_replay(out, name, key)
    if found is None:
        return
    table, png = found
    st.image(str(png), width="stretch")
    st.caption(
        f"Weekly origins; each uses the events dated before it and the evidence published by it, with a fit on "
        f"the record before its month. Priors {key['priors_file']}, data {key['data_hash']}, "
        f"{key['sampler']['draws']} draws x {key['sampler']['chains']} chains. Saved in `{out}`."
    )
    shown = table.copy()
    for c in shown.columns:
        if c.startswith("P("):
            shown[c] = (shown[c] * 100).round(1)
    st.dataframe(
        shown.rename(columns=lambda c: f"{c} %" if c.startswith("P(") else c), hide_index=True, width="stretch"
    )


render()
