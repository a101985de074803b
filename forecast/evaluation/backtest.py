"""Rolling-origin back-tests: explicit origins in, one tidy table out, scored against baselines.

Origins are of two kinds. Routine origins follow the calendar (monthly or weekly); warning
origins fall on the publication day of every direct-warning record in the signal history (a
notice, a declared plan, preparation or imminent activity at a site), the days analysts ask. An
origin that is both is kept once, as ``both``, and scored with each kind, so the routine grid and
its scores are the same with or without warning origins.

A run is split into parts, one per (prior file, refit date). A part fits the model (and its
no-signals version) on the data before its refit date and answers every origin up to the next
refit with the evidence and events known on each origin. Parts are written as they finish, so an
interrupted run resumes without redoing them; they run in parallel on local cores or on a Dask
cluster.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.answers.answerer import Answerer
from forecast.answers.questions import NEUTRAL_EVIDENCE
from forecast.core.atomic import writable_dir, write_atomic
from forecast.core.errors import InputError
from forecast.core.limits import DEFAULT_SEED, DEFAULT_WINDOWS, interval, parse_windows
from forecast.data.dataset import Dataset, load_dataset
from forecast.data.event_days import event_days
from forecast.data.vocab import QUESTION_EVENTS
from forecast.evaluation.baselines import climatology, outcome, recent_rate
from forecast.evaluation.report import write_outputs
from forecast.evaluation.warning_origins import warning_days
from forecast.model.fitted import FitStore, identity
from forecast.model.posterior import SamplerSettings
from forecast.model.priors import load_priors

FREQS = {"weekly": "W-MON", "monthly": "MS", "quarterly": "QS", "yearly": "YS"}

@dataclass(frozen=True)
class BacktestConfig:
    start: str = "2000-01-01"
    end: str | None = None  # the last origin; None: the day the record is complete through
    origins: str = "monthly"
    refit: str = "quarterly"
    windows: tuple[int, ...] = DEFAULT_WINDOWS
    events: tuple[str, ...] = QUESTION_EVENTS
    priors: tuple[str, ...] = ("priors/default.toml",)
    settings: SamplerSettings = field(
        default_factory=lambda: SamplerSettings(draws=300, tune=300, cores=1, target_accept=0.9)
    )
    seed: int = DEFAULT_SEED
    warning_origins: bool = True

    @classmethod
    def quick(cls, **kw) -> BacktestConfig:
        """A quick back-test configuration: yearly refits, 100 draws on one core."""
        quick = SamplerSettings(draws=100, tune=100, cores=1, target_accept=0.85)
        return cls(**{"refit": "yearly", "settings": quick, **kw})

    def digest(self) -> str:
        """A short hash of the whole configuration; it differs if any setting differs."""
        blob = json.dumps(asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Origin:
    """One origin: a routine (calendar) day, the publication day of warning records, or both."""

    day: pd.Timestamp
    routine: bool = True
    warning_records: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """The origin's kind: ``routine``, ``warning`` or ``both``."""
        if self.routine and self.warning_records:
            return "both"
        return "warning" if self.warning_records else "routine"


@dataclass(frozen=True)
class Part:
    priors: str
    refit: pd.Timestamp
    origins: tuple[Origin, ...]

    @property
    def name(self) -> str:
        """The part's name, from its prior file and refit date; its output file is named after it."""
        return f"{Path(self.priors).stem}-{self.refit.date()}"


def _date(text: str, flag: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(text)
    except (ValueError, TypeError):
        raise InputError("not a date (YYYY-MM-DD)", field=flag, value=text) from None


def plan(config: BacktestConfig, data_dir: str | None = None) -> list[Part]:
    """Parts for a configuration; origins outside the data or with no closed window are errors.
    With ``warning_origins`` the signal history in ``data_dir`` adds the warning origins."""
    ds = load_dataset(data_dir)
    data_end = ds.complete_through
    start = _date(config.start, "--start")
    end = data_end if config.end is None else _date(config.end, "--end")
    if start < pd.Timestamp("1999-01-01"):
        raise InputError(
            "origins must start on or after 1999-01-01 (the data start in 1998)", field="--start", value=config.start
        )
    if end > data_end or end < start:
        raise InputError(
            f"origins must end by {data_end.date()} (the record is complete through it) and after the start",
            field="--end",
            value=config.end,
        )
    for flag, value in (("--origins", config.origins), ("--refit", config.refit)):
        if value not in FREQS:
            raise InputError(f"unknown frequency; allowed: {', '.join(FREQS)}", field=flag, value=value)
    parse_windows(config.windows)
    bad = [e for e in config.events if e not in QUESTION_EVENTS]
    if bad:
        raise InputError(f"unknown event type; allowed: {', '.join(QUESTION_EVENTS)}", field="--events", value=bad[0])
    routine = pd.date_range(start, end, freq=FREQS[config.origins])
    routine = routine[routine + pd.Timedelta(days=min(config.windows) - 1) <= data_end]
    warned = warning_days(ds.signals, start, end, min(config.windows), data_end) if config.warning_origins else {}
    origins = [Origin(d, routine=d in routine, warning_records=warned.get(d, ())) for d in sorted({*routine, *warned})]
    if not origins:
        raise InputError("no origin has a closed window in this range", field="--start", value=config.start)
    refits = pd.date_range(start, end, freq=FREQS[config.refit])
    # the routine origins get the refits they always had; an earlier warning origin gets its own
    for first in ([routine[0]] if len(routine) else []) + [origins[0].day]:
        if len(refits) == 0 or refits[0] > first:
            refits = refits.insert(0, first)
    parts = []
    for prior in config.priors:
        for i, r in enumerate(refits):
            nxt = refits[i + 1] if i + 1 < len(refits) else pd.Timestamp.max
            mine = tuple(o for o in origins if r <= o.day < nxt)
            if mine:
                parts.append(Part(prior, r, mine))
    return parts


def run_parts(
    parts: list[Part], config: BacktestConfig, parts_dir: Path, data_dir: str | None = None, cache_dir=None
) -> list[str]:
    """One worker's share: its own fit store (the model compiled once for all its parts); each
    part's forecasts are written to ``parts_dir`` as soon as they are done (a run resumes there)."""
    import logging

    logging.getLogger("pymc").setLevel(logging.WARNING)  # one progress line per part, not per chain
    from forecast.model.compile_ahead import no_helper

    ds = load_dataset(data_dir)
    store = FitStore(cache_dir)
    done = []
    # parallel workers already compile side by side: a helper each would only crowd the cores
    with no_helper():
        for part in parts:
            _write_csv(run_part(part, config, ds, store), Path(parts_dir) / f"{part.name}.csv")
            done.append(part.name)
    return done


def run_part(part: Part, config: BacktestConfig, ds: Dataset, store: FitStore) -> pd.DataFrame:
    """Fit once for the part and answer all its origins, events and windows."""
    priors = load_priors(part.priors)
    fit = store.get(ds, priors, part.refit, config.settings, config.seed)
    fit_ns = store.get(ds, priors, part.refit, config.settings, config.seed, variant="no_signals")
    days = {e: event_days(ds.events, e) for e in config.events}
    rows = []
    for org in part.origins:
        origin = org.day
        full = Answerer(ds, priors, fit, as_of=origin)
        bare = Answerer(ds, priors, fit_ns, as_of=origin)
        o = np.datetime64(origin.date(), "D")
        for event in config.events:
            for w in config.windows:
                p = full.probability(event, w, {})
                lo, hi = interval(p)
                closed = origin + pd.Timedelta(days=w - 1) <= ds.complete_through
                rows.append(
                    {
                        "priors": Path(part.priors).name,
                        "refit": part.refit.date().isoformat(),
                        "origin": origin.date().isoformat(),
                        "origin_kind": org.kind,
                        "warning_records": ";".join(org.warning_records),
                        "event": event,
                        "window_days": w,
                        "model": float(p.mean()),
                        "lower": float(lo),
                        "upper": float(hi),
                        "no_signals": float(bare.probability(event, w, NEUTRAL_EVIDENCE).mean()),
                        "climatology": climatology(days[event], o, w),
                        "recent_rate": recent_rate(days[event], o, w),
                        "outcome": outcome(days[event], o, w) if closed else np.nan,
                        "fit_ok": not fit.diagnostics.warnings,
                    }
                )
    return pd.DataFrame(rows)


def _run_key(config: BacktestConfig, data_dir=None) -> str:
    """Finished parts are reused only for the same configuration, data, priors and model."""
    ds = load_dataset(data_dir)
    idents = [identity(ds, load_priors(p), config.settings, config.seed).digest() for p in config.priors]
    return hashlib.sha256("|".join([config.digest(), *idents]).encode()).hexdigest()[:16]


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False))


def _progress(total: int) -> Callable[[str], None]:
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, unit="refit", file=sys.stderr)
        return lambda name: bar.update(1)
    count = [0]

    def plain(name: str) -> None:
        count[0] += 1
        print(f"[{count[0]}/{total}] {name} done", file=sys.stderr, flush=True)

    return plain


def run(
    config: BacktestConfig,
    out: Path,
    *,
    jobs: int | None = None,
    dask: str | None = None,
    data_dir: str | None = None,
    cache_dir: str | None = None,
) -> pd.DataFrame:
    """Run (or resume) a back-test into ``out``; returns the forecasts table."""
    out = Path(out)
    parts = plan(config, data_dir)
    for p in config.priors:
        load_priors(p)  # a bad prior file fails before any work
    parts_dir = writable_dir(out / "parts" / _run_key(config, data_dir), value=out)
    todo = [p for p in parts if not (parts_dir / f"{p.name}.csv").exists()]
    done = len(parts) - len(todo)
    tick = _progress(len(todo))
    if done:
        print(f"resuming: {done} of {len(parts)} refits already done", file=sys.stderr)
    t0 = time.perf_counter()
    cache_dir = cache_dir or os.environ.get("FORECAST_CACHE_DIR")

    workers = 1 if dask else min(jobs or os.cpu_count() or 1, len(todo))
    if dask:
        from distributed import Client
        from distributed import as_completed as dask_completed

        with Client(dask) as client:
            n = max(1, min(len(client.nthreads()), len(todo)))
            shares = [todo[i::n] for i in range(n)]
            futures = [client.submit(run_parts, s, config, parts_dir, data_dir, cache_dir, pure=False) for s in shares]
            for fut in dask_completed(futures):
                for name in fut.result():
                    tick(name)
    elif workers > 1:
        shares = [todo[i::workers] for i in range(workers)]
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(run_parts, s, config, parts_dir, data_dir, cache_dir) for s in shares]
            for fut in as_completed(futures):
                for name in fut.result():
                    tick(name)
    else:
        ds, store = load_dataset(data_dir), FitStore(cache_dir)
        for p in todo:
            _write_csv(run_part(p, config, ds, store), parts_dir / f"{p.name}.csv")
            tick(p.name)
    frame = pd.concat(
        [pd.read_csv(parts_dir / f"{p.name}.csv", dtype={"warning_records": str}) for p in parts], ignore_index=True
    )
    frame["warning_records"] = frame["warning_records"].fillna("")
    frame = frame.sort_values(["priors", "origin", "event", "window_days"], kind="stable").reset_index(drop=True)
    seconds = time.perf_counter() - t0
    write_outputs(frame, out, config, seconds=seconds, data_dir=data_dir)
    return frame
