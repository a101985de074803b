"""Replays of named historical episodes: the forecast path at weekly origins and on the day each
direct warning became public, the evidence as it became public and the events that followed.
Every origin uses only what was public by then."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from forecast.answers.answerer import Answerer  # noqa: E402
from forecast.core.atomic import write_atomic  # noqa: E402
from forecast.core.errors import InputError  # noqa: E402
from forecast.core.limits import DEFAULT_SEED, EARLIEST_AS_OF, check_window
from forecast.data.dataset import load_dataset, load_episodes  # noqa: E402
from forecast.data.event_days import event_days  # noqa: E402
from forecast.evaluation.warning_origins import warning_records  # noqa: E402
from forecast.model.fitted import FitStore, identity  # noqa: E402
from forecast.model.posterior import SamplerSettings  # noqa: E402
from forecast.model.priors import load_priors  # noqa: E402


def replay(
    name: str,
    out: Path,
    *,
    window: int = 30,
    priors_path=None,
    seed: int = DEFAULT_SEED,
    draws: int = 400,
    tune: int = 400,
    data_dir=None,
    settings: SamplerSettings | None = None,
    progress=None,
) -> tuple[pd.DataFrame, Path]:
    """The forecast path through an episode; writes ``<name>.csv``, ``<name>.png`` and
    ``<name>.json`` (what it was computed from) to ``out``. ``settings`` overrides draws/tune;
    ``progress(done, total, text)`` hears about each origin."""
    episodes = load_episodes()
    if name not in episodes:
        raise InputError(f"unknown episode; known: {', '.join(episodes)}", field="NAME", value=name)
    window = check_window(window, "--window")
    ep = episodes[name]
    ds = load_dataset(data_dir)
    priors = load_priors(priors_path)
    settings = settings or SamplerSettings(draws=draws, tune=tune)
    first = pd.Timestamp(EARLIEST_AS_OF)
    weekly = pd.date_range(max(pd.Timestamp(ep.start), first), pd.Timestamp(ep.end), freq="W-MON")
    # besides the weekly origins, the day each direct warning became public: when analysts ask
    warned = warning_records(ds.signals)["published"].dt.normalize()
    warned = warned[(warned >= max(pd.Timestamp(ep.start), first)) & (warned <= pd.Timestamp(ep.end))]
    origins = weekly.union(pd.DatetimeIndex(warned.unique())).sort_values()
    if len(origins) == 0:
        raise InputError(
            f"the episode ends before the first date the data allow a forecast ({first.date()})",
            field="NAME",
            value=name,
        )
    refits = {o: o.to_period("M").start_time for o in origins}  # refit monthly, on data before the month
    rows = []
    prev = origins[0] - pd.Timedelta(days=7)
    days = {e: event_days(ds.events, e) for e in ep.events}
    fits, store = {}, FitStore()
    for i, origin in enumerate(origins):
        r = max(refits[origin], first)
        if r not in fits:
            if progress:
                progress(i, len(origins), f"fitting on the record before {r.date()}")
            fits[r] = store.get(ds, priors, r, settings, seed)
        answerer = Answerer(ds, priors, fits[r], as_of=origin)
        new = ds.signals[(ds.signals["published"] > prev) & (ds.signals["published"] <= origin)]
        row = {"origin": origin.date().isoformat(), "origin_kind": "warning" if origin in set(warned) else "weekly"}
        for e in ep.events:
            row[f"P({e}, {window}d)"] = float(answerer.probability(e, window, {}).mean())
        o = np.datetime64(origin.date(), "D")
        row["new evidence"] = "; ".join(f"{r.signal}={r.level} [{r.id}]" for r in new.itertuples()) or ""
        row["events in window"] = "; ".join(
            f"{e} {str(d)}"
            for e in ep.events
            for d in days[e][(days[e] >= o) & (days[e] < o + np.timedelta64(window, "D"))]
        )
        rows.append(row)
        prev = origin
    table = pd.DataFrame(rows)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / f"{name}.csv", lambda tmp: table.to_csv(tmp, index=False))
    png = out / f"{name}.png"
    _plot(table, ep, ds, window, png)
    meta = replay_key(ds, priors, settings, seed, window, ep)
    write_atomic(out / f"{name}.json", lambda tmp: tmp.write_text(json.dumps(meta, indent=2)))
    if progress:
        progress(len(origins), len(origins), "done")
    return table, png


def replay_key(ds, priors, settings: SamplerSettings, seed: int, window: int, episode) -> dict:
    """What a replay's numbers depend on (the fits' identity, the episode and the window), stored
    beside it so a stale replay is never shown."""
    return identity(ds, priors, settings, seed).key(
        episode=[str(episode.start), str(episode.end), list(episode.events)], window=int(window)
    )


def load_replay(out: Path, name: str, key: dict) -> tuple[pd.DataFrame, Path] | None:
    """A replay written earlier with exactly this key, or None."""
    out = Path(out)
    try:
        if json.loads((out / f"{name}.json").read_text()) != key:
            return None
        return pd.read_csv(out / f"{name}.csv"), out / f"{name}.png"
    except (OSError, ValueError):
        return None


def _plot(table: pd.DataFrame, ep, ds, window: int, path: Path) -> None:
    x = pd.to_datetime(table["origin"])
    fig, ax = plt.subplots(figsize=(11, 4))
    for e in ep.events:
        ax.plot(x, table[f"P({e}, {window}d)"], marker="o", ms=3, label=f"P({e} within {window} days)")
    start, end = pd.Timestamp(ep.start), pd.Timestamp(ep.end) + pd.Timedelta(days=window)
    for e in ep.events:
        d = pd.to_datetime(event_days(ds.events, e))
        d = d[(d >= start) & (d <= end)]
        ax.scatter(d, [1.03] * len(d), marker="v", s=50, label=f"{e} happened")
    sig = ds.signals[(ds.signals["published"] >= start) & (ds.signals["published"] <= pd.Timestamp(ep.end))]
    for r in sig.itertuples():
        ax.axvline(r.published, color="grey", lw=0.5, alpha=0.5)
        ax.text(r.published, 0.02, f"{r.signal}={r.level}", rotation=90, fontsize=6, alpha=0.7, va="bottom")
    ax.set_ylim(0, 1.08)
    ax.set_title(f"{ep.title}: forecast at weekly origins and warning days (only what was public then)")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3)
    write_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight"))
    plt.close(fig)
