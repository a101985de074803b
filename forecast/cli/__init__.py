"""The `forecast` command line: `main` wires the typer app; `forecasts`, `evaluation`, `data` and `records` hold the
commands; `options` the options they share; `render` how they print."""
