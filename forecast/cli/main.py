"""The `forecast` command line."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from forecast.core.atomic import writable_dir
from forecast.core.errors import InputError
from forecast.core.limits import DEFAULT_SEED

app = typer.Typer(
    help="Calibrated forecasts of North Korean launches and tests.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(help="Check, show and import the historical data.", no_args_is_help=True)
app.add_typer(data_app, name="data")


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    md = "md"


def fail(exc: InputError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code=2)


def render(frame, fmt: Format) -> str:
    """A DataFrame as a terminal table, CSV, JSON list or Markdown."""
    if fmt is Format.csv:
        return frame.to_csv(index=False).rstrip("\n")
    if fmt is Format.json:
        return json.dumps(json.loads(frame.to_json(orient="records", date_format="iso")), indent=2)
    if fmt is Format.md:
        return frame.to_markdown(index=False)
    return frame.to_string(index=False)


@contextmanager
def flag_names():
    """Errors about a question's fields name the command-line flag the user typed."""
    flags = {"as_of": "--as-of", "event": "--event", "window_days": "--window", "evidence": "--evidence"}
    try:
        yield
    except InputError as exc:
        exc.field = flags.get(exc.field or "", exc.field)
        raise


def parse_windows(text: str) -> tuple[int, ...]:
    """'30,90,180' -> (30, 90, 180); anything else is an InputError naming --windows."""
    try:
        windows = tuple(int(w) for w in text.split(",") if w.strip())
    except ValueError:
        raise InputError(
            "windows must be whole numbers of days joined by commas", field="--windows", value=text
        ) from None
    if not windows:
        raise InputError("give at least one window", field="--windows", value=text)
    from forecast.core.limits import MAX_WINDOW

    for w in windows:
        if not 1 <= w <= MAX_WINDOW:
            raise InputError(f"each window must be 1 to {MAX_WINDOW} days", field="--windows", value=w)
    if len(set(windows)) != len(windows):
        raise InputError("a window is given twice", field="--windows", value=text)
    return windows


DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Directory holding events.csv and signals.csv (default: data/); your records in the working "
        "directory are added.",
    ),
]


def _dataset(data_dir=None):
    """The shipped record (or ``data_dir``'s) merged with the analyst's own records."""
    from forecast.data.analyst_records import records_dir
    from forecast.data.dataset import load_dataset

    return load_dataset(data_dir, records_dir())


@data_app.command("check")
def data_check(data_dir: DataDir = None) -> None:
    """Validate every data file and print a summary."""
    from forecast.data.dataset import DATA_DIR, load_episodes
    from forecast.data.summary import check_report

    try:
        ds = _dataset(data_dir)
        episodes = load_episodes((data_dir or DATA_DIR) / "episodes.toml")
    except InputError as exc:
        raise fail(exc) from None
    for line in check_report(ds):
        typer.echo(line)
    typer.echo(f"\nepisodes: {len(episodes)} ({', '.join(episodes)})")


@data_app.command("reach")
def data_reach(
    set_to: Annotated[
        str | None,
        typer.Option("--set", help="Move the record's complete-through date (YYYY-MM-DD) after checking the sources."),
    ] = None,
    checked: Annotated[
        str | None, typer.Option(help="With --set: what was checked, against which sources (required).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Show, or move, the day through which the record is complete (data/record.toml). Importers
    never move it: an import of launches says nothing about whether the evidence is complete."""
    import datetime as dt

    import pandas as pd

    from forecast.data.dataset import Reach, load_reach, write_reach

    try:
        reach = load_reach(data_dir)
        if set_to is not None:
            try:
                day = dt.date.fromisoformat(set_to)
            except ValueError:
                raise InputError("not a date (YYYY-MM-DD)", field="--set", value=set_to) from None
            if not checked:
                raise InputError("say what was checked, and against which sources", field="--checked", value="")
            write_reach(Reach(pd.Timestamp(day), checked), data_dir)
            typer.echo(f"moved: complete through {reach.complete_through.date()} -> {day}")
            reach = load_reach(data_dir)
    except InputError as exc:
        raise fail(exc) from None
    typer.echo(f"complete through {reach.complete_through.date()}: {reach.checked}")


@data_app.command("show")
def data_show(
    event: Annotated[
        str,
        typer.Option(
            help="Event type: space_launch, long_range_missile, ballistic_missile, nuclear_test, engine_test or any."
        ),
    ] = "any",
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    data_dir: DataDir = None,
) -> None:
    """Print the events of one type."""
    from forecast.data.summary import events_of
    from forecast.data.vocab import QUESTION_EVENTS

    if event not in QUESTION_EVENTS:
        raise fail(
            InputError(f"unknown event type; allowed: {', '.join(QUESTION_EVENTS)}", field="--event", value=event)
        )
    try:
        ds = _dataset(data_dir)
    except InputError as exc:
        raise fail(exc) from None
    frame = events_of(ds.events, event).copy()
    frame["date"] = frame["date"].dt.date.astype(str)
    frame["missiles"] = frame["missiles"].astype("string").fillna("")
    cols = ["date", "event", "missile_class", "missiles", "vehicle", "site", "outcome", "origin", "source"]
    if fmt is Format.table:
        cols = cols[:-1]
    typer.echo(render(frame[cols], fmt))


AcceptShifted = Annotated[
    bool,
    typer.Option(
        "--accept-shifted",
        help="Also add new days one day from an existing day of the same type (held back for review otherwise).",
    ),
]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Report what would change; write nothing.")]


def _import(run, target: Path, dry_run: bool) -> None:
    try:
        report = run()
    except InputError as exc:
        raise fail(exc) from None
    for line in report.lines():
        typer.echo(line)
    typer.echo("dry run: nothing written" if dry_run else f"written: {target}")


def _events_target(events: Path | None, data_dir: Path | None) -> Path:
    from forecast.data.dataset import DATA_DIR

    if events is not None and data_dir is not None:
        raise fail(InputError("give either --events or --data-dir, not both", field="--events", value=str(events)))
    return events or (data_dir or DATA_DIR) / "events.csv"


@data_app.command("import-cns")
def data_import_cns(
    file: Annotated[Path, typer.Argument(help="CNS Missile Test Database export (.csv or .xlsx).")],
    events: Annotated[Path | None, typer.Option(help="events.csv to merge into.")] = None,
    dry_run: DryRun = False,
    accept_shifted: AcceptShifted = False,
    data_dir: DataDir = None,
) -> None:
    """Merge missile launch days from a CNS database export into events.csv."""
    from forecast.data.importers.cns import import_cns

    target = _events_target(events, data_dir)
    _import(lambda: import_cns(file, target, dry_run=dry_run, accept_shifted=accept_shifted), target, dry_run)


@data_app.command("import-csis")
def data_import_csis(
    file: Annotated[Path, typer.Argument(help="CSIS Beyond Parallel provocations list (processed CSV layout).")],
    dry_run: DryRun = False,
    accept_shifted: AcceptShifted = False,
    data_dir: DataDir = None,
    events: Annotated[Path | None, typer.Option(help="events.csv to merge into.")] = None,
) -> None:
    """Merge launches and tests from an export of the CSIS provocations list into events.csv."""
    from forecast.data.importers.csis import import_csis

    target = _events_target(events, data_dir)
    _import(lambda: import_csis(file, target, dry_run=dry_run, accept_shifted=accept_shifted), target, dry_run)


# ------------------------------------------------------------------ forecasting

PriorsOpt = Annotated[Path | None, typer.Option("--priors", help="Prior file (default priors/default.toml).")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Sampler seed.")]
StrictOpt = Annotated[
    bool,
    typer.Option(
        "--strict", help="Fail (exit 3) when a fit misses R-hat/ESS/divergence thresholds instead of warning."
    ),
]
DrawsOpt = Annotated[int, typer.Option("--draws", min=50, help="Posterior draws per chain.")]
TuneOpt = Annotated[int, typer.Option("--tune", min=50, help="Tuning steps per chain.")]


def _context(priors, seed, strict, draws, tune, data_dir=None):
    from forecast.answers.service import context
    from forecast.model.posterior import SamplerSettings

    def report(fit) -> None:
        where = "cache" if fit.from_cache else "new fit"
        typer.echo(f"fit as of {fit.as_of} ({where}): {fit.diagnostics.line()}", err=True)

    def warn(message: str) -> None:
        typer.echo(f"warning: {message}", err=True)

    settings = SamplerSettings(draws=draws, tune=tune)
    return context(priors, seed, settings, data_dir, strict, on_fit=report, on_warning=warn)


def _run(fn):
    from forecast.answers.service import DiagnosticsError

    try:
        return fn()
    except InputError as exc:
        raise fail(exc) from None
    except DiagnosticsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=3) from None


PROVENANCE = ("data_hash", "priors_file", "priors_hash", "model_version", "seed", "analyst_records")
#: The columns of an answer in `predict` and `table` output (CSV/JSON), in order.
ANSWER_COLUMNS = (
    "as_of", "event", "window_days", "probability", "lower", "upper", "band", "base_rate", "drivers", "evidence",
    *PROVENANCE,
)  # fmt: skip


def _provenance_line(row: dict) -> str:
    return "# " + ", ".join(f"{k} {row[k]}" for k in ("as_of", *PROVENANCE))


@app.command()
def predict(
    as_of: Annotated[str | None, typer.Option("--as-of", help="As-of date YYYY-MM-DD.")] = None,
    event: Annotated[
        str | None,
        typer.Option(help="space_launch, long_range_missile, ballistic_missile, nuclear_test, engine_test or any."),
    ] = None,
    window: Annotated[str | None, typer.Option(help="Window in days from the as-of date.")] = None,
    evidence: Annotated[
        list[str] | None, typer.Option(help="SIGNAL=LEVEL or SIGNAL=LEVEL:CONFIDENCE; repeat for several.")
    ] = None,
    questions: Annotated[
        Path | None,
        typer.Option(help="CSV of questions: as_of, event, window_days, evidence (signal=level;...), optional id."),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    priors: PriorsOpt = None,
    seed: SeedOpt = DEFAULT_SEED,
    strict: StrictOpt = False,
    draws: DrawsOpt = 1000,
    tune: TuneOpt = 800,
) -> None:
    """P(at least one event within the window) for one question or a file of them."""
    import pandas as pd

    from forecast.answers.questions import make_question, parse_evidence, read_questions
    from forecast.answers.service import answer_questions

    def go():
        if questions is not None:
            if any(v is not None for v in (as_of, event, window)) or evidence:
                raise InputError("give either --questions or --as-of/--event/--window, not both", field="--questions")
            qs = read_questions(questions)
        else:
            for flag, value in (("--as-of", as_of), ("--event", event), ("--window", window)):
                if value is None:
                    raise InputError(f"{flag} is required (or give --questions FILE)", field=flag)
            with flag_names():
                qs = [make_question(as_of, event, window, parse_evidence(evidence or []))]
        ctx = _context(priors, seed, strict, draws, tune)
        return answer_questions(ctx, qs)

    rows = _run(go)
    if fmt is Format.json:
        typer.echo(json.dumps(rows, indent=2))
        return
    frame = pd.DataFrame(rows)[["id", *ANSWER_COLUMNS]]
    if all(r["id"] is None for r in rows):
        frame = frame.drop(columns="id")
    if fmt is Format.csv:
        typer.echo(render(frame, fmt))
        return
    shown = frame.drop(columns=list(PROVENANCE)).copy()
    for c in ("probability", "lower", "upper", "base_rate"):
        shown[c] = shown[c].map(lambda v: f"{v:.1%}")
    typer.echo(_provenance_line(rows[0]))
    typer.echo(render(shown, fmt))


@app.command()
def table(
    as_of: Annotated[str, typer.Option("--as-of", help="As-of date YYYY-MM-DD.")],
    evidence: Annotated[list[str] | None, typer.Option(help="SIGNAL=LEVEL[:CONFIDENCE]; repeatable.")] = None,
    windows: Annotated[str, typer.Option(help="Windows in days, comma-separated.")] = "30,90,180,365",
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    priors: PriorsOpt = None,
    seed: SeedOpt = DEFAULT_SEED,
    strict: StrictOpt = False,
    draws: DrawsOpt = 1000,
    tune: TuneOpt = 800,
) -> None:
    """The briefing table: every event type by window, with intervals, bands, base rates and drivers."""
    import pandas as pd

    from forecast.answers.briefing import wide_table
    from forecast.answers.service import forecast_table

    def go():
        ws = parse_windows(windows)
        ctx = _context(priors, seed, strict, draws, tune)
        with flag_names():
            return forecast_table(ctx, as_of, ";".join(evidence or []), ws)

    rows = _run(go)
    if fmt in (Format.csv, Format.json):
        frame = pd.DataFrame(rows)[list(ANSWER_COLUMNS)]
        if fmt is Format.json:
            typer.echo(json.dumps(json.loads(frame.to_json(orient="records")), indent=2))
        else:
            typer.echo(render(frame, fmt))
        return
    typer.echo(_provenance_line(rows[0]))
    typer.echo(f"# evidence: {rows[0]['evidence']} (analyst-set: {rows[0]['analyst_set'] or 'none'})")
    typer.echo(render(wide_table(rows), fmt))


@app.command()
def scenarios(
    file: Annotated[Path, typer.Argument(help="A scenario tree, e.g. data/scenarios/post-summit-failure.toml.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="As-of date YYYY-MM-DD (default: the tree's as_of, else today).")
    ] = None,
    windows: Annotated[str, typer.Option(help="Windows in days, comma-separated.")] = "30,90,180,365",
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    back_check: Annotated[
        bool, typer.Option("--back-check", help="Also run the tree at its back_check dates beside what happened.")
    ] = False,
    sensitivity_window: Annotated[
        int | None, typer.Option(help="Window of the sensitivity table (default: 90 if asked for, else the first).")
    ] = None,
    priors: PriorsOpt = None,
    seed: SeedOpt = DEFAULT_SEED,
    strict: StrictOpt = False,
    draws: DrawsOpt = 1000,
    tune: TuneOpt = 800,
) -> None:
    """P(event within each window) per branch of a scenario tree, the weighted mixture and the status quo."""
    import datetime as dt

    from forecast.answers import scenarios as sc
    from forecast.answers.questions import levels_text, make_question
    from forecast.answers.service import scenario_report
    from forecast.workspace import scenario_files as sf

    def go():
        tree = sf.load(file)
        ws = tuple(sorted(parse_windows(windows)))
        day = as_of or (tree.tree.as_of.isoformat() if tree.tree.as_of else dt.date.today().isoformat())
        with flag_names():
            make_question(day, "any", max(ws))  # validates the date
        if back_check and not tree.tree.back_check:
            raise InputError("this tree lists no back_check dates", file=str(file), field="tree.back_check")
        if sensitivity_window is not None and sensitivity_window not in ws:
            raise InputError("must be one of --windows", field="--sensitivity-window", value=sensitivity_window)
        ctx = _context(priors, seed, strict, draws, tune)
        return tree, ws, scenario_report(ctx, tree, day, ws, back_check=back_check)

    tree, ws, report = _run(go)
    prov = report["provenance"]
    long = report["long"].assign(**{k: prov[k] for k in ("as_of", *PROVENANCE)})
    if fmt is Format.csv:
        typer.echo(render(long, fmt))
        if report["back_check"] is not None:
            typer.echo("")
            typer.echo(render(report["back_check"], fmt))
        return
    if fmt is Format.json:
        doc = {
            "tree": tree.tree.name,
            "file": str(file),
            "weights": tree.weights(),
            **prov,
            "forecasts": json.loads(report["long"].to_json(orient="records")),
            "sensitivity": json.loads(report["sensitivity"].to_json(orient="records")),
            "back_check": None
            if report["back_check"] is None
            else json.loads(report["back_check"].to_json(orient="records")),
        }
        typer.echo(json.dumps(doc, indent=2))
        return
    sw = sensitivity_window or (90 if 90 in ws else ws[0])
    md = fmt is Format.md
    head = "## " if md else ""
    typer.echo(_provenance_line(prov))
    typer.echo(f"{head}{tree.tree.name}, as of {prov['as_of']}")
    typer.echo("")
    for key, b in tree.branches.items():
        after = f", from day {b.takes_effect_after_days}" if b.takes_effect_after_days else ""
        ev = levels_text(b.evidence, ", ")
        typer.echo(f"{'- ' if md else '  '}{key} ({b.probability:.0%}{after}): {b.title} [{ev}]")
    typer.echo("")
    typer.echo("P(at least one event) with its 90% interval and the change from the status quo in points:")
    typer.echo("")
    typer.echo(render(sc.brief_table(report["long"]), fmt))
    typer.echo("")
    typer.echo(f"{head}Sensitivity of the weighted mixture at {sw} days (points, branch probability -10 / +10):")
    typer.echo("")
    typer.echo(render(sc.sensitivity_table(report["sensitivity"], sw), fmt))
    if report["back_check"] is not None:
        typer.echo("")
        typer.echo(f"{head}Back-check: the tree at its historical dates, beside what happened next")
        typer.echo("")
        typer.echo(render(sc.back_check_display(report["back_check"]), fmt))


@app.command()
def fit(
    as_of: Annotated[str, typer.Option("--as-of", help="Fit on the data known before this date.")],
    priors: PriorsOpt = None,
    seed: SeedOpt = DEFAULT_SEED,
    strict: StrictOpt = False,
    draws: DrawsOpt = 1000,
    tune: TuneOpt = 800,
) -> None:
    """Fit (or load from cache) the model for an as-of date and print its diagnostics."""
    from forecast.answers.questions import make_question

    def go():
        q = make_question(as_of, "any", 1)
        ctx = _context(priors, seed, strict, draws, tune)
        f = ctx.fit(q.as_of)
        return ctx, f

    ctx, f = _run(go)
    i = f.identity
    typer.echo(
        f"as_of {i.as_of}  data_hash {i.data_hash}  priors {i.priors_file} ({i.priors_hash})  "
        f"model_version {i.model_version}  seed {i.seed}  fit {i.digest()}"
    )
    typer.echo(f"{'cache hit' if f.from_cache else 'fitted'}: {f.diagnostics.line()}")


@app.command()
def signals(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Show the data's state on this date (default: today).")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """The signal vocabulary and the data's current state of each signal."""
    import datetime as dt

    from forecast.data.signal_state import question_state
    from forecast.data.vocab import QUESTION_EVENTS, SIGNALS

    def go():
        day = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
        ds = _dataset()
        return day, {e: question_state(ds.signals, day, e) for e in QUESTION_EVENTS}

    try:
        day, state = _run(go)
    except ValueError:
        raise fail(InputError("as-of date must be YYYY-MM-DD", field="--as-of", value=as_of)) from None
    rows = []
    for name, spec in SIGNALS.items():
        for level in spec.levels:
            rows.append(
                {
                    "signal": name,
                    "level": level,
                    "neutral": level == spec.neutral,
                    "meaning": spec.level_meanings[level],
                    "in_data_on_" + day.isoformat(): ", ".join(e for e, st in state.items() if st[name] == level),
                }
            )
    import pandas as pd

    typer.echo(f"# signals and the data's state on {day} (events each level applies to)")
    typer.echo(render(pd.DataFrame(rows), fmt))


priors_app = typer.Typer(help="Check prior files.", no_args_is_help=True)
app.add_typer(priors_app, name="priors")


@priors_app.command("check")
def priors_check(priors: PriorsOpt = None, seed: SeedOpt = DEFAULT_SEED) -> None:
    """Validate a prior file and show the yearly event counts it implies (prior predictive)."""
    from forecast.model.prior_predictive import yearly_counts

    def go():
        from forecast.data.dataset import load_dataset
        from forecast.model.priors import load_priors

        return yearly_counts(load_dataset(), load_priors(priors), seed=seed)

    frame = _run(go)
    typer.echo(
        "# prior predictive: implied event-days per year on the 1998-2024 signal history "
        "(median and 90% interval over prior draws) against the record"
    )
    typer.echo(render(frame, Format.table))


@app.command()
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
    windows: Annotated[str, typer.Option(help="Windows in days, comma-separated.")] = "30,90,180,365",
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

    from forecast.evaluation.backtest import BacktestConfig, run

    def go():
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
                settings=replace(
                    config.settings, draws=draws or config.settings.draws, tune=tune or config.settings.tune
                ),
            )
        return run(config, out, jobs=jobs, dask=dask)

    frame = _run(go)
    typer.echo(f"{len(frame)} forecasts; report: {out / 'report.md'}")
    import pandas as pd

    skill = pd.read_csv(out / "skill.csv")
    overall = skill[skill["event"] == "all"][
        ["priors", "origin_kind", "baseline", "brier_skill", "diff_lo90", "diff_hi90"]
    ]
    typer.echo(render(overall, Format.table))


@app.command()
def episode(
    name: Annotated[str, typer.Argument(help="Episode name from data/episodes.toml, e.g. leap-day-2012.")],
    out: Annotated[Path, typer.Option("--out", help="Directory for the table and the plot.")] = Path("episodes"),
    window: Annotated[int, typer.Option(help="Window in days for the forecast path.")] = 30,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    priors: PriorsOpt = None,
    seed: SeedOpt = DEFAULT_SEED,
    draws: DrawsOpt = 400,
    tune: TuneOpt = 400,
) -> None:
    """Replay a historical episode: the forecast path at weekly origins against what happened."""
    from forecast.evaluation.episodes import replay

    def go():
        return replay(name, out, window=window, priors_path=priors, seed=seed, draws=draws, tune=tune)

    table, png = _run(go)
    typer.echo(render(table, fmt))
    typer.echo(f"plot: {png}", err=True)


def _rounded(frame, fmt: Format) -> str:
    """A table of scores with three decimals (NaN as 'nan') in the table or Markdown view."""
    if fmt is Format.md:
        return frame.to_markdown(index=False, floatfmt=".3f")
    shown = frame.copy()
    for c in shown.columns:
        if shown[c].dtype.kind == "f":
            shown[c] = shown[c].map(lambda v: "nan" if v != v else f"{v:.3f}")
    return render(shown, fmt)


@app.command()
def evaluate(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV of questions with known outcomes: as_of, event, window_days, evidence, outcome "
            "(1/0, yes/no, true/false); optional id, source, note."
        ),
    ],
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Directory for questions.csv, summary.csv, reliability.csv and report.md (atomic writes)."
        ),
    ] = None,
    priors: PriorsOpt = None,
    seed: SeedOpt = DEFAULT_SEED,
    strict: StrictOpt = False,
    draws: DrawsOpt = 1000,
    tune: TuneOpt = 800,
) -> None:
    """Score a file of analyst questions with known outcomes: Brier, log loss, AUC, reliability, worst misses."""
    from forecast.evaluation import evaluate as ev_mod

    def go():
        ev_mod.read_scored_questions(file)  # a bad file fails before any sampling
        if out is not None:
            writable_dir(out)
        ctx = _context(priors, seed, strict, draws, tune)
        ev = ev_mod.evaluate(ctx, file)
        written = ev_mod.write_outputs(ev, out) if out is not None else []
        return ev, written

    ev, written = _run(go)
    for path in written:
        typer.echo(f"written: {path}", err=True)
    prov = ev.provenance
    if fmt is Format.csv:
        typer.echo(render(ev.summary.assign(**{k: prov[k] for k in PROVENANCE}), fmt))
        return
    if fmt is Format.json:
        records = {
            name: json.loads(frame.to_json(orient="records"))
            for name, frame in (
                ("summary", ev.summary),
                ("reliability", ev.reliability),
                ("worst_misses", ev.worst),
                ("questions", ev.questions),
            )
        }
        typer.echo(json.dumps({"file": str(file), **{k: prov[k] for k in PROVENANCE}, **records}, indent=2))
        return
    o = ev.overall
    head = "## " if fmt is Format.md else ""
    typer.echo("# " + ", ".join(f"{k} {prov[k]}" for k in PROVENANCE))
    typer.echo(
        f"# {file}: {o['n']} questions, {o['events']} followed by the event; "
        f"Brier {o['brier']:.3f}, log loss {o['log_loss']:.3f}, AUC {o['auc']:.3f}"
    )
    typer.echo("")
    typer.echo(f"{head}Scores (Brier and log loss: lower is better; AUC: 0.5 = chance, NaN with one outcome only)")
    typer.echo("")
    typer.echo(_rounded(ev.summary, fmt))
    typer.echo("")
    typer.echo(f"{head}Reliability (forecast bins: mean forecast, observed frequency, count)")
    typer.echo("")
    typer.echo(_rounded(ev.reliability, fmt))
    typer.echo("")
    typer.echo(f"{head}Worst misses (largest squared error first)")
    typer.echo("")
    typer.echo(_rounded(ev.worst, fmt))


# ------------------------------------------------------------------ the analyst's own records

records_app = typer.Typer(
    help="Your own records: events and signal records kept in the working directory (records/), "
    "merged with the shipped data for forecasts.",
    no_args_is_help=True,
)
records_add_app = typer.Typer(help="Add an event or a signal record.", no_args_is_help=True)
records_app.add_typer(records_add_app, name="add")
app.add_typer(records_app, name="records")

#: Columns of the records files -> the flags that fill them (errors name the flag).
RECORD_FLAGS = {
    "date": "--date",
    "event": "--event",
    "missile_class": "--missile-class",
    "missiles": "--missiles",
    "vehicle": "--vehicle",
    "site": "--site",
    "outcome": "--outcome",
    "source": "--source",
    "note": "--note",
    "signal": "--signal",
    "level": "--level",
    "events": "--events",
    "occurred": "--occurred",
    "published": "--published",
    "end": "--end",
    "lifetime_days": "--lifetime-days",
    "window_start": "--window-start",
    "window_end": "--window-end",
    "id": "ID",
}


def _record_change(fn):
    """Run an add or remove; an error about the new record names the flag (exit 2)."""
    try:
        return fn()
    except InputError as exc:
        if exc.file is None:
            exc.field = RECORD_FLAGS.get(exc.field or "", exc.field)
        raise fail(exc) from None


@records_add_app.command("event")
def records_add_event(
    date: Annotated[str, typer.Option("--date", help="Korea local date YYYY-MM-DD.")],
    event: Annotated[
        str, typer.Option("--event", help="space_launch, ballistic_missile, nuclear_test or engine_test.")
    ],
    source: Annotated[str, typer.Option("--source", help="Where this is reported (required).")],
    missile_class: Annotated[
        str, typer.Option("--missile-class", help="SRBM, MRBM, IRBM, ICBM, SLBM, ... (ballistic_missile only).")
    ] = "",
    missiles: Annotated[str, typer.Option("--missiles", help="Number of missiles.")] = "",
    vehicle: Annotated[str, typer.Option("--vehicle")] = "",
    site: Annotated[str, typer.Option("--site")] = "",
    outcome: Annotated[str, typer.Option("--outcome", help="success, failure, partial or unknown.")] = "unknown",
    note: Annotated[str, typer.Option("--note")] = "",
) -> None:
    """Add an event to your records (validated like data/events.csv)."""
    from forecast.data import analyst_records as ar

    rid = _record_change(
        lambda: ar.add_event(date, event, source, missile_class, note, vehicle, site, outcome, missiles)
    )
    typer.echo(f"added {rid}: {event} on {date} ({ar.records_dir() / 'events.csv'})")


@records_add_app.command("signal")
def records_add_signal(
    signal: Annotated[str, typer.Option("--signal", help="site_activity, announcement, rhetoric, ...")],
    level: Annotated[str, typer.Option("--level", help="A level of that signal, e.g. notice or preparation.")],
    events: Annotated[str, typer.Option("--events", help="Event types it applies to, joined by ';', or all.")],
    occurred: Annotated[str, typer.Option("--occurred", help="When it happened, YYYY-MM-DD.")],
    published: Annotated[str, typer.Option("--published", help="When it became public, YYYY-MM-DD.")],
    source: Annotated[str, typer.Option("--source", help="Where this is reported (required).")],
    end: Annotated[str, typer.Option("--end", help="Last day in force, YYYY-MM-DD.")] = "",
    lifetime_days: Annotated[str, typer.Option("--lifetime-days", help="Days in force (instead of --end).")] = "",
    window_start: Annotated[str, typer.Option("--window-start", help="A notice's first day.")] = "",
    window_end: Annotated[str, typer.Option("--window-end", help="A notice's last day.")] = "",
    note: Annotated[str, typer.Option("--note")] = "",
) -> None:
    """Add a signal record to your records (validated like data/signals.csv)."""
    from forecast.data import analyst_records as ar

    rid = _record_change(
        lambda: ar.add_signal(
            signal, level, events, occurred, published, source, end, lifetime_days, window_start, window_end, note
        )
    )
    typer.echo(f"added {rid}: {signal}={level} published {published} ({ar.records_dir() / 'signals.csv'})")


@records_app.command("list")
def records_list(fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table) -> None:
    """Your records, events then signal records."""
    from forecast.data import analyst_records as ar

    try:
        frame = ar.list_records()
    except InputError as exc:
        raise fail(exc) from None
    if frame.empty and fmt is Format.table:
        typer.echo(f"no records of your own yet ({ar.records_dir()})")
        return
    typer.echo(render(frame, fmt))


@records_app.command("remove")
def records_remove(record_id: Annotated[str, typer.Argument(help="The record's id, e.g. A-E001 or A001.")]) -> None:
    """Remove one of your records."""
    from forecast.data import analyst_records as ar

    kind = _record_change(lambda: ar.remove(record_id))
    typer.echo(f"removed {kind} record {record_id}")


def main() -> None:  # pragma: no cover - console entry
    sys.exit(app())
