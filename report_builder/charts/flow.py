"""Participant flow (CONSORT-style boxes) for studies whose evidence file reports the flow stages."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from report_builder.charts import Chart
from report_builder.charts.style import DPI, SIZE, SMALL, TINY, WIDTH, Style, arm_keys, arm_label, figure, render
from report_builder.evidence.schema import Study

if TYPE_CHECKING:
    from report_builder.model import Report

SIDE = 0.35  #: inches kept free at each side for arrows that bypass a stage
COL_GAP = 0.5
LINE = 0.16
NOTE_LINE = 0.14
PAD = 0.08
ROW_GAP = 0.32
TOP = 0.1
MAX_BOX_W = 2.5


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
        })
    return {
        "study": study.id, "study_name": style.plain(study.name), "randomized": study.randomized,
        "enrolled": study.enrolled,
        "columns": [{"arm": k, "label": arm_label(study, k, style), "colour": style.arm_colour(study, k)}
                    for k in columns],
        "stages": stages,
    }


def draw_flow(report: "Report", study: Study, style: Style) -> Chart | None:
    from matplotlib.patches import FancyBboxPatch

    data = flow_data(study, style)
    if data is None:
        return None
    cols = data["columns"]
    n = len(cols)
    box_w = min(MAX_BOX_W, (WIDTH - 2 * SIDE - (n - 1) * COL_GAP) / n)
    total_w = n * box_w + (n - 1) * COL_GAP
    x0 = (WIDTH - total_w) / 2
    centres = {c["arm"]: x0 + box_w / 2 + i * (box_w + COL_GAP) for i, c in enumerate(cols)}
    top_text = style.say("flow_randomized" if data["randomized"] else "flow_enrolled", n=data["enrolled"])
    top_w = min(total_w, style.measure(top_text, SIZE, bold=True) + 2 * PAD + 0.2)
    top_h = LINE + 2 * PAD
    boxes = []
    for stage in data["stages"]:
        lines = style.wrap(stage["stage"], box_w - 2 * PAD, SMALL)
        notes = style.wrap(stage["note"], box_w - 2 * PAD, TINY) if stage["note"] else []
        boxes.append((lines, notes, (len(lines) + 1) * LINE + len(notes) * NOTE_LINE + 2 * PAD))
    header_h = 0.28
    height = TOP + top_h + ROW_GAP + header_h + sum(b[2] for b in boxes) + ROW_GAP * (len(boxes) - 1) + 0.15
    with figure(style, WIDTH, height) as fig:
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, WIDTH)
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

        cx_all = WIDTH / 2
        box(cx_all, TOP, top_w, top_h, style.primary, style.light)
        ax.text(cx_all, TOP + top_h / 2, top_text, ha="center", va="center", fontsize=SIZE, color=style.primary,
                **style.bold())
        header_y = TOP + top_h + ROW_GAP + header_h / 2
        for col in cols:
            # The arm name sits on the allocation arrow, masking it like a label on a connector.
            ax.text(centres[col["arm"]], header_y, style.fit(col["label"], box_w, SIZE, bold=True), ha="center",
                    va="center", fontsize=SIZE, color=col["colour"], zorder=5,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5}, **style.bold())
        y = TOP + top_h + ROW_GAP + header_h
        tops: list[float] = []
        for index, (stage, (lines, notes, h)) in enumerate(zip(data["stages"], boxes)):
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
                ax.text(cx, ty, style.say("flow_count", n=stage["counts"][key]), ha="center", va="center",
                        fontsize=SIZE, **style.bold())
                ty += LINE / 2 + NOTE_LINE / 2
                for line in notes:
                    ax.text(cx, ty, line, ha="center", va="center", fontsize=TINY, color=style.muted)
                    ty += NOTE_LINE
                parent = stage["parent"]
                if isinstance(parent, int) and key not in data["stages"][parent]["counts"]:
                    continue  # no box of this arm in the earlier stage to draw the arrow from
                if parent == "enrolled":
                    mid = TOP + top_h + ROW_GAP / 2
                    arrow([(cx_all, TOP + top_h), (cx_all, mid), (cx, mid), (cx, y)], style.muted)
                elif parent == index - 1:
                    prev_bottom = tops[parent] + boxes[parent][2]
                    arrow([(cx, prev_bottom), (cx, y)], style.muted)
                elif isinstance(parent, int):
                    # Bypass the stages in between on the outside of the column.
                    outer = -1 if cx <= WIDTH / 2 else 1
                    edge = cx + outer * box_w / 2
                    route = edge + outer * (SIDE - 0.1 if key in (cols[0]["arm"], cols[-1]["arm"]) else COL_GAP / 2)
                    start_y = tops[parent] + boxes[parent][2] / 2
                    end_y = y + h / 2
                    arrow([(edge, start_y), (route, start_y), (route, end_y), (edge, end_y)], style.muted)
            y += h + ROW_GAP
        svg, png = render(fig)
    parts = []
    for stage in data["stages"]:
        counts = ", ".join(f"{c['label']} {stage['counts'][c['arm']]}" for c in cols if c["arm"] in stage["counts"])
        parts.append(f"{stage['stage']}: {counts}.")
    sources = sorted({s["source"] for s in data["stages"]}, key=lambda ref: style.numbers.get(ref, 0))
    return Chart(
        id=f"flow-{study.id}", kind="flow", title=style.say("flow_title", study=data["study_name"]),
        caption=style.say("flow_caption", study=style.plain(study.short_name), sources=style.cite(sources)),
        alt_text=style.say("flow_alt", study=style.plain(study.short_name), top=top_text) + " " + " ".join(parts),
        svg=svg, png=png, width_in=WIDTH, height_in=height, dpi=DPI, study_id=study.id, data=data,
    )

