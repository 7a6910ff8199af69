"""One builder per output format, each behind the same small interface (like Sphinx builders)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from report_builder.errors import Problem
    from report_builder.charts import ChartSet
    from report_builder.analysis.report import Report
    from report_builder.theme.template import Template


class Builder(Protocol):
    name: str  #: short name, e.g. "pdf"
    extension: str  #: file extension of the output, e.g. ".pdf"
    medium: str  #: which charts it embeds (charts.MEDIA): "print" or "slide"

    def build(self, report: "Report", charts: "ChartSet", template: "Template") -> bytes:
        """Return the finished document, embedding the charts drawn for its medium; builders never open
        files for writing."""

    def prepare(self, report: "Report", template: "Template") -> None:
        """Do the work of build() that needs no chart (import the format's library, load the template's
        fonts), kept for build() to reuse: a build calls it while its charts are being drawn."""

    def check(self, template: "Template") -> list["Problem"]:
        """What this format finds wrong with the template without building (located errors and warnings): run by
        `build-report check` and before every build."""


def get_builders() -> list[Builder]:
    """The builders of every output format; imported here so commands that build nothing stay light."""
    from report_builder.builders.pdf import PdfBuilder
    from report_builder.builders.pptx import PptxBuilder

    return [PdfBuilder(), PptxBuilder()]
