"""The PDF evidence summary (ReportLab): the handout a clinician brings to a journal club."""
from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from report_builder.errors import TemplateError

if TYPE_CHECKING:
    from report_builder.builders.pdf.context import Context
    from report_builder.charts import ChartSet
    from report_builder.analysis.report import Report
    from report_builder.theme.template import Template

BUILT_IN = (
    "title", "key_numbers", "bottom_line", "question", "background", "summary_of_findings", "forest", "studies", "cross_study",
    "safety", "dosing", "dosing_brief", "regulatory", "appraisal", "appraisal_brief", "teaching_points", "references",
    "abbreviations", "new_page", "appendix",
)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


class PdfBuilder:
    """Builds the evidence summary; ReportLab is imported only when a PDF is actually built."""

    name = "pdf"
    extension = ".pdf"
    medium = "print"

    def check(self, template: "Template") -> list:
        """Nothing more: loading the template checks its fonts and logo, and the build its section names."""
        return []

    def prepare(self, report: "Report", template: "Template") -> None:
        """ReportLab imported, the template's fonts registered (process-wide) and the reference list
        formatted (cached): the slowest first steps of a PDF, none of which needs a chart."""
        from report_builder.builders.pdf import sections, style, tagging  # noqa: F401 - imported for build()
        from report_builder.builders.references import numbered_references

        style.register_fonts(template.theme)
        numbered_references(report, template.citation_style)

    def build(self, report: "Report", charts: "ChartSet", template: "Template") -> bytes:
        import io

        from report_builder import __version__
        from report_builder.inputs import markup
        from report_builder.builders.pdf.context import Context
        from report_builder.builders.pdf.sections import waivers
        from report_builder.builders.pdf.style import Furniture, OutlinedDoc, canvas_class, color
        from report_builder.builders.pdf.tagging import Tagger, finish

        renderers = section_renderers(template)  # a bad section name fails before any work
        ctx = Context(report, charts.for_medium(self.medium), template)
        blocks = [(name, renderers[name](ctx)) for name in template.pdf_sections]
        story = [f for _, block in move_up(ctx, blocks, template.pdf_move_up) for f in block] + waivers(ctx)

        ev, theme = report.evidence, template.theme

        def plain(text: str) -> str:
            return " ".join(markup.plain(text, report.reference_numbers).split())

        date = ev.meta.date
        furniture = Furniture(
            header_left=plain(ctx.text("page/header_left", institution=theme.institution)),
            header_right=plain(ctx.text("page/header_right", header=theme.header, date=date.isoformat())),
            footer=plain(ctx.text("page/footer", disclaimer=theme.disclaimer, footer=theme.footer)),
            page_label=lambda page, pages: plain(ctx.text("page/number", page=page, pages=pages)),
            styles=ctx.styles,
            rule=color(theme.colors["primary"]),
        )
        buffer = io.BytesIO()
        language = ctx.labels.get("language") or "en"  # the wording's language, so a translation says so
        doc = OutlinedDoc(
            buffer, ctx.page_size,
            title=plain(ev.meta.title),
            author=", ".join(plain(a) for a in ev.meta.authors) or theme.institution,
            subject=plain(ev.meta.subtitle or ev.drug.name),
            keywords=[plain(k) for k in ev.meta.keywords],
            creator=f"report_builder {__version__}",
            displayDocTitle=1,
            lang=language,
            initialFontName=ctx.fonts.regular,
        )
        # The evidence date, never the clock: identical input gives identical bytes.
        stamp = f"D:{date:%Y%m%d}000000+00'00'"
        tagger = Tagger()
        doc.build(story, canvasmaker=canvas_class(furniture, stamp, ctx.fonts.regular, tagger))
        return finish(buffer.getvalue(), tagger, title=doc.title, language=language, author=doc.author,
                      subject=doc.subject, creator=doc.creator, created=f"{date:%Y-%m-%d}")


def move_up(ctx: "Context", blocks: list[tuple[str, list[Any]]], names: tuple[str, ...]
            ) -> list[tuple[str, list[Any]]]:
    """The sections in `names` listed after `appendix` move to the end of the page before it when they fit in
    the room that page leaves, in the order named; the first that does not fit stops the moving. The room is
    measured with each flowable's own wrap at the text column's width, both spaces around it counted (ReportLab
    keeps only the larger), so a moved section never pushes the appendix's page break to a further page."""
    order = [name for name, _ in blocks]
    if not names or "appendix" not in order:
        return blocks
    appendix = order.index("appendix")
    breaks = [i for i in range(appendix) if order[i] == "new_page"]
    if not breaks:  # the appendix follows page 1 directly: nothing is measured against it
        return blocks
    page = [f for _, block in blocks[breaks[-1] + 1:appendix] for f in block]
    used = _height(ctx, page)
    blocks = list(blocks)
    for name in names:
        found = next((i for i in range(appendix + 1, len(blocks)) if blocks[i][0] == name and blocks[i][1]), None)
        if found is None:
            continue
        height = _height(ctx, blocks[found][1])
        if used + height > ctx.frame_height:
            break
        used += height
        blocks.insert(appendix, blocks.pop(found))
        appendix += 1
    return blocks


def _height(ctx: "Context", flowables: list[Any]) -> float:
    total = 0.0
    for flowable in flowables:
        total += flowable.wrap(ctx.width, ctx.frame_height)[1] + flowable.getSpaceBefore() + flowable.getSpaceAfter()
    return total


def section_renderers(template: "Template") -> dict[str, Callable[["Context"], list[Any]]]:
    """Each name in template.pdf_sections mapped to what draws it: built in, or the institution's wording file."""
    from report_builder.builders.pdf import front as f
    from report_builder.builders.pdf import sections as s
    from report_builder.builders.pdf import studies as t

    built_in: dict[str, Callable[..., list[Any]]] = {
        "title": s.title, "key_numbers": f.key_numbers, "forest": f.forest, "appraisal_brief": f.appraisal_brief,
        "dosing_brief": f.dosing_brief,
        "appendix": f.appendix, "bottom_line": s.bottom_line, "question": s.question, "background": s.background,
        "summary_of_findings": t.summary_of_findings, "studies": t.studies, "cross_study": t.cross_study,
        "safety": t.safety, "dosing": s.dosing, "regulatory": s.regulatory, "appraisal": s.appraisal,
        "teaching_points": s.teaching_points, "references": s.references, "abbreviations": s.abbreviations,
    }
    renderers: dict[str, Callable[["Context"], list[Any]]] = {}
    # A section to move up that this template's sections leave out is simply not there to move (a parent's
    # setting); a name that is no section at all is a typo.
    for name in template.pdf_move_up:
        if name not in BUILT_IN and not (_NAME.match(name) and template.has_text(f"pdf/local/{name}")):
            close = difflib.get_close_matches(name, BUILT_IN, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise TemplateError(f"template '{template.name}': pdf.move_up names '{name}', which is not a section{hint}")
    for name in template.pdf_sections:
        if name == "new_page":
            renderers[name] = lambda ctx: f.new_page(ctx)
        elif name in built_in:
            renderers[name] = _titled(built_in[name], name)
        elif _NAME.match(name) and template.has_text(f"pdf/local/{name}"):
            renderers[name] = lambda ctx, name=name: s.local(ctx, name)
        else:
            close = difflib.get_close_matches(name, BUILT_IN, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise TemplateError(
                f"template '{template.name}': pdf.sections names '{name}', which is not a built-in section "
                f"({', '.join(BUILT_IN)}) and has no wording file wording/pdf/local/{name}.j2{hint}"
            )
    return renderers


def _titled(render: Callable[..., list[Any]], name: str) -> Callable[["Context"], list[Any]]:
    def run(ctx: "Context") -> list[Any]:
        return render(ctx, f"sec-{name}", ctx.text(f"titles/{name}"))

    return run
