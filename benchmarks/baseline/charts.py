"""The baseline's charts script, as a Quarto user would write it: pyplot, one PNG per chart, timed.

    python charts.py charts.json OUTDIR

Reads the numbers prepared (untimed) by make_inputs.py and draws each chart with Matplotlib at
200 dpi, the resolution of report_builder's deck PNGs. Only PNGs: pandoc needs nothing else.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

DPI = 200
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]


def _hbars(ax, rows, xlabel, log=False):
    labels = [r["label"] for r in rows][::-1]
    values = [r["value"] for r in rows][::-1]
    ys = range(len(rows))
    if log:
        for y, r in zip(ys, rows[::-1]):
            if r.get("low") is not None:
                ax.plot([r["low"], r["high"]], [y, y], color="#1A1A1A", lw=1.2)
            ax.plot(r["value"], y, "s", color=COLOURS[0], ms=7)
        ax.axvline(1, color="#5F6B76", lw=0.8, ls="--")
        ax.set_xscale("log")
    else:
        ax.barh(list(ys), values, color=[COLOURS[i % 2] for i in range(len(rows))][::-1])
        for y, r in zip(ys, rows[::-1]):
            if r.get("low") is not None:
                ax.plot([r["low"], r["high"]], [y, y], color="#1A1A1A", lw=1.2)
    for y, r in zip(ys, rows[::-1]):
        ax.annotate(r["text"], xy=(1.02, y), xycoords=("axes fraction", "data"), va="center", fontsize=7)
    ax.set_yticks(list(ys), labels, fontsize=8)
    ax.set_xlabel(xlabel)
    ax.spines[["top", "right"]].set_visible(False)


def draw(spec: dict, out: Path) -> None:
    kind = spec["kind"]
    if kind == "response":
        rows = [dict(r, label=f"{g['label']}\n{r['label']}") for g in spec["groups"] for r in g["rows"]]
        fig, ax = plt.subplots(figsize=(9, 0.45 * len(rows) + 1.2))
        _hbars(ax, rows, "Patients responding (%)")
        ax.set_xlim(0, 100)
    elif kind == "forest":
        fig, ax = plt.subplots(figsize=(9, 0.45 * len(spec["rows"]) + 1.2))
        _hbars(ax, spec["rows"], "Ratio (log scale)", log=True)
    elif kind == "time_to_event":
        fig, ax = plt.subplots(figsize=(9, 0.4 * len(spec["rows"]) + 1.2))
        _hbars(ax, spec["rows"], "Median (months)")
    elif kind == "adverse_events":
        fig, ax = plt.subplots(figsize=(9, 0.3 * len(spec["rows"]) + 1.2))
        _hbars(ax, spec["rows"], "Patients with the event (%)")
    elif kind == "timeline":
        import datetime as dt

        events = spec["events"]
        dates = [dt.date.fromisoformat(e["date"]) for e in events]
        fig, ax = plt.subplots(figsize=(9, 2.4))
        ax.plot(dates, [0] * len(dates), "-o", color=COLOURS[0])
        for i, (d, e) in enumerate(zip(dates, events)):
            ax.annotate(f"{e['date']}\n{e['label']}", (d, 0), xytext=(0, 18 if i % 2 == 0 else -34),
                        textcoords="offset points", ha="center", fontsize=7)
        ax.set_yticks([])
        ax.spines[["top", "right", "left"]].set_visible(False)
    elif kind == "flow":
        stages = spec["stages"]
        fig, ax = plt.subplots(figsize=(9, 1.1 * len(stages) + 0.6))
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(0, len(stages))
        for i, stage in enumerate(stages):
            y = len(stages) - i - 0.5
            counts = "   ".join(f"{arm}: {n}" for arm, n in stage["counts"].items())
            ax.text(0.5, y, f"{stage['stage']}\n{counts}", ha="center", va="center", fontsize=9,
                    bbox={"boxstyle": "round", "facecolor": "#EEF3F8", "edgecolor": "#1F3A5F"})
            if i:
                ax.annotate("", xy=(0.5, y + 0.3), xytext=(0.5, y + 0.7), arrowprops={"arrowstyle": "->"})
    else:
        raise ValueError(f"unknown chart kind {kind!r}")
    ax.set_title(spec["title"], loc="left", fontsize=11)
    fig.tight_layout()
    fig.savefig(out / f"{spec['id']}.png", dpi=DPI)
    plt.close(fig)


def main(argv: list[str]) -> int:
    specs = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for spec in specs:
        draw(spec, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
