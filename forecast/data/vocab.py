"""The shared vocabulary: event types, signals and their levels (DESIGN.md section 3)."""

from __future__ import annotations

from dataclasses import dataclass

#: Event types stored in data/events.csv.
RECORDED_EVENTS: tuple[str, ...] = ("space_launch", "ballistic_missile", "nuclear_test", "engine_test")

#: Event types a question may ask about.
QUESTION_EVENTS: tuple[str, ...] = (
    "space_launch",
    "long_range_missile",
    "ballistic_missile",
    "nuclear_test",
    "engine_test",
    "any",
)

#: Missile classes that make a ballistic-missile day a long-range one.
LONG_RANGE_CLASSES: frozenset[str] = frozenset({"IRBM", "ICBM"})
MISSILE_CLASSES: tuple[str, ...] = ("SRBM", "MRBM", "IRBM", "ICBM", "SLBM", "HGV", "unknown")

#: The model works on disjoint components; question types are unions of them.
COMPONENTS: tuple[str, ...] = (
    "space_launch",
    "long_range_missile",
    "other_ballistic",
    "nuclear_test",
    "engine_test",
)
QUESTION_COMPONENTS: dict[str, tuple[str, ...]] = {
    "space_launch": ("space_launch",),
    "long_range_missile": ("long_range_missile",),
    "ballistic_missile": ("long_range_missile", "other_ballistic"),
    "nuclear_test": ("nuclear_test",),
    "engine_test": ("engine_test",),
    "any": COMPONENTS,
}
#: Which components a signal record about an event type applies to.
SCOPE_COMPONENTS: dict[str, tuple[str, ...]] = {
    "space_launch": ("space_launch",),
    "long_range_missile": ("long_range_missile",),
    "ballistic_missile": ("long_range_missile", "other_ballistic"),
    "nuclear_test": ("nuclear_test",),
    "engine_test": ("engine_test",),
    "all": COMPONENTS,
}


@dataclass(frozen=True)
class Signal:
    name: str
    levels: tuple[str, ...]
    neutral: str
    meaning: str
    level_meanings: dict[str, str]


SIGNALS: dict[str, Signal] = {
    s.name: s
    for s in (
        Signal(
            "site_activity",
            ("none", "preparation", "imminent"),
            "none",
            "activity at the site the event type uses",
            {
                "none": "nothing unusual reported",
                "preparation": "preparation seen (assembly, tunnel work, pad work, transporters)",
                "imminent": "final steps seen (rocket on pad, fuelling, tunnel sealed, launcher at the launch point)",
            },
        ),
        Signal(
            "announcement",
            ("none", "plan", "issued", "notice"),
            "none",
            "a public notice of a launch or test window, or a declared intent or plan to launch or test, still current",
            {
                "none": "no current notice or declared plan",
                "plan": "a declared intent or plan without dates (or with only a month or year)",
                "issued": "a notice or a plan, not said which (answered as their mixture, weighted by the record)",
                "notice": "a window notified to the IMO, the Japan Coast Guard or ICAO, or announced with dates",
            },
        ),
        Signal(
            "rhetoric",
            ("conciliatory", "neutral", "threatening"),
            "neutral",
            "tone of official statements in recent weeks",
            {
                "conciliatory": "offers of talks, restraint",
                "neutral": "routine",
                "threatening": "explicit warnings, deadlines, threats of tests",
            },
        ),
        Signal(
            "sanctions",
            ("easing", "steady", "tightening"),
            "steady",
            "direction of recent sanctions action",
            {
                "easing": "relief, aid or weakened enforcement",
                "steady": "no recent change",
                "tightening": "new UN resolutions or US measures",
            },
        ),
        Signal(
            "negotiation",
            ("engaged", "stalled", "collapsed"),
            "stalled",
            "state of talks with the US / ROK",
            {
                "engaged": "talks or a deal in progress",
                "stalled": "no active talks",
                "collapsed": "talks broke down in the past year",
            },
        ),
        Signal(
            "moratorium",
            ("none", "in_force"),
            "none",
            "a declared DPRK moratorium covering the event type (project addition)",
            {"none": "no declared moratorium", "in_force": "a declared moratorium is in force"},
        ),
    )
}

SIGNAL_SCOPES: tuple[str, ...] = tuple(SCOPE_COMPONENTS)

#: Direct warnings: the signals whose non-neutral levels are modelled as warnings with a hit rate
#: and a lead time (see forecast/warnings.py), and the kind of warning each level is.
WARNING_SIGNALS: tuple[str, ...] = ("site_activity", "announcement")
WARNING_KINDS: tuple[str, ...] = ("notice", "plan", "imminent", "preparation")
KIND_OF_LEVEL: dict[tuple[str, str], str] = {
    ("announcement", "notice"): "notice",
    ("announcement", "plan"): "plan",
    ("site_activity", "imminent"): "imminent",
    ("site_activity", "preparation"): "preparation",
}
#: A level that stands for "one of these, not said which": answered as their mixture.
MIXED_LEVELS: dict[tuple[str, str], tuple[str, str]] = {("announcement", "issued"): ("notice", "plan")}
#: Context signals: their levels shift the background hazard (odds ratios).
CONTEXT_SIGNALS: tuple[str, ...] = tuple(s for s in SIGNALS if s not in WARNING_SIGNALS)
#: Levels the project's data files may record (a mixed level is for analysts, not for the record).
RECORD_LEVELS: dict[str, tuple[str, ...]] = {
    name: tuple(lv for lv in s.levels if (name, lv) not in MIXED_LEVELS) for name, s in SIGNALS.items()
}


def split_level(text: str) -> tuple[str, tuple[str, str] | None]:
    """'notice@2012-04-12/2012-04-16' -> ('notice', ('2012-04-12', '2012-04-16')); a level without a
    window -> (level, None). Only splits: checking the level and the dates is the parser's job."""
    level, sep, window = text.partition("@")
    if not sep:
        return level.strip(), None
    first, _, last = window.partition("/")
    return level.strip(), (first.strip(), last.strip())


def base_level(text: str) -> str:
    """The vocabulary level of an evidence level that may carry a window."""
    return split_level(text)[0]
