"""Start the workbench: `python -m forecast.app.serve [--address 127.0.0.1] [--port 8501]` (`make run`).

The same app as `streamlit run app.py`, served by Streamlit's `st.App` with a start-up step: before
the server answers (its health check included), it imports every module the app's pages import and
does what a new session's first Forecast page would do before its first number
(`forecast.app.common.warm_start`: the inputs, the stored fit for today and its answerer, in the
caches the pages use). The first visitor then does not pay for them. It never samples: without a
stored fit the start stays quick and the first page fits with its progress bar, as before.

Two settings keep the server free while a new browser loads the first page's scripts (about 140
files, some 80 of them loaded on demand by the elements, served by this same process while it runs
the page): the objects made at start-up are frozen out of the garbage collector (`gc.freeze`), so no
full collection of them (0.15-0.3 s holding the interpreter) falls in the first page's run; and it
does not watch the source files (`server.fileWatcherType = "none"`), which spent about 0.25 s after
each session's first run on the event loop resolving every imported module's path. `streamlit run
app.py` still watches them (edit a page and rerun there).
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import gc
import importlib
import importlib.util
import sys
import time
import traceback
from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent.parent
APP = ROOT / "app.py"
PAGES = Path(__file__).resolve().parent / "pages"
# Streamlit's settings for the served app: no file watcher (the module's docstring says why) and no
# usage statistics, which the page would have the analyst's browser send to Streamlit's servers
# (.streamlit/config.toml turns them off for `streamlit run app.py`)
CONFIG = {"server.headless": True, "server.fileWatcherType": "none", "browser.gatherUsageStats": False}


def page_imports() -> list[str]:
    """The modules `app.py` and every page script import (absolute imports only; ``from package
    import module`` counts the module), sorted."""
    names = set()
    for path in [APP, *sorted(PAGES.glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{a.name}" for a in node.names if _is_module(f"{node.module}.{a.name}"))
    return sorted(names)


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # the parent is a module, not a package
        return False


def warm() -> str:
    """Import the pages' modules and warm the first page (``warm_start``); returns what was done.
    Never raises: warming only saves the first visitor time, so whatever fails here (a bad data or
    prior file, a page module that does not import, a damaged store) is reported in the line, its
    traceback printed, and the server starts anyway; the page then meets the same fault and shows it."""
    t = time.perf_counter()
    try:
        for name in page_imports():
            importlib.import_module(name)
        from forecast.app.common import warm_start

        done = warm_start()
    except Exception as exc:
        from forecast.core.errors import InputError

        if not isinstance(exc, InputError):
            traceback.print_exc(file=sys.stderr)
        done = f"not warmed ({type(exc).__name__}: {exc})"
    return f"{done}; {time.perf_counter() - t:.1f} s"


def freeze() -> None:
    """Move every object alive now (the imported modules, the data, the fit) out of the garbage
    collector's reach: a full collection no longer walks them, and one would otherwise come due
    during the first page's run, holding the interpreter while the browser waits for its scripts."""
    gc.collect()
    gc.freeze()


@asynccontextmanager
async def lifespan(_app):
    """Streamlit's start-up hook: the server accepts connections once this has yielded."""
    print(f"forecast.app.serve: {await asyncio.to_thread(warm)}", file=sys.stderr, flush=True)
    freeze()
    yield


def main(argv: list[str] | None = None) -> None:
    """Parse the address and port and serve the app until stopped."""
    parser = argparse.ArgumentParser(prog="python -m forecast.app.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    args = parser.parse_args(argv)
    app = st.App(APP, lifespan=lifespan)  # made here: constructing one sets Streamlit's process-wide script path
    app.run(config=CONFIG | {"server.address": args.address, "server.port": args.port})


if __name__ == "__main__":
    main()
