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
            ("none", "issued"),
            "none",
            "a public notice of a launch window, or a declared intent or plan to launch or test, still current",
            {"none": "no current notice or declared plan", "issued": "a notice or declared plan is current"},
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
