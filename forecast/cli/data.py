"""Commands on the inputs: check, show and import the historical data (``data ...``); check prior files
(``priors check``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from forecast.cli.options import (
    DataDirOpt,
    FitOptions,
    Format,
    OutputFormatOpt,
    dataset,
    with_fit_options,
)
from forecast.core.errors import InputError

AcceptShiftedOpt = Annotated[
    bool,
    typer.Option(
        "--accept-shifted",
        help="Also add new days one day from an existing day of the same type (held back for review otherwise).",
    ),
]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Report what would change; write nothing.")]
EventsOpt = Annotated[Path | None, typer.Option(help="events.csv to merge into.")]


def check(data_dir: DataDirOpt = None) -> None:
    """Validate every data file and print a summary."""
    from forecast.data.dataset import DATA_DIR, load_episodes
    from forecast.data.summary import check_report

    ds = dataset(data_dir)
    episodes = load_episodes((data_dir or DATA_DIR) / "episodes.toml")
    for line in check_report(ds):
        typer.echo(line)
    typer.echo(f"\nepisodes: {len(episodes)} ({', '.join(episodes)})")


def reach(
    set_to: Annotated[
        str | None,
        typer.Option("--set", help="Move the record's complete-through date (YYYY-MM-DD) after checking the sources."),
    ] = None,
    checked: Annotated[
        str | None, typer.Option(help="With --set: what was checked, against which sources (required).")
    ] = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Show, or move, the day through which the record is complete (data/record.toml). Importers
    never move it: an import of launches says nothing about whether the evidence is complete."""
    import datetime as dt

    import pandas as pd

    from forecast.data.dataset import Reach, load_reach, write_reach

    record = load_reach(data_dir)
    if set_to is not None:
        try:
            day = dt.date.fromisoformat(set_to)
        except ValueError:
            raise InputError("not a date (YYYY-MM-DD)", field="--set", value=set_to) from None
        if not checked:
            raise InputError("say what was checked, and against which sources", field="--checked", value="")
        write_reach(Reach(pd.Timestamp(day), checked), data_dir)
        typer.echo(f"moved: complete through {record.complete_through.date()} -> {day}")
        record = load_reach(data_dir)
    typer.echo(f"complete through {record.complete_through.date()}: {record.checked}")


def show(
    event: Annotated[
        str,
        typer.Option(
            help="Event type: space_launch, long_range_missile, ballistic_missile, nuclear_test, engine_test or any."
        ),
    ] = "any",
    fmt: OutputFormatOpt = Format.table,
    data_dir: DataDirOpt = None,
) -> None:
    """Print the events of one type."""
    from forecast.cli.render import render
    from forecast.data.summary import events_of
    from forecast.data.vocab import QUESTION_EVENTS

    if event not in QUESTION_EVENTS:
        raise InputError(f"unknown event type; allowed: {', '.join(QUESTION_EVENTS)}", field="--event", value=event)
    ds = dataset(data_dir)
    frame = events_of(ds.events, event).copy()
    frame["date"] = frame["date"].dt.date.astype(str)
    frame["missiles"] = frame["missiles"].astype("string").fillna("")
    cols = ["date", "event", "missile_class", "missiles", "vehicle", "site", "outcome", "origin", "source"]
    if fmt is Format.table:
        cols = cols[:-1]
    typer.echo(render(frame[cols], fmt))


def _events_target(events: Path | None, data_dir: Path | None) -> Path:
    """The events.csv an import merges into: --events, else the one in --data-dir (default data/)."""
    from forecast.data.dataset import DATA_DIR

    if events is not None and data_dir is not None:
        raise InputError("give either --events or --data-dir, not both", field="--events", value=str(events))
    return events or (data_dir or DATA_DIR) / "events.csv"


def _print_import(report, target: Path, dry_run: bool) -> None:
    """An importer's report, then what was written."""
    for line in report.lines():
        typer.echo(line)
    typer.echo("dry run: nothing written" if dry_run else f"written: {target}")


def import_cns(
    file: Annotated[Path, typer.Argument(help="CNS Missile Test Database export (.csv or .xlsx).")],
    events: EventsOpt = None,
    dry_run: DryRunOpt = False,
    accept_shifted: AcceptShiftedOpt = False,
    data_dir: DataDirOpt = None,
) -> None:
    """Merge missile launch days from a CNS database export into events.csv."""
    from forecast.data.importers import cns

    target = _events_target(events, data_dir)
    report = cns.import_cns(file, target, dry_run=dry_run, accept_shifted=accept_shifted)
    _print_import(report, target, dry_run)


def import_csis(
    file: Annotated[Path, typer.Argument(help="CSIS Beyond Parallel provocations list (processed CSV layout).")],
    dry_run: DryRunOpt = False,
    accept_shifted: AcceptShiftedOpt = False,
    data_dir: DataDirOpt = None,
    events: EventsOpt = None,
) -> None:
    """Merge launches and tests from an export of the CSIS provocations list into events.csv."""
    from forecast.data.importers import csis

    target = _events_target(events, data_dir)
    report = csis.import_csis(file, target, dry_run=dry_run, accept_shifted=accept_shifted)
    _print_import(report, target, dry_run)


@with_fit_options(strict=False, sampler=False)
def priors_check(*, options: FitOptions) -> None:
    """Validate a prior file and show the yearly event counts it implies (prior predictive)."""
    from forecast.cli.render import render
    from forecast.data.dataset import load_dataset
    from forecast.model.prior_predictive import yearly_counts
    from forecast.model.priors import load_priors

    frame = yearly_counts(load_dataset(), load_priors(options.priors), seed=options.seed)
    typer.echo(
        "# prior predictive: implied event-days per year on the 1998-2024 signal history "
        "(median and 90% interval over prior draws) against the record"
    )
    typer.echo(render(frame, Format.table))
