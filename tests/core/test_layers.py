"""The package's layers: core < data < model < answers < workspace < evaluation < cli, app. A module
imports only from its own layer or below (at the top or inside a function; `if TYPE_CHECKING:`
imports excepted), no module takes part in an import cycle, and loading the data, an evidence set
and a scenario file, or answering from a stored fit, never imports PyMC, PyTensor or ArviZ."""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGE = ROOT / "forecast"
LAYERS = ("core", "data", "model", "answers", "workspace", "evaluation", "cli", "app")
#: cli and app are both the top: neither may import the other.
RANK = {name: min(i, LAYERS.index("cli")) for i, name in enumerate(LAYERS)}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> str | None:
    """The layer of a module: forecast.<layer>...; the package's own __init__/__main__ have none."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def resolve(module: str, node: ast.ImportFrom | ast.Import, here: str) -> list[str]:
    """The forecast modules an import statement loads (``from forecast.x import y`` loads the
    module forecast.x.y when y is a module, else forecast.x)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "forecast"]
    base = node.module or ""
    if node.level:  # relative import
        parts = here.split(".")
        package = parts[: len(parts) - node.level + (1 if MODULES[here].name == "__init__.py" else 0)]
        base = ".".join([*package, base] if base else package)
    if base.split(".")[0] != "forecast":
        return []
    out = []
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        out.append(sub if sub in MODULES else base)
    return out


def imports_of(module: str) -> list[tuple[str, int]]:
    """(imported forecast module, line) for every import in a module, wherever it is, except under
    ``if TYPE_CHECKING:``."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.extend((target, node.lineno) for target in resolve(module, node, module))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


GRAPH = {m: imports_of(m) for m in MODULES}


def test_the_import_graph_sees_the_package():
    """A guard for the test itself: every layer is found, and imports inside functions count."""
    assert {layer(m) for m in MODULES} - {None} == set(LAYERS)
    lazy = {target for target, _ in GRAPH["forecast.model.fitted"]}
    assert {"forecast.model.sampling", "forecast.model.graph", "forecast.model.features"} <= lazy  # in get()
    assert all(target in MODULES for targets in GRAPH.values() for target, _ in targets)


def test_every_module_imports_only_from_its_layer_or_below():
    violations = []
    for module, targets in GRAPH.items():
        mine = layer(module)
        if mine is None:
            continue
        for target, line in targets:
            theirs = layer(target)
            if theirs is None:
                continue
            upward = RANK[theirs] > RANK[mine]
            across = {mine, theirs} == {"cli", "app"}
            if upward or across:
                violations.append(f"{MODULES[module].relative_to(ROOT)}:{line} ({mine}) imports {target} ({theirs})")
    assert not violations, "imports against the layer order:\n" + "\n".join(sorted(violations))


def test_there_is_no_import_cycle():
    """Strongly connected components of the module graph (Tarjan), imports inside functions
    included: each must be a single module."""
    edges = {m: sorted({t for t, _ in targets if t != m}) for m, targets in GRAPH.items()}
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []
    counter = [0]

    def strongconnect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            strongconnect(v)
    self_imports = [m for m, targets in GRAPH.items() if any(t == m for t, _ in targets)]
    assert not self_imports, f"modules importing themselves: {self_imports}"
    assert not cycles, f"import cycles: {sorted(cycles)}"


LIGHT = r"""
import json, sys
from pathlib import Path
from forecast.data.dataset import load_dataset
from forecast.workspace import evidence_sets, scenario_files
from forecast.answers.questions import make_question, parse_evidence, read_questions
from forecast.answers.answerer import Answerer
from forecast.answers.answer import answer
from forecast.model.fitted import FitStore, identity, prior_fit

ds = load_dataset()
sets, errors = evidence_sets.list_sets(Path(sys.argv[1]))
tree = scenario_files.load(scenario_files.SCENARIO_DIR / "post-summit-failure.toml")
loaded = {"events": len(ds.events), "sets": [s.name for _, s in sets], "errors": len(errors), "tree": tree.tree.name}
HEAVY = ("pymc", "pytensor", "arviz", "arviz_base", "arviz_stats")
heavy = {"inputs": sorted(m for m in HEAVY if m in sys.modules)}
if len(sys.argv) > 2:  # answer from a stored fit: load it from disk and answer a question
    from forecast.model.priors import load_priors
    priors = load_priors()
    as_of = sys.argv[3]
    stored = prior_fit(priors, as_of, n=100, seed=5, ds=ds).identity  # the identity of the fit on disk
    fit = FitStore(sys.argv[2]).load(stored)
    question = make_question(as_of, "space_launch", 30)
    loaded["fit"] = None if fit is None else answer(Answerer(ds, priors, fit), question)["probability"]
heavy["answers"] = sorted(m for m in HEAVY if m in sys.modules)
print(json.dumps({"loaded": loaded, "heavy": heavy}))
"""


def _light_run(*args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORECAST_")}
    out = subprocess.run(
        [sys.executable, "-c", LIGHT, *args], capture_output=True, text=True, timeout=300, cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.splitlines()[-1])


def test_loading_inputs_and_answering_from_a_stored_fit_never_import_the_sampler(tmp_path, ds, priors):
    from forecast.model.fitted import FitStore, prior_fit
    from forecast.workspace import evidence_sets

    evidence_sets.save(evidence_sets.EvidenceSet(name="Leap Day", as_of=dt.date(2012, 3, 17)), tmp_path / "sets")
    # a stored fit (draws from the prior file: what is loaded is a fit file like any other)
    FitStore(tmp_path / "fits").save(prior_fit(priors, "2012-03-17", n=100, seed=5, ds=ds))
    report = _light_run(str(tmp_path / "sets"), str(tmp_path / "fits"), "2012-03-17")
    loaded = report["loaded"]
    assert loaded["sets"] == ["Leap Day"] and loaded["errors"] == 0 and loaded["events"] > 100
    assert loaded["tree"] and loaded["fit"] is not None and 0 < loaded["fit"] < 1  # the fit was read and used
    heavy = report["heavy"]
    assert heavy["inputs"] == [], f"loading data, an evidence set and a scenario file imported {heavy['inputs']}"
    assert heavy["answers"] == [], f"answering from a stored fit imported {heavy['answers']}"
