"""Answering from a cached fit: a batch of 1,000 evidence variants at one as-of date against a
batch of 1. Prints both times and the difference (target: under 1 s more)."""

import itertools
import time

from forecast.answers.answer import answer
from forecast.answers.answerer import Answerer
from forecast.answers.questions import make_question
from forecast.answers.service import context

AS_OF = "2019-03-10"
ctx = context()
fit = ctx.fit(AS_OF)  # from the cache after the first run
levels = {
    "site_activity": ["none", "preparation", "imminent", "preparation:0.6"],
    "announcement": ["none", "issued", "issued:0.5"],
    "rhetoric": ["conciliatory", "neutral", "threatening"],
    "sanctions": ["easing", "steady", "tightening"],
    "negotiation": ["engaged", "stalled", "collapsed"],
    "moratorium": ["none", "in_force"],
}
combos = list(itertools.product(*[[f"{s}={lv}" for lv in lvs] for s, lvs in levels.items()]))
events = ["space_launch", "long_range_missile", "ballistic_missile", "nuclear_test", "engine_test", "any"]
pairs = [(c, e) for c in combos for e in events]
questions = [make_question(AS_OF, e, 90, ";".join(c)) for c, e in pairs[:: len(pairs) // 1000][:1000]]
assert len(questions) == 1000


def run(qs):
    answerer = Answerer(ctx.ds, ctx.priors, fit)  # fresh: no answers cached between runs
    t = time.perf_counter()
    for q in qs:
        answer(answerer, q)
    return time.perf_counter() - t


run(questions[:1])  # warm imports
one = min(run(questions[:1]) for _ in range(3))
many = run(questions)
print(f"fit as of {AS_OF}: {fit.posterior.n_draws} draws ({'cache' if fit.from_cache else 'new fit'})")
print(f"batch of 1 question:     {one:.3f} s")
print(f"batch of 1000 variants:  {many:.3f} s  (difference {many - one:.3f} s; target < 1 s)")
