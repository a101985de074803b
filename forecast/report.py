"""Back-test outputs: forecasts.csv, scores.csv, skill.csv, reliability.csv, PNG plots, report.md
and manifest.json, each written atomically."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from .atomic import write_atomic  # noqa: E402
from .scoring import reliability, scores_table, skill_table  # noqa: E402


def _csv(frame: pd.DataFrame, path: Path) -> None:
    write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False))


def _png(fig, path: Path) -> None:
    write_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight"))
    plt.close(fig)


def reliability_plot(scored: pd.DataFrame, event: str, path: Path) -> pd.DataFrame:
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
    g = scored[(scored["event"] == event) & (scored["window_days"] == window)]
    g = g[g["priors"] == g["priors"].iloc[0]]
    x = pd.to_datetime(g["origin"])
    fig, ax = plt.subplots(figsize=(11, 3))
    ax.fill_between(x, g["lower"], g["upper"], alpha=0.2, label="model 90% interval")
    ax.plot(x, g["model"], lw=1.2, label="model")
    ax.plot(x, g["no_signals"], lw=0.8, ls=":", label="no signals")
    ax.plot(x, g["climatology"], lw=0.8, ls="--", label="climatology")
    hit = g["outcome"] == 1
    ax.scatter(x[hit], [1.02] * int(hit.sum()), marker="|", color="red", s=40, label="event in window")
    ax.set_ylim(0, 1.06)
    ax.set_title(f"P({event} within {window} days) at each origin")
    ax.legend(fontsize=7, ncol=5, loc="upper left")
    _png(fig, path)


def _md(frame: pd.DataFrame) -> str:
    return frame.to_markdown(index=False, floatfmt=".3f")


def write_outputs(frame: pd.DataFrame, out: Path, config, seconds: float | None = None, data_dir=None) -> None:
    from .backtest import manifest

    out = Path(out)
    _csv(frame, out / "forecasts.csv")
    scored = frame.dropna(subset=["outcome"]).copy()
    scored["outcome"] = scored["outcome"].astype(int)
    scores = scores_table(scored)
    _csv(scores, out / "scores.csv")
    skill = skill_table(scored)
    _csv(skill, out / "skill.csv")
    rel = []
    plots = []
    for event in config.events:
        rel.append(reliability_plot(scored, event, out / f"reliability_{event}.png"))
        path_plot(scored, event, 90 if 90 in config.windows else config.windows[0], out / f"path_{event}.png")
        plots.append(event)
    _csv(pd.concat(rel, ignore_index=True), out / "reliability.csv")
    man = manifest(config, data_dir, seconds)
    write_atomic(out / "manifest.json", lambda tmp: tmp.write_text(json.dumps(man, indent=2)))
    pivot = (
        skill[skill["baseline"].isin(["climatology", "no_signals"])]
        .pivot_table(index=["priors", "event", "window_days"], columns="baseline", values="brier_skill", sort=False)
        .reset_index()
    )
    lines = [
        "# Back-test report",
        "",
        f"Data hash `{man['data_hash']}`, model version {man['model_version']}, priors "
        + ", ".join(f"`{k}` ({v})" for k, v in man["priors"].items())
        + f", seed {config.seed}, origins {config.origins} from {config.start} to {config.end}, refit {config.refit}, "
        f"sampler {config.settings.chains} chains x {config.settings.draws} draws ({config.settings.tune} tuning). "
        f"Run took {seconds or 0:.0f} s. Only closed windows are scored: {len(scored)} forecasts.",
        "",
        "## Brier skill of the model (1 - Brier_model / Brier_baseline; above 0 = better than the baseline)",
        "",
        _md(pivot),
        "",
        "## Scores by forecaster",
        "",
        _md(scores),
        "",
        "## Brier difference model - baseline, with 90% bootstrap interval over origins (negative = model better)",
        "",
        _md(skill[["priors", "event", "window_days", "baseline", "brier_diff", "diff_lo90", "diff_hi90", "n"]]),
        "",
        "## Reliability (quantile bins; the numbers on the model's points are the forecasts in each bin)",
        "",
    ]
    lines += [f"![reliability {e}](reliability_{e}.png)\n" for e in plots]
    lines += ["## Forecast paths", ""] + [f"![path {e}](path_{e}.png)\n" for e in plots]
    write_atomic(out / "report.md", lambda tmp: tmp.write_text("\n".join(lines)))
