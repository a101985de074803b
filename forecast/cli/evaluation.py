"""Commands that test the forecasts against what happened: backtest, episode, evaluate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from forecast.cli.options import (
    DEFAULT_WINDOWS_TEXT,
    FitOptions,
    Format,
    FormatOpt,
    SeedOpt,
    WindowsOpt,
    with_fit_options,
)
from forecast.core.atomic import writable_dir
from forecast.core.limits import DEFAULT_SEED, parse_windows


def backtest(
    out: Annotated[Path, typer.Option("--out", help="Output directory.")] = Path("backtest"),
    start: Annotated[str, typer.Option(help="First origin.")] = "2000-01-01",
    end: Annotated[
        str | None,
        typer.Option(
            help="Last origin (default: the day the record is complete through; only closed windows are scored)."
        ),
    ] = None,
    origins: Annotated[str, typer.Option(help="Origin frequency: weekly, monthly, quarterly, yearly.")] = "monthly",
    refit: Annotated[str | None, typer.Option(help="Refit frequency (default quarterly; yearly with --quick).")] = None,
    windows: WindowsOpt = DEFAULT_WINDOWS_TEXT,
    priors: Annotated[list[Path] | None, typer.Option("--priors", help="Prior file; repeat to compare.")] = None,
    quick: Annotated[bool, typer.Option("--quick", help="Yearly refits and fewer draws.")] = False,
    jobs: Annotated[int | None, typer.Option(help="Local worker processes (default: all cores).")] = None,
    dask: Annotated[
        str | None, typer.Option("--dask", help="Run on an existing Dask scheduler, e.g. tcp://host:8786.")
    ] = None,
    seed: SeedOpt = DEFAULT_SEED,
    draws: Annotated[int | None, typer.Option("--draws", min=50, help="Draws per chain for each refit.")] = None,
    tune: Annotated[int | None, typer.Option("--tune", min=50, help="Tuning steps per chain for each refit.")] = None,
    warning_origins: Annotated[
        bool,
        typer.Option(
            "--warning-origins/--no-warning-origins",
            help="Also forecast on the publication day of every direct-warning record, scored apart.",
        ),
    ] = True,
) -> None:
    """Rolling-origin back-test against climatology, recent-rate and no-signals baselines."""
    from dataclasses import replace

    import pandas as pd

    from forecast.cli.render import render
    from forecast.evaluation.backtest import BacktestConfig, run

    ws = parse_windows(windows)
    kw = {
        "start": start,
        "end": end,
        "origins": origins,
        "windows": ws,
        "seed": seed,
        "priors": tuple(str(p) for p in (priors or [Path("priors/default.toml")])),
        "warning_origins": warning_origins,
    }
    config = BacktestConfig.quick(**kw) if quick else BacktestConfig(**kw)
    if refit:
        config = replace(config, refit=refit)
    if draws or tune:
        config = replace(
            config,
            settings=replace(config.settings, draws=draws or config.settings.draws, tune=tune or config.settings.tune),
        )
    frame = run(config, out, jobs=jobs, dask=dask)

    typer.echo(f"{len(frame)} forecasts; report: {out / 'report.md'}")
    skill = pd.read_csv(out / "skill.csv")
    overall = skill[skill["event"] == "all"][
        ["priors", "origin_kind", "baseline", "brier_skill", "diff_lo90", "diff_hi90"]
    ]
    typer.echo(render(overall, Format.table))


@with_fit_options(strict=False, draws=400, tune=400)
def episode(
    name: Annotated[str, typer.Argument(help="Episode name from data/episodes.toml, e.g. leap-day-2012.")],
    out: Annotated[Path, typer.Option("--out", help="Directory for the table and the plot.")] = Path("episodes"),
    window: Annotated[int, typer.Option(help="Window in days for the forecast path.")] = 30,
    fmt: FormatOpt = Format.table,
    *,
    options: FitOptions,
) -> None:
    """Replay a historical episode: the forecast path at weekly origins against what happened."""
    from forecast.cli.render import render
    from forecast.evaluation.episodes import replay

    table, png = replay(
        name,
        out,
        window=window,
        priors_path=options.priors,
        seed=options.seed,
        draws=options.draws,
        tune=options.tune,
    )
    typer.echo(render(table, fmt))
    typer.echo(f"plot: {png}", err=True)


@with_fit_options()
def evaluate(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV of questions with known outcomes: as_of, event, window_days, evidence, outcome "
            "(1/0, yes/no, true/false); optional id, source, note."
        ),
    ],
    fmt: FormatOpt = Format.table,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Directory for questions.csv, summary.csv, reliability.csv and report.md (atomic writes)."
        ),
    ] = None,
    *,
    options: FitOptions,
) -> None:
    """Score a file of analyst questions with known outcomes: Brier, log loss, AUC, reliability, worst misses."""
    from forecast.cli.render import PROVENANCE, json_records, provenance_line, render, rounded
    from forecast.evaluation import evaluate as ev_mod

    ev_mod.read_scored_questions(file)  # a bad file fails before any sampling
    if out is not None:
        writable_dir(out)
    ev = ev_mod.evaluate(options.context(), file)
    written = ev_mod.write_outputs(ev, out) if out is not None else []

    for path in written:
        typer.echo(f"written: {path}", err=True)
    prov = {k: ev.provenance[k] for k in PROVENANCE}
    if fmt is Format.csv:
        typer.echo(render(ev.summary.assign(**prov), fmt))
        return
    if fmt is Format.json:
        tables = {
            "summary": ev.summary,
            "reliability": ev.reliability,
            "worst_misses": ev.worst,
            "questions": ev.questions,
        }
        doc = {"file": str(file), **prov, **{name: json_records(frame) for name, frame in tables.items()}}
        typer.echo(json.dumps(doc, indent=2))
        return
    o = ev.overall
    head = "## " if fmt is Format.md else ""
    typer.echo(provenance_line(prov, as_of=False))
    typer.echo(
        f"# {file}: {o['n']} questions, {o['events']} followed by the event; "
        f"Brier {o['brier']:.3f}, log loss {o['log_loss']:.3f}, AUC {o['auc']:.3f}"
    )
    typer.echo("")
    typer.echo(f"{head}Scores (Brier and log loss: lower is better; AUC: 0.5 = chance, NaN with one outcome only)")
    typer.echo("")
    typer.echo(rounded(ev.summary, fmt))
    typer.echo("")
    typer.echo(f"{head}Reliability (forecast bins: mean forecast, observed frequency, count)")
    typer.echo("")
    typer.echo(rounded(ev.reliability, fmt))
    typer.echo("")
    typer.echo(f"{head}Worst misses (largest squared error first)")
    typer.echo("")
    typer.echo(rounded(ev.worst, fmt))
