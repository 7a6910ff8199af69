"""Adverse events by arm as a butterfly chart: intervention to the left, control to the right, n/N beside each bar."""
from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING, Any

from report_builder.analysis import formatting
from report_builder.charts import ChartPlan
from report_builder.charts.media import PAGE_HEIGHT_IN
from report_builder.charts.style import (
    SIZE, SMALL, TINY, Look, Style, axes_at, figure, inch_x, make_pen, render,
)
from report_builder.inputs.evidence_schema import Study
from report_builder.analysis.report import ae_key

if TYPE_CHECKING:
    from report_builder.charts.media import Medium
    from report_builder.analysis.arms import Comparison
    from report_builder.analysis.report import Report

MARGIN = 0.08
LABEL_W = 1.9
LINE = 0.16
HEAD = 0.3
AXIS = 0.5
PAD = 0.08


def adverse_event_data(report: "Report", study: Study, comparison: "Comparison", style: Style
                       ) -> dict[str, Any] | None:
    """One row per adverse event reported for either compared arm; percentages from counts where given."""
    pair = (comparison.experimental, comparison.reference)
    rows = []
    for index, event in enumerate(study.adverse_events):
        if not any(arm.id in event.arms for arm in pair):
            continue
        term = style.plain(event.term)
        label = term
        if event.serious and "serious" not in term.lower():
            label += f" ({style.say('serious')})"
        if not event.confirmed:  # as in the safety table: the figure could not be checked against its source
            label += f" ({style.say('not_confirmed')})"
        row: dict[str, Any] = {"index": index, "term": term, "term_label": label, "grade": event.grade,
                               "grade_label": formatting.grade(event.grade), "serious": event.serious,
                               "label": f"{label}, {formatting.grade(event.grade)}", "source": event.source}
        for side, arm in zip(("experimental", "reference"), pair):
            result = event.arms.get(arm.id)
            if result is None or not result.reported:
                row[side] = None if result is None else False  # False: the source does not report it
                continue
            prop = report.proportion(study, ae_key(index), arm.id)
            row[side] = {
                "arm": arm.id, "events": result.events, "total": result.total,
                "percent": prop.percent if prop is not None else float(result.percent),
                "from_counts": prop is not None,
                "text": formatting.binary_result(result, with_ci=False),
            }
        rows.append(row)
    if not rows:
        return None
    # The chart is shown on paper only (the deck's safety slides chart their harms natively, and the slide
    # PNG is the same drawing): every event while the figure fits a page, else the first ones and a note.
    shown = _fitting(rows, style)
    return {
        "study": study.id, "study_name": style.plain(study.name), "total_rows": len(rows),
        "omitted": len(rows) - shown,
        **{side: {"arm": arm.id, "label": style.arm_label(study, arm.id), "colour": style.arm_colour(study, arm.id)}
           for side, arm in zip(("experimental", "reference"), pair)},
        "rows": rows[:shown],  # file order: the authors' order of importance, never re-sorted
    }


def plan_adverse_events(report: "Report", study: Study, style: Style) -> list[ChartPlan]:
    """A butterfly chart per comparison of the study (none for a single-arm study)."""
    comparisons = report.comparisons(study)
    plans = []
    for comparison in comparisons:
        data = adverse_event_data(report, study, comparison, style)
        if data is not None:
            # A study with one comparison keeps the plain id: the chart's file name.
            suffix = "" if len(comparisons) == 1 else "-{}-vs-{}".format(*comparison.arm_ids)
            plans.append(_plan(study, data, f"adverse-events-{study.id}{suffix}", style))
    return plans


def _plan(study: Study, data: dict[str, Any], chart_id: str, style: Style) -> ChartPlan:
    rows = data["rows"]
    # A side the file does not hold is "not in this summary"; "not reported" only where the file says so.
    missing = style.say("not_in_summary")
    unreported = style.say("not_reported")
    draw = {"missing": missing, "unreported": unreported, "axis": style.say("ae_axis"),
            "notes": _notes(rows, data["total_rows"], style)}
    layout = _layout(data, draw, style)
    exp, ref = data["experimental"]["label"], data["reference"]["label"]
    parts = []
    versus = f" {style.say('ae_versus')} "
    for row in rows:
        sides = [f"{arm} {row[s]['text'] if row[s] else (unreported if row[s] is False else missing)}"
                 for s, arm in (("experimental", exp), ("reference", ref))]
        parts.append(f"{row['label']}: {versus.join(sides)}")
    if data["omitted"]:
        parts.append(style.say("ae_omitted", shown=len(rows), total=data["total_rows"]))
    sources = sorted({r["source"] for r in rows}, key=lambda ref_id: style.numbers.get(ref_id, 0))
    return ChartPlan(
        id=chart_id, kind="adverse_events",
        title=style.say("ae_title", study=data["study_name"]),
        caption=style.say("ae_caption", experimental=exp, reference=ref, sources=style.cite(sources)),
        alt_text=(style.say("ae_alt", study=style.plain(study.short_name), experimental=exp, reference=ref)
                  + " " + "; ".join(parts) + "."),
        width_in=style.width, height_in=layout["height"], study_id=study.id, data=data, renderer="adverse_events",
        look=style.look(), draw=draw,
    )


def _fitting(rows: list[dict[str, Any]], style: Style) -> int:
    """How many rows, in file order, fit a page with the notes under them (one at least)."""
    ends: list[float] = []  # the body's height after each row, up to the first row past a page
    for row in rows:
        ends.append((ends[-1] if ends else 0.0) + _row_height(_label_lines(style, row)))
        if ends[-1] > PAGE_HEIGHT_IN:
            break
    shown = len(ends)
    while True:
        room = PAGE_HEIGHT_IN - _height(0.0, _notes(rows[:shown], len(rows), style), style)
        fit = max(1, bisect_right(ends, room))
        if fit >= shown:
            return shown
        shown = fit  # shown only falls: this ends


def _notes(rows: list[dict[str, Any]], total: int, style: Style) -> list[str]:
    """The notes under the chart when it shows these rows of total."""
    reported_only = any(r[s] and not r[s]["from_counts"] for r in rows for s in ("experimental", "reference"))
    notes = [style.say("ae_reported_note")] if reported_only else []
    if len(rows) < total:
        notes.append(style.say("ae_omitted", shown=len(rows), total=total))
    return notes


def _foot(notes: list[str], look: Look) -> list[str]:
    return [line for note in notes for line in look.wrap(note, look.width - 2 * MARGIN, TINY, max_lines=6)]


def _height(body: float, notes: list[str], look: Look) -> float:
    """The chart's height in inches, from its rows' height and its notes."""
    foot = _foot(notes, look)
    return HEAD + body + AXIS + (len(foot) * 0.15 + 0.05 if foot else 0.05)


def _layout(data: dict[str, Any], draw: dict[str, Any], look: Look) -> dict[str, Any]:
    """Row heights, the two halves and the axis scale in inches, from measured text only."""
    rows = data["rows"]
    labels = [_label_lines(look, r) for r in rows]
    heights = [_row_height(lines) for lines in labels]
    body = sum(heights)
    missing = look.fit(draw["missing"], 1.4, SMALL, italic=True)
    unreported = look.fit(draw["unreported"], 1.4, SMALL, italic=True)
    val_w = max([look.measure(missing, SMALL, italic=True), look.measure(unreported, SMALL, italic=True)] +
                [look.measure(r[s]["text"], SMALL) for r in rows for s in ("experimental", "reference") if r[s]])
    plot_w = (look.width - 2 * MARGIN - LABEL_W - 2 * (val_w + PAD) - 3 * PAD - 0.12) / 2
    exp_left = MARGIN + LABEL_W + 2 * PAD + val_w + PAD
    ref_left = exp_left + plot_w + 0.12
    foot = _foot(draw["notes"], look)
    height = _height(body, draw["notes"], look)
    top_pct = max(r[s]["percent"] for r in rows for s in ("experimental", "reference") if r[s])
    # At most three labelled ticks a side: the halves are narrow and "0" repeats at the centre.
    step = next(s for s in (5, 10, 20, 25, 50) if top_pct * 1.02 <= 3 * s)
    limit = max(step, step * -(-top_pct * 1.02 // step))
    arms = {side: look.fit(data[side]["label"], plot_w + 0.1, SIZE, bold=True) for side in ("experimental", "reference")}
    return {"labels": labels, "heights": heights, "body": body, "missing": missing, "unreported": unreported,
            "plot_w": plot_w,
            "exp_left": exp_left, "ref_left": ref_left, "foot": foot, "height": height, "limit": limit,
            "ticks": list(range(0, int(limit) + 1, step)), "arms": arms,
            "axis": look.fit(draw["axis"], look.width - 2 * MARGIN, SMALL)}


def render_adverse_events(plan: ChartPlan, media: tuple[Medium, ...] = ()) -> dict[str, bytes]:
    data = plan.data
    pen = make_pen(plan.look)
    lay = _layout(data, plan.draw, pen)
    rows, body, height, plot_w = data["rows"], lay["body"], lay["height"], lay["plot_w"]
    exp_left, ref_left, limit, ticks, missing = lay["exp_left"], lay["ref_left"], lay["limit"], lay["ticks"], lay["missing"]
    with figure(pen, pen.width, height) as fig:
        axes = {}
        for side, left in (("experimental", exp_left), ("reference", ref_left)):
            ax = axes_at(fig, left, HEAD, plot_w, body)
            ax.set_ylim(body, 0)
            ax.set_xlim((limit, 0) if side == "experimental" else (0, limit))
            ax.set_xticks(ticks, labels=[f"{t}" for t in ticks])
            ax.set_yticks([])
            ax.xaxis.grid(True, color=pen.light, linewidth=0.8)
            ax.set_axisbelow(True)
            for spine in ("left", "right", "top"):
                ax.spines[spine].set_visible(False)
            axes[side] = ax
            ax.text(0.5, -HEAD / 2, lay["arms"][side], transform=_top(ax), ha="center", va="center", fontsize=SIZE,
                    color=pen.label_colour(data[side]["colour"]), **pen.bold())
        for side in ("experimental", "reference"):
            axes[side].axvline(0, color=pen.muted, linewidth=0.8)
        at = inch_x(fig, axes["experimental"])
        y = 0.0
        for row, lines, h in zip(rows, lay["labels"], lay["heights"]):
            cy = y + h / 2
            for k, (term, grade_x) in enumerate(lines):
                ly = cy + (k - (len(lines) - 1) / 2) * LINE
                if term:
                    axes["experimental"].text(MARGIN, ly, term, transform=at, ha="left", va="center", fontsize=SMALL)
                if grade_x is not None:
                    axes["experimental"].text(MARGIN + grade_x, ly, row["grade_label"], transform=at, ha="left",
                                              va="center", fontsize=SMALL, color=pen.muted)
            for side, x, ha in (("experimental", exp_left - PAD, "right"),
                                ("reference", ref_left + plot_w + PAD, "left")):
                value = row[side]
                ax = axes[side]
                colour = data[side]["colour"]
                if not value:
                    ax.text(x, cy, missing if value is None else lay["unreported"], transform=at, ha=ha, va="center", fontsize=SMALL, color=pen.muted,
                            **pen.italic())
                    continue
                if value["from_counts"]:
                    ax.barh(cy, value["percent"], height=0.17, color=colour, linewidth=0)
                else:
                    ax.barh(cy, value["percent"], height=0.17, color="white", edgecolor=colour, linewidth=1.2)
                ax.text(x, cy, value["text"], transform=at, ha=ha, va="center", fontsize=SMALL)
            y += h
        fig.text((exp_left + ref_left + plot_w) / 2 / pen.width, 1 - (HEAD + body + 0.38) / height,
                 lay["axis"], ha="center", va="center", fontsize=SMALL)
        for k, line in enumerate(lay["foot"]):
            fig.text(MARGIN / pen.width, 1 - (HEAD + body + AXIS + (k + 0.5) * 0.15) / height, line, fontsize=TINY,
                     color=pen.muted, ha="left", va="center")
        return render(fig, pen, media)


def _row_height(lines: list) -> float:
    return max(0.26, len(lines) * LINE + 0.1)


def _label_lines(look: Look, row: dict[str, Any]) -> list[tuple[str, float | None]]:
    """The wrapped term, with the grade (muted) after its last line if it fits there, else on a line of its own.

    Each entry is (text, x offset of the grade in inches or None).
    """
    lines: list[tuple[str, float | None]] = [
        (line, None) for line in look.wrap(row["term_label"], LABEL_W, SMALL, max_lines=3)]
    last = lines[-1][0] + "  "
    offset = look.measure(last, SMALL)
    if offset + look.measure(row["grade_label"], SMALL) <= LABEL_W:
        lines[-1] = (lines[-1][0], offset)
    else:
        lines.append(("", 0.0))
    return lines


def _top(ax):
    """x in axes fraction, y in data units: for the arm names centred over each half."""
    from matplotlib.transforms import blended_transform_factory

    return blended_transform_factory(ax.transAxes, ax.transData)
