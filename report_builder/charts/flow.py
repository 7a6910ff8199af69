"""Participant flow (CONSORT-style boxes) for studies whose evidence file reports the flow stages."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from report_builder.analysis.arms import arm_keys
from report_builder.charts import ChartPlan
from report_builder.charts.style import (
    SIZE, SMALL, TINY, Look, Style, figure, make_pen, render,
)
from report_builder.inputs.evidence_schema import Study

if TYPE_CHECKING:
    from report_builder.charts.media import Medium
    from report_builder.analysis.report import Report

SIDE = 0.35  #: inches kept free at each side for arrows that bypass a stage
COL_GAP = 0.5
LINE = 0.16
NOTE_LINE = 0.14
PAD = 0.08
ROW_GAP = 0.32
TOP = 0.1
MAX_BOX_W = 2.5
HEADER_H = 0.28  #: the arm names on the allocation arrows


def flow_data(study: Study, style: Style) -> dict[str, Any] | None:
    if not study.flow:
        return None
    columns = arm_keys(study, list(dict.fromkeys(k for stage in study.flow for k in stage.counts)))
    stages = []
    for index, stage in enumerate(study.flow):
        # The arrow into a stage comes from the nearest earlier stage that is at least as large in
        # every arm: "analysed" after "treated" is drawn from "randomized" when the counts say so.
        parent = None
        for j in range(index - 1, -1, -1):
            earlier = study.flow[j].counts
            shared = [k for k in stage.counts if k in earlier]
            if shared and all(earlier[k] >= stage.counts[k] for k in shared):
                parent = j
                break
        stages.append({
            "stage": style.plain(stage.stage), "counts": dict(stage.counts),
            "note": style.plain(stage.note) if stage.note else None, "source": stage.source,
            "parent": parent if parent is not None else ("enrolled" if index == 0 else None),
            # The first stage holding everyone enrolled is the allocation the top box already states:
            # its name goes there, and the arm boxes under it show only their counts.
            "allocation": index == 0 and sum(stage.counts.values()) == study.enrolled,
        })
    return {
        "study": study.id, "study_name": style.plain(study.name), "randomized": study.randomized,
        "enrolled": study.enrolled,
        "columns": [{"arm": k, "label": style.arm_label(study, k), "colour": style.arm_colour(study, k)}
                    for k in columns],
        "stages": stages,
    }


def plan_flow(report: "Report", study: Study, style: Style) -> ChartPlan | None:
    data = flow_data(study, style)
    if data is None:
        return None
    first = data["stages"][0]
    stage_name = first["stage"] if first["allocation"] else ""
    if data["randomized"]:
        top_text = style.say("flow_randomized", n=data["enrolled"], stage=stage_name)
    else:
        top_text = style.say("flow_enrolled", n=data["enrolled"], stage=stage_name)
    draw = {"top": top_text,
            "counts": [{arm: style.say("flow_count", n=n) for arm, n in stage["counts"].items()}
                       for stage in data["stages"]]}
    layout = _layout(data, draw, style)
    cols = data["columns"]
    parts = []
    for stage in data["stages"]:
        counts = ", ".join(f"{c['label']} {stage['counts'][c['arm']]}" for c in cols if c["arm"] in stage["counts"])
        parts.append(f"{stage['stage']}: {counts}.")
    sources = sorted({s["source"] for s in data["stages"]}, key=lambda ref: style.numbers.get(ref, 0))
    return ChartPlan(
        id=f"flow-{study.id}", kind="flow", title=style.say("flow_title", study=data["study_name"]),
        caption=style.say("flow_caption", study=style.plain(study.short_name), sources=style.cite(sources)),
        alt_text=style.say("flow_alt", study=style.plain(study.short_name), top=top_text) + " " + " ".join(parts),
        width_in=style.width, height_in=layout["height"], study_id=study.id, data=data, renderer="flow",
        look=style.look(), draw=draw,
    )


def _layout(data: dict[str, Any], draw: dict[str, Any], look: Look) -> dict[str, Any]:
    """Box sizes and wrapped stage texts in inches, from measured text only: plan and render share it."""
    cols = data["columns"]
    n = len(cols)
    box_w = min(MAX_BOX_W, (look.width - 2 * SIDE - (n - 1) * COL_GAP) / n)
    total_w = n * box_w + (n - 1) * COL_GAP
    x0 = (look.width - total_w) / 2
    # The top box states everyone enrolled, with its count: wrapped, never cut, and as wide as the
    # figure allows (wider than one arm's box when there is a single arm).
    top_lines = look.wrap(draw["top"], look.width - 2 * SIDE - 2 * PAD - 0.2, SIZE, bold=True, max_lines=3)
    boxes, shared = [], []
    for stage in data["stages"]:
        lines = [] if stage["allocation"] else look.wrap(stage["stage"], box_w - 2 * PAD, SMALL)
        # A note about a stage of several arms is said once, under their boxes, not in each box.
        once = bool(stage["note"]) and len(stage["counts"]) > 1
        notes = look.wrap(stage["note"], box_w - 2 * PAD, TINY) if stage["note"] and not once else []
        shared.append(look.wrap(stage["note"], total_w, TINY, max_lines=3) if once else [])
        boxes.append((lines, notes, (len(lines) + 1) * LINE + len(notes) * NOTE_LINE + 2 * PAD))
    top_h = len(top_lines) * LINE + 2 * PAD
    height = (TOP + top_h + ROW_GAP + HEADER_H + sum(b[2] for b in boxes) + ROW_GAP * (len(boxes) - 1) + 0.15
              + sum(len(s) * NOTE_LINE + 0.04 for s in shared if s))
    top_w = max((look.measure(line, SIZE, bold=True) for line in top_lines), default=0.0) + 2 * PAD + 0.2
    return {"box_w": box_w, "top_lines": top_lines, "shared": shared, "top_w": top_w,
            "top_h": top_h, "boxes": boxes, "height": height,
            "centres": {c["arm"]: x0 + box_w / 2 + i * (box_w + COL_GAP) for i, c in enumerate(cols)},
            "labels": {c["arm"]: look.fit(c["label"], box_w, SIZE, bold=True) for c in cols}}


def render_flow(plan: ChartPlan, media: tuple[Medium, ...] = ()) -> dict[str, bytes]:
    from matplotlib.patches import FancyBboxPatch

    data = plan.data
    pen = make_pen(plan.look)
    lay = _layout(data, plan.draw, pen)
    cols, box_w, top_w, top_h, boxes, centres = (data["columns"], lay["box_w"], lay["top_w"], lay["top_h"],
                                                 lay["boxes"], lay["centres"])
    height = lay["height"]
    with figure(pen, pen.width, height) as fig:
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, pen.width)
        ax.set_ylim(height, 0)
        ax.axis("off")

        def box(cx, y, w, h, colour, fill="white"):
            ax.add_patch(FancyBboxPatch((cx - w / 2, y), w, h, boxstyle="round,pad=0,rounding_size=0.05",
                                        linewidth=1.2, edgecolor=colour, facecolor=fill))

        def arrow(points, colour):
            xs, ys = zip(*points)
            ax.plot(xs, ys, color=colour, linewidth=1.0, zorder=1)
            ax.annotate("", xy=points[-1], xytext=points[-2],
                        arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.0, "shrinkA": 0, "shrinkB": 0,
                                    "mutation_scale": 9})

        cx_all = pen.width / 2
        box(cx_all, TOP, top_w, top_h, pen.primary, pen.light)
        for i, line in enumerate(lay["top_lines"]):
            ax.text(cx_all, TOP + PAD + LINE * (i + 0.5), line, ha="center", va="center", fontsize=SIZE,
                    color=pen.primary, **pen.bold())
        header_y = TOP + top_h + ROW_GAP + HEADER_H / 2
        for col in cols:
            # The arm name sits on the allocation arrow, masking it like a label on a connector.
            ax.text(centres[col["arm"]], header_y, lay["labels"][col["arm"]], ha="center",
                    va="center", fontsize=SIZE, color=pen.label_colour(col["colour"]), zorder=5,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5}, **pen.bold())
        y = TOP + top_h + ROW_GAP + HEADER_H
        tops: list[float] = []
        for index, (stage, (lines, notes, h), counts) in enumerate(zip(data["stages"], boxes, plan.draw["counts"])):
            tops.append(y)
            for col in cols:
                key = col["arm"]
                if key not in stage["counts"]:
                    continue
                cx = centres[key]
                box(cx, y, box_w, h, col["colour"])
                ty = y + PAD + LINE / 2
                for line in lines:
                    ax.text(cx, ty, line, ha="center", va="center", fontsize=SMALL)
                    ty += LINE
                ax.text(cx, ty, counts[key], ha="center", va="center", fontsize=SIZE, **pen.bold())
                ty += LINE / 2 + NOTE_LINE / 2
                for line in notes:
                    ax.text(cx, ty, line, ha="center", va="center", fontsize=TINY, color=pen.muted)
                    ty += NOTE_LINE
                parent = stage["parent"]
                if isinstance(parent, int) and key not in data["stages"][parent]["counts"]:
                    continue  # no box of this arm in the earlier stage to draw the arrow from
                if parent == "enrolled":
                    mid = TOP + top_h + ROW_GAP / 2
                    arrow([(cx_all, TOP + top_h), (cx_all, mid), (cx, mid), (cx, y)], pen.muted)
                elif parent == index - 1:
                    prev_bottom = tops[parent] + boxes[parent][2]
                    arrow([(cx, prev_bottom), (cx, y)], pen.muted)
                elif isinstance(parent, int):
                    # Bypass the stages in between on the outside of the column.
                    outer = -1 if cx <= pen.width / 2 else 1
                    edge = cx + outer * box_w / 2
                    route = edge + outer * (SIDE - 0.1 if key in (cols[0]["arm"], cols[-1]["arm"]) else COL_GAP / 2)
                    start_y = tops[parent] + boxes[parent][2] / 2
                    end_y = y + h / 2
                    arrow([(edge, start_y), (route, start_y), (route, end_y), (edge, end_y)], pen.muted)
            y += h
            if lay["shared"][index]:
                y += 0.04
                for line in lay["shared"][index]:
                    ax.text(cx_all, y + NOTE_LINE / 2, line, ha="center", va="center", fontsize=TINY,
                            color=pen.muted, zorder=5, bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
                    y += NOTE_LINE
            y += ROW_GAP
        return render(fig, pen, media)
