"""The PowerPoint teaching deck: the template's master and layouts, fitted text, native charts, speaker notes."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from report_builder.charts import ChartSet
    from report_builder.analysis.report import Report
    from report_builder.theme.template import Template


class PptxBuilder:
    """Builds the journal-club deck in the order of template.deck_slides; returns the .pptx bytes."""

    name = "pptx"
    extension = ".pptx"
    medium = "slide"

    def prepare(self, report: "Report", template: "Template") -> None:
        """python-pptx and the deck's modules imported: nothing else of a deck can be done before its charts."""
        from report_builder.builders.pptx import deck, package, slides  # noqa: F401 - imported for build()

    def check(self, template: "Template") -> list:
        """The master's layouts: missing names are errors, missing title or body placeholders warnings."""
        from report_builder.builders.pptx.package import check_layouts

        return check_layouts(template)

    def build(self, report: "Report", charts: "ChartSet", template: "Template") -> bytes:
        from report_builder.builders.pptx import package
        from report_builder.builders.pptx.deck import Deck
        from report_builder.builders.pptx.slides import local, register

        deck = Deck(report, charts.for_medium(self.medium), template)
        built_in = register()
        for kind in template.deck_slides:
            deck.slide = kind
            if kind in built_in:
                built_in[kind](deck)
            else:
                local(deck, kind)
        from report_builder.inputs.markup import clean

        meta = report.evidence.meta
        package.set_properties(
            deck.prs,
            title=deck.plain(meta.title),
            author=clean("; ".join(meta.authors) or template.theme.institution),
            subject=deck.plain(meta.subtitle) if meta.subtitle else deck.plain(report.evidence.drug.name),
            keywords=clean("; ".join(meta.keywords)),
            date=meta.date,
            comments=deck.say("properties_comments"),
        )
        from report_builder.builders.pptx.accessibility import make_accessible

        make_accessible(deck.prs, deck.label("language"))
        deck.settle_colours()
        return package.save(deck.prs, meta.date)
