"""The `forecast` command line: the typer app, its sub-commands, and how errors end a command.

Every command is registered here, through `_handled`: bad input ends it with one line on stderr and
exit 2, a fit that misses its diagnostics under --strict with one line and exit 3. The commands live
in `forecasts`, `evaluation`, `data` and `records`; the options they share in `options`; how they
print in `render`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import typer

from forecast.cli import data, evaluation, forecasts, records
from forecast.core.errors import DiagnosticsError, InputError

app = typer.Typer(
    help="Calibrated forecasts of North Korean launches and tests.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(help="Check, show and import the historical data.", no_args_is_help=True)
priors_app = typer.Typer(help="Check prior files.", no_args_is_help=True)
records_app = typer.Typer(
    help="Your own records: events and signal records kept in the working directory (records/), "
    "merged with the shipped data for forecasts.",
    no_args_is_help=True,
)
records_add_app = typer.Typer(help="Add an event or a signal record.", no_args_is_help=True)


def _handled(command: Callable) -> Callable:
    """``command`` with the errors a user can act on as one line on stderr: exit 2 for bad input, 3 for a fit
    that fails its diagnostics under --strict. Anything else is a bug and keeps its traceback."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except InputError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=2) from None
        except DiagnosticsError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=3) from None

    return run


def _register(group: typer.Typer, commands: dict[str, Callable]) -> None:
    """Add ``commands`` (name -> function) to ``group`` in order: --help lists them so."""
    for name, command in commands.items():
        group.command(name)(_handled(command))


_register(
    app,
    {
        "predict": forecasts.predict,
        "table": forecasts.table,
        "scenarios": forecasts.scenarios,
        "fit": forecasts.fit,
        "signals": forecasts.signals,
        "backtest": evaluation.backtest,
        "episode": evaluation.episode,
        "evaluate": evaluation.evaluate,
    },
)
_register(
    data_app,
    {
        "check": data.check,
        "reach": data.reach,
        "show": data.show,
        "import-cns": data.import_cns,
        "import-csis": data.import_csis,
    },
)
_register(priors_app, {"check": data.priors_check})
_register(records_add_app, {"event": records.add_event, "signal": records.add_signal})
_register(records_app, {"list": records.list_records, "remove": records.remove})
records_app.add_typer(records_add_app, name="add")
app.add_typer(data_app, name="data")
app.add_typer(priors_app, name="priors")
app.add_typer(records_app, name="records")

