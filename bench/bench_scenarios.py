"""A scenario tree of ten branches over all six event types and four windows, answered from a
cached fit: branches, mixture, status quo and the sensitivity table. Target: under 1 s."""

import time

from forecast.answers import scenarios as sc
from forecast.answers.answerer import Answerer
from forecast.answers.service import context
from forecast.workspace import scenario_files as sf

AS_OF = "2019-03-01"
LEVELS = [
    {"negotiation": "collapsed", "rhetoric": "threatening:0.7"},
    {"negotiation": "engaged"},
    {"site_activity": "preparation:0.6"},
    {"site_activity": "imminent", "announcement": "issued"},
    {"moratorium": "none", "rhetoric": "threatening"},
    {"sanctions": "tightening"},
    {"sanctions": "easing", "negotiation": "engaged", "rhetoric": "conciliatory"},
    {"announcement": "issued:0.5"},
    {"moratorium": "in_force", "negotiation": "engaged"},
    {"rhetoric": "neutral", "sanctions": "steady"},
]
raw = {
    "tree": {"name": "Ten branches", "description": "bench"},
    "branches": {
        f"b{i}": {"title": f"branch {i}", "probability": 0.1, "rationale": "bench", "evidence": ev,
                  "takes_effect_after_days": 30 * (i % 3)}
        for i, ev in enumerate(LEVELS)
    },
}  # fmt: skip
tree = sf.validate(raw, sf.SCENARIO_DIR / "bench.toml")
ctx = context()
fit = ctx.fit(AS_OF)  # from the disk cache after the first run
print(f"fit as of {fit.as_of}: {fit.posterior.n_draws} draws ({'cache' if fit.from_cache else 'new fit'})")
times = []
for _ in range(3):
    answerer = Answerer(ctx.ds, ctx.priors, fit)  # fresh: nothing cached between runs
    t = time.perf_counter()
    long = sc.evaluate(tree, answerer)
    sens = sc.sensitivity(tree, answerer)
    times.append(time.perf_counter() - t)
print(f"{len(tree.branches)} branches x 6 event types x 4 windows: {len(long)} rows + {len(sens)} sensitivity rows")
print(f"answer time from a cached fit: best {min(times):.3f} s, worst {max(times):.3f} s (target < 1 s)")
