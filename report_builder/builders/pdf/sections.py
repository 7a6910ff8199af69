"""The non-trial sections of the PDF: title, bottom line, PICO, dosing, regulatory, appraisal, references and more."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Image, Spacer, TableStyle

from report_builder.analysis import formatting as fmt
from report_builder.builders.pdf.context import Context, escape
from report_builder.builders.pdf.style import Anchor, Para, SplitTable, callout, color, heading, mix, table
from report_builder.builders.pdf.studies import NONE, cell, header, lines, small, widths
from report_builder.builders.references import numbered_references
from report_builder.errors import TemplateError

if TYPE_CHECKING:
    from report_builder.builders.references import Piece


def title(ctx: Context, key: str, outline_title: str) -> list[Any]:
    st, ev = ctx.styles, ctx.evidence
    block: list[Any] = [Para(ctx.words("title/eyebrow"), st.eyebrow),
                        Para(ctx.md(ev.meta.title), st.title)]
    if ev.meta.subtitle:
        block.append(Para(ctx.md(ev.meta.subtitle), st.subtitle))
    meta = ctx.words("title/meta", date=ev.meta.date.isoformat(), institution=ctx.theme.institution)
    block.append(Para(meta, st.meta))
    out: list[Any] = [Anchor(key, outline_title)]
    logo = _logo(ctx)
    if logo is None:
        out += block
    else:
        # The logo sits top right beside the title block, which keeps the rest of the width.
        side = logo.drawWidth + 6 * mm
        t = SplitTable([[block, logo]], colWidths=[ctx.width - side, side], hAlign="LEFT")
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                               ("FONTNAME", (0, 0), (-1, -1), ctx.fonts.regular),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
        out.append(t)
    out.append(Para(ctx.words("title/question"), st.lead))
    return out


def _logo(ctx: Context) -> Image | None:
    path = ctx.theme.logo
    if path is None:
        return None
    from reportlab.lib.utils import ImageReader

    w, h = ImageReader(str(path)).getSize()
    height = 16 * mm
    width = min(height * w / h, 45 * mm)
    return Image(str(path), width=width, height=width * h / w)


def bottom_line(ctx: Context, key: str, title_text: str) -> list[Any]:
    st = ctx.styles
    body: list[Any] = [Para(ctx.md(title_text), st.box_title)]
    body += [Para(ctx.md(text), st.box_body, bulletText="▸") for text in ctx.evidence.bottom_line]
    return [Spacer(1, 4), Anchor(key, title_text),
            callout(body, ctx.width, ctx.theme, ctx.fonts, tone="primary", background=ctx.theme.colors["light"]),
            Spacer(1, 4)]


def question(ctx: Context, key: str, title_text: str) -> list[Any]:
    q, st = ctx.evidence.question, ctx.styles
    out: list[Any] = [heading(ctx.md(title_text), title_text, key, 0, st.h1)]
    if q.case:
        out.append(Para(f"<b>{ctx.label('case')}:</b> <i>{ctx.md(q.case)}</i>", st.body))
    outcomes = cell(ctx, " · ".join(ctx.md(o) for o in q.outcomes))
    rows = [[cell(ctx, f"<b>P</b>  {ctx.label('population')}"), cell(ctx, ctx.md(q.population))],
            [cell(ctx, f"<b>I</b>  {ctx.label('intervention')}"), cell(ctx, ctx.md(q.intervention))],
            [cell(ctx, f"<b>C</b>  {ctx.label('comparison')}"), cell(ctx, ctx.md(q.comparison))],
            [cell(ctx, f"<b>O</b>  {ctx.label('outcomes')}"), outcomes]]
    out.append(table(rows, widths(ctx, 20, 80), ctx.theme, ctx.fonts, header=False, zebra=False,
                     extra=[("BACKGROUND", (0, 0), (0, -1), color(ctx.theme.colors["light"]))]))
    return out


def background(ctx: Context, key: str, title_text: str) -> list[Any]:
    """Why the question matters and how the drug works, as the deck's background and mechanism slides give
    them: the handout had neither, and never cited the review the summary follows."""
    ev, st = ctx.evidence, ctx.styles
    out: list[Any] = [heading(ctx.md(title_text), title_text, key, 0, st.h1)]
    out += [Para(ctx.md(text), st.bullet, bulletText="•") for text in ev.background]
    if ev.mechanism:
        out.append(Para(ctx.label("mechanism"), st.h3))
        out += [Para(ctx.md(text), st.bullet, bulletText="•") for text in ev.mechanism]
    return out


def dosing(ctx: Context, key: str, title_text: str) -> list[Any]:
    d = ctx.evidence.dosing
    if d is None:
        return []
    out: list[Any] = [heading(ctx.md(title_text), title_text, key, 0, ctx.styles.h1)]
    notes = []
    for j, schedule in enumerate(d.schedules):
        note = ctx.md(schedule.note) if schedule.note else ""
        for w in ctx.report.waivers_under(f"dosing.schedules[{j}]"):
            note = lines(note, small(ctx, ctx.waiver_text(w)))
        notes.append(note)
    # A column no schedule fills is left out (a single infusion has no cycle): its width goes to the doses.
    filled = {"total_per_cycle": any(s.total_per_cycle is not None for s in d.schedules),
              "cycle_length": any(s.cycle_length for s in d.schedules), "max_cycles": bool(d.max_cycles),
              "notes": any(notes)}
    columns = ["schedule", "day", "dose"] + [c for c, shown in filled.items() if shown]
    weights = {"schedule": 22, "day": 7, "dose": 13, "total_per_cycle": 13, "cycle_length": 13, "max_cycles": 13,
               "notes": 19}
    weights["dose"] += sum(weights[c] for c in weights if c not in columns)
    rows: list[list[Any]] = [header(ctx, *(ctx.label(c) for c in columns))]
    extra: list[tuple] = []
    light = color(ctx.theme.colors["light"])
    for j, (schedule, note) in enumerate(zip(d.schedules, notes)):
        first = len(rows)
        total = fmt.cycle_total(schedule) or NONE
        for k, dose in enumerate(schedule.doses):
            top = k == 0
            cells = {"schedule": cell(ctx, f"<b>{ctx.md(schedule.name)}</b>" if top else ""),
                     "day": cell(ctx, escape(fmt.dose_days(dose))),
                     "dose": cell(ctx, ctx.md(fmt.dose_amount(dose))),
                     "total_per_cycle": cell(ctx, f"<b>{escape(total)}</b>" if top else ""),
                     "cycle_length": cell(ctx, (ctx.md(schedule.cycle_length) if schedule.cycle_length else NONE)
                                          if top else ""),
                     "max_cycles": cell(ctx, ctx.md(d.max_cycles) if top and d.max_cycles else ""),
                     "notes": cell(ctx, (note or NONE) if top else "")}
            rows.append([cells[c] for c in columns])
        last = len(rows) - 1
        for col, name in enumerate(columns):
            if name not in ("day", "dose"):  # one cell per schedule; a line per dose
                extra.append(("SPAN", (col, first), (col, last)))
        if j % 2:
            extra.append(("BACKGROUND", (0, first), (-1, last), light))
        extra.append(("LINEBELOW", (0, last), (-1, last), 0.6, mix(ctx.theme.colors["primary"], 0.4)))
    out.append(table(rows, widths(ctx, *(weights[c] for c in columns)), ctx.theme, ctx.fonts, zebra=False,
                     extra=extra))
    out.append(Para(f"{ctx.label('source')}: {ctx.cite([d.source])}", ctx.styles.footnote))
    out += [Para(ctx.md(n), ctx.styles.bullet, bulletText="•") for n in d.notes]
    for rule in d.rules:
        text = f"<b>{ctx.md(rule.topic)}:</b> {ctx.md(rule.text)} {ctx.cite([rule.source])}"
        if rule.source_note:
            text += f' <i><font color="{ctx.theme.colors["muted"]}">({ctx.md(rule.source_note)})</font></i>'
        out.append(Para(text, ctx.styles.bullet, bulletText="•"))
    return out


def regulatory(ctx: Context, key: str, title_text: str) -> list[Any]:
    events = ctx.evidence.regulatory
    if not events:
        return []
    out: list[Any] = [heading(ctx.md(title_text), title_text, key, 0, ctx.styles.h1)]
    rows: list[list[Any]] = [header(ctx, ctx.label("date"), ctx.label("region"), ctx.label("regulatory_event"),
                                    ctx.label("detail"), ctx.label("source"))]
    for e in events:
        detail = "<br/>".join(t for t in (
            f"<b>{ctx.label('population')}:</b> {ctx.md(e.population)}" if e.population else "",
            ctx.md(e.detail) if e.detail else "",
            (f"<i>{ctx.label('not_confirmed')}:</i> " if not e.confirmed else "") + ctx.md(e.note) if e.note else ""
        ) if t) or NONE
        rows.append([cell(ctx, escape(fmt.long_date(e.date))), cell(ctx, ctx.md(e.region)), cell(ctx, f"<b>{ctx.md(e.event)}</b>"),
                     cell(ctx, detail), cell(ctx, ctx.cite([e.source]))])
    out.append(table(rows, widths(ctx, 12, 8, 26, 46, 8), ctx.theme, ctx.fonts))
    out += ctx.figures([c for c in ctx.charts if c.kind == "timeline"])
    return out


def appraisal(ctx: Context, key: str, title_text: str) -> list[Any]:
    if not ctx.evidence.appraisal:
        return []
    st = ctx.styles
    out: list[Any] = [heading(ctx.md(title_text), title_text, key, 0, st.h1)]
    answers = {"yes": "answer_yes", "no": "answer_no", "can't tell": "answer_cant_tell"}
    for j, a in enumerate(ctx.evidence.appraisal):
        study = ctx.evidence.study(a.study)
        sub = ctx.text("appraisal/heading", appraisal=a, study=study)
        out.append(heading(ctx.md(sub), sub, f"{key}-{j + 1}", 1, st.h3))
        rows: list[list[Any]] = [header(ctx, "#", ctx.label("question"), ctx.label("answer"), ctx.label("reason"))]
        for n, item in enumerate(a.items, start=1):
            rows.append([cell(ctx, str(n)), cell(ctx, ctx.md(item.question)),
                         cell(ctx, f"<b>{ctx.label(answers[item.answer])}</b>"), cell(ctx, ctx.md(item.reason))])
        out.append(table(rows, widths(ctx, 4, 34, 12, 50), ctx.theme, ctx.fonts))
    return out


def teaching_points(ctx: Context, key: str, title_text: str) -> list[Any]:
    items = ctx.evidence.teaching_points
    if not items:
        return []
    out: list[Any] = [heading(ctx.md(title_text), title_text, key, 0, ctx.styles.h1)]
    out += [Para(ctx.md(t), ctx.styles.number, bulletText=f"{n}.") for n, t in enumerate(items, start=1)]
    return out


def references(ctx: Context, key: str, title_text: str) -> list[Any]:
    out: list[Any] = [heading(ctx.md(title_text), title_text, key, 0, ctx.styles.h1)]
    for ref, pieces in numbered_references(ctx.report, ctx.template.citation_style):
        n = ctx.numbers[ref.id]
        entry = f'<a name="ref-{n}"/>{reference_markup(ctx, pieces)}'
        out.append(Para(entry, ctx.styles.reference, bulletText=f"{n}."))
    return out


def reference_markup(ctx: Context, pieces: tuple["Piece", ...]) -> str:
    """A reference formatted by the one formatter (builders/references.py) as ReportLab markup, links live."""
    out = []
    for piece in pieces:
        text = ctx.link(piece.link, piece.text) if piece.link else escape(piece.text)
        text = f"<i>{text}</i>" if piece.italic else text
        out.append(f"<b>{text}</b>" if piece.bold else text)
    return "".join(out)


def abbreviations(ctx: Context, key: str, title_text: str) -> list[Any]:
    items = list(ctx.evidence.abbreviations.items())
    if not items:
        return []
    out: list[Any] = [heading(ctx.md(title_text), title_text, key, 0, ctx.styles.h1)]
    per_row = 3
    depth = -(-len(items) // per_row)
    rows: list[list[Any]] = [header(ctx, *[ctx.label("abbreviation"), ctx.label("meaning")] * per_row)]
    for i in range(depth):
        row: list[Any] = []
        for col in range(per_row):
            k = col * depth + i  # read down the columns, as in a printed glossary
            abbr, meaning = items[k] if k < len(items) else ("", "")
            row += [cell(ctx, f"<b>{ctx.md(abbr)}</b>" if abbr else ""), cell(ctx, ctx.md(meaning) if meaning else "")]
        rows.append(row)
    # The abbreviation column as wide as its header's longest word and its longest abbreviation need (with the
    # cells' 3.5 pt paddings): "Abbreviation" was broken "Abbreviati" / "on" in a fixed share of the width.
    head, bold = ctx.styles.header_cell, ctx.styles.cell_bold
    need = max([stringWidth(word, head.fontName, head.fontSize) for word in ctx.labels["abbreviation"].split()]
               + [stringWidth(word, bold.fontName, bold.fontSize) for abbr, _ in items for word in abbr.split()]) + 8
    share = ctx.width / per_row
    abbr_w = min(max(share * 11.5 / 33.3, need), share / 2)
    glossary = table(rows, [abbr_w, share - abbr_w] * per_row, ctx.theme, ctx.fonts)
    glossary.keep_whole_below = 0.95 * ctx.frame_height  # read down its columns: split, it loses its order
    out.append(glossary)
    return out


def waivers(ctx: Context) -> list[Any]:
    """Waived checks not already footnoted where their figure is printed (e.g. that section is left out)."""
    left = [w for w in ctx.report.waivers if (w.path, w.check) not in ctx.shown_waivers]
    if not left:
        return []
    title_text = ctx.text("titles/waivers")
    out: list[Any] = [heading(ctx.md(title_text), title_text, "sec-waivers", 0, ctx.styles.h1)]
    return out + [Para(ctx.waiver_text(w), ctx.styles.bullet, bulletText="•") for w in left]


# Local sections: an institution adds a name to pdf.sections and writes wording/pdf/local/<name>.j2.
# The rendered text's first non-empty line is the section title, unless the file defines
# {% block title %}...{% endblock %}, whose text is then the title (and is not repeated in the body).
# The rest is paragraphs separated by blank lines; lines starting with "- " are bullet points.
# The file is rendered with the same context as every wording file (evidence, report, drug, meta, ...).
def local(ctx: Context, name: str) -> list[Any]:
    key = f"local/{name}"
    text = ctx.text(key)
    title_text = _title_block(ctx, key)
    if title_text and text.startswith(title_text):
        text = text[len(title_text):]
    if not title_text:
        first, _, text = text.strip().partition("\n")
        title_text = first.strip()
    if not title_text:
        raise TemplateError(f"template '{ctx.template.name}': wording/pdf/{key}.j2 renders no title line")
    out: list[Any] = [heading(ctx.md(title_text), title_text, f"sec-{name}", 0, ctx.styles.h1)]
    for block in re.split(r"\n\s*\n", text.strip()):
        prose: list[str] = []
        for line in block.splitlines() + [""]:
            if line.startswith("- ") or not line.strip():
                if prose:
                    out.append(Para(ctx.md(" ".join(" ".join(prose).split())), ctx.styles.body))
                    prose = []
                if line.startswith("- "):
                    out.append(Para(ctx.md(line[2:].strip()), ctx.styles.bullet, bulletText="•"))
            else:
                prose.append(line)
    return out


def _title_block(ctx: Context, key: str) -> str | None:
    """The text of the file's {% block title %}, if it has one."""
    from jinja2 import TemplateError as JinjaError

    name = f"wording/pdf/{key}.j2"
    try:
        found = ctx.template.environment.get_template(name)
        if "title" not in found.blocks:
            return None
        return "".join(found.blocks["title"](found.new_context(ctx.base_context()))).strip()
    except JinjaError as exc:
        raise TemplateError(f"{name}: {type(exc).__name__}: {exc}") from None
