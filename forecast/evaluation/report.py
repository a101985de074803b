"""Back-test outputs: forecasts.csv, scores.csv, skill.csv, reliability.csv, PNG plots, report.md
and manifest.json, each written atomically.

Routine and warning origins are scored apart: scores.csv, skill.csv and reliability.csv carry an
``origin_kind`` column (``routine`` or ``warning``; an origin that is both counts in each), and the
routine rows are the scores of the calendar grid alone, as before warning origins existed."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from forecast.core.atomic import write_atomic  # noqa: E402
from forecast.data.dataset import load_dataset  # noqa: E402
from forecast.evaluation.scoring import (  # noqa: E402
    by_origin_kind,
    difference_comparison,
    kind_comparison,
    reliability,
    scores_table,
    select_origins,
    skill_table,
)
from forecast.evaluation.warning_origins import warning_levels_text  # noqa: E402
from forecast.model.fitted import identity  # noqa: E402
from forecast.model.priors import load_priors  # noqa: E402


def _csv(frame: pd.DataFrame, path: Path) -> None:
    write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False))


def _png(fig, path: Path) -> None:
    write_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight"))
    plt.close(fig)


def reliability_plot(scored: pd.DataFrame, event: str, path: Path) -> pd.DataFrame:
    """Plot the reliability of the model and baselines for one event type, one panel per window, to ``path``;
    returns its table."""
    g = scored[scored["event"] == event]
    windows = sorted(g["window_days"].unique())
    fig, axes = plt.subplots(1, len(windows), figsize=(3.2 * len(windows), 3.3), sharey=True)
    axes = [axes] if len(windows) == 1 else axes
    tables = []
    for ax, w in zip(axes, windows, strict=True):
        gw = g[g["window_days"] == w]
        ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--")
        for f, style in (("model", "o-"), ("climatology", "s:"), ("no_signals", "^:")):
            r = reliability(gw["outcome"], gw[f])
            r.insert(0, "forecaster", f)
            r.insert(0, "window_days", w)
            r.insert(0, "event", event)
            tables.append(r)
            ax.plot(r["forecast"], r["observed"], style, label=f, ms=4)
            if f == "model":
                for _, b in r.iterrows():
                    ax.annotate(
                        str(b["count"]),
                        (b["forecast"], b["observed"]),
                        fontsize=6,
                        xytext=(2, 2),
                        textcoords="offset points",
                    )
        ax.set_title(f"{event}, {w} days")
        ax.set_xlabel("forecast probability")
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.02, 1.02)
    axes[0].set_ylabel("observed frequency")
    axes[-1].legend(fontsize=7, loc="upper left")
    _png(fig, path)
    return pd.concat(tables, ignore_index=True)


def path_plot(scored: pd.DataFrame, event: str, window: int, path: Path) -> None:
    """The forecast path at routine origins, with the forecasts at warning origins as points."""
    g = scored[(scored["event"] == event) & (scored["window_days"] == window)]
    g = g[g["priors"] == g["priors"].iloc[0]]
    warn = select_origins(g, "warning")
    g = select_origins(g, "routine")
    x = pd.to_datetime(g["origin"])
    fig, ax = plt.subplots(figsize=(11, 3))
    ax.fill_between(x, g["lower"], g["upper"], alpha=0.2, label="model 90% interval")
    ax.plot(x, g["model"], lw=1.2, label="model")
    ax.plot(x, g["no_signals"], lw=0.8, ls=":", label="no signals")
    ax.plot(x, g["climatology"], lw=0.8, ls="--", label="climatology")
    if not warn.empty:
        ax.scatter(
            pd.to_datetime(warn["origin"]),
            warn["model"],
            s=14,
            color="darkorange",
            zorder=3,
            label="model at warning origins",
        )
    hit = g["outcome"] == 1
    ax.scatter(x[hit], [1.02] * int(hit.sum()), marker="|", color="red", s=40, label="event in window")
    ax.set_ylim(0, 1.06)
    ax.set_title(f"P({event} within {window} days) at each origin")
    ax.legend(fontsize=7, ncol=6, loc="upper left")
    _png(fig, path)


def _md(frame: pd.DataFrame) -> str:
    return frame.to_markdown(index=False, floatfmt=".3f")


def _reliability_png(event: str, kind: str) -> str:
    return f"reliability_{event}.png" if kind == "routine" else f"reliability_{event}_{kind}.png"


def _interval(frame: pd.DataFrame, kind: str) -> pd.Series:
    d, lo, hi = (frame[f"{kind} {c}"] for c in ("brier_diff", "diff_lo90", "diff_hi90"))
    return d.map("{:+.3f}".format) + " [" + lo.map("{:+.3f}".format) + ", " + hi.map("{:+.3f}".format) + "]"


def warning_origin_table(frame: pd.DataFrame, signals: pd.DataFrame | None) -> pd.DataFrame:
    """One row per warning origin: its day, whether it is also a routine origin, and its records."""
    w = select_origins(frame, "warning").drop_duplicates("origin")[["origin", "origin_kind", "warning_records"]]
    if signals is not None:
        by_id = signals.set_index("id")

        def describe(ids: str) -> str:
            return "; ".join(
                f"{i} {by_id.at[i, 'signal']}={by_id.at[i, 'level']} ({by_id.at[i, 'events']})"
                if i in by_id.index
                else i
                for i in ids.split(";")
            )

        w = w.assign(warning_records=w["warning_records"].map(describe))
    return w.rename(columns={"origin_kind": "kind"}).reset_index(drop=True)


#: The first origin of the forward period: the record reached 2024-12-31 when the model and its
#: warning coding were written, so windows from here on are scored out of sample.
FORWARD_FROM = pd.Timestamp("2025-01-01")


def write_outputs(frame: pd.DataFrame, out: Path, config, seconds: float | None = None, data_dir=None) -> None:
    """Write every back-test output (forecasts, scores, skill, reliability, plots, manifest, report.md) to ``out``."""
    out = Path(out)
    if "origin_kind" not in frame:  # a table from before warning origins: all routine
        frame = frame.assign(origin_kind="routine", warning_records="")
    _csv(frame, out / "forecasts.csv")
    scored = frame.dropna(subset=["outcome"]).copy()
    scored["outcome"] = scored["outcome"].astype(int)
    scores = by_origin_kind(scored, scores_table)
    _csv(scores, out / "scores.csv")
    skill = by_origin_kind(scored, skill_table)
    _csv(skill, out / "skill.csv")
    kinds = list(dict.fromkeys(skill["origin_kind"]))
    rel = []
    plots = []
    for event in config.events:
        for kind in kinds:
            t = reliability_plot(select_origins(scored, kind), event, out / _reliability_png(event, kind))
            t.insert(0, "origin_kind", kind)
            rel.append(t)
        path_plot(scored, event, 90 if 90 in config.windows else config.windows[0], out / f"path_{event}.png")
        plots.append(event)
    _csv(pd.concat(rel, ignore_index=True), out / "reliability.csv")
    man = manifest(config, data_dir, seconds)
    write_atomic(out / "manifest.json", lambda tmp: tmp.write_text(json.dumps(man, indent=2)))
    n_origins = {k: select_origins(scored, k)["origin"].nunique() for k in ("routine", "warning")}
    n_both = scored.loc[scored["origin_kind"] == "both", "origin"].nunique()
    lines = [
        "# Back-test report",
        "",
        f"Data hash `{man['data_hash']}`, model version {man['model_version']}, priors "
        + ", ".join(f"`{k}` ({v})" for k, v in man["priors"].items())
        + f", seed {config.seed}, origins {config.origins} from {config.start} to "
        f"{config.end or 'the end of the record'}, refit {config.refit}, "
        f"sampler {config.settings.chains} chains x {config.settings.draws} draws ({config.settings.tune} tuning). "
        f"Run took {seconds or 0:.0f} s. Only closed windows are scored: {len(scored)} forecasts at "
        f"{n_origins['routine']} routine and {n_origins['warning']} warning origins ({n_both} both).",
        "",
        "Routine origins follow the calendar; warning origins are the publication days of direct-warning records "
        f"({warning_levels_text()}), answered with the evidence and events known that day. An origin that is both "
        "is scored with each kind."
        + ("" if config.warning_origins else " This run has no warning origins (--no-warning-origins)."),
        "",
    ]
    if len(kinds) > 1:
        diffs = difference_comparison(skill)
        shown = diffs[["priors", "event", "window_days", "baseline"]].copy()
        for kind in kinds:
            shown[f"{kind}: diff [90% interval]"] = _interval(diffs, kind)
        lines += [
            "## Routine and warning origins side by side",
            "",
            "Brier score of the model and its Brier skill (1 - Brier_model / Brier_baseline; above 0 = better than "
            "the baseline), by kind of origin. Warning origins are few: read their intervals below.",
            "",
            _md(kind_comparison(scores, skill)),
            "",
            "Brier difference model - baseline with a 90% bootstrap interval over origins (negative = model better):",
            "",
            _md(shown),
            "",
        ]
    if "warning" in kinds:
        lines += [
            "## Warning origins and their records",
            "",
            _md(warning_origin_table(frame, load_dataset(data_dir).signals)),
            "",
        ]
    for kind in kinds:
        k_skill = skill[skill["origin_kind"] == kind].drop(columns="origin_kind")
        k_scores = scores[scores["origin_kind"] == kind].drop(columns="origin_kind")
        pivot = (
            k_skill[k_skill["baseline"].isin(["climatology", "no_signals"])]
            .pivot_table(index=["priors", "event", "window_days"], columns="baseline", values="brier_skill", sort=False)
            .reset_index()
        )
        lines += [
            f"## {kind.capitalize()} origins",
            "",
            "### Brier skill of the model (1 - Brier_model / Brier_baseline; above 0 = better than the baseline)",
            "",
            _md(pivot),
            "",
            "### Scores by forecaster",
            "",
            _md(k_scores),
            "",
            "### Brier difference model - baseline, with 90% bootstrap interval over origins (negative = model better)",
            "",
            _md(k_skill[["priors", "event", "window_days", "baseline", "brier_diff", "diff_lo90", "diff_hi90", "n"]]),
            "",
        ]
    forward = scored[pd.to_datetime(scored["origin"]) >= FORWARD_FROM]
    if len(forward):
        f_scores = by_origin_kind(forward, scores_table)
        f_skill = by_origin_kind(forward, skill_table)
        _csv(f_scores, out / "scores_forward.csv")
        _csv(f_skill, out / "skill_forward.csv")
        pooled = f_skill[f_skill["event"] == "all"]
        lines += [
            f"## The forward period: origins from {FORWARD_FROM.date()}",
            "",
            "Every refit before 2025 was made before these windows were recorded, and the model, priors and "
            "warning coding were written without them: the first true test out of sample. Few windows, so read "
            "the intervals.",
            "",
            _md(f_scores[f_scores["event"] == "all"]),
            "",
            _md(
                pooled[
                    ["priors", "origin_kind", "baseline", "brier_skill", "brier_diff", "diff_lo90", "diff_hi90", "n"]
                ]
            ),
            "",
        ]
    lines += [
        "## Reliability (quantile bins; the numbers on the model's points are the forecasts in each bin)",
        "",
    ]
    for e in plots:
        lines += [f"![reliability {e} at {kind} origins]({_reliability_png(e, kind)})\n" for kind in kinds]
    lines += ["## Forecast paths (points: the model at warning origins)", ""] + [
        f"![path {e}](path_{e}.png)\n" for e in plots
    ]
    write_atomic(out / "report.md", lambda tmp: tmp.write_text("\n".join(lines)))


def manifest(config, data_dir=None, seconds: float | None = None) -> dict:
    """The run's manifest: when it was made, its configuration, the data and prior hashes, the model
    version, the software versions and the run time."""
    import importlib.metadata as md
    import platform

    ds = load_dataset(data_dir)
    idents = [identity(ds, load_priors(p), config.settings, config.seed) for p in config.priors]
    versions = {}
    for pkg in ("pymc", "pytensor", "arviz", "numpy", "pandas", "scikit-learn", "nk-forecast"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    return {
        "created": pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"),
        "config": json.loads(json.dumps(asdict(config), default=str)),
        "data_hash": idents[0].data_hash,
        "priors": {i.priors_file: i.priors_hash for i in idents},
        "model_version": idents[0].model_version,
        "python": platform.python_version(),
        "software": versions,
        "seconds": seconds,
    }
