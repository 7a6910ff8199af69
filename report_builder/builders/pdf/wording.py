"""The handout's fixed wording (wording/pdf/) for one report, shared by the PDF and the exports that repeat it."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from report_builder.errors import TemplateError
from report_builder.inputs import markup

if TYPE_CHECKING:
    from report_builder.analysis.report import Report
    from report_builder.theme.template import Template


class Labels(dict):
    """The short labels of wording/pdf/labels.j2; a key an override dropped is a located template error."""

    def __init__(self, template_name: str):
        super().__init__()
        self.template_name = template_name

    def __missing__(self, key: str) -> str:
        raise TemplateError(f"template '{self.template_name}': wording/pdf/labels.j2 has no line '{key}: ...'")


class PdfWording:
    """wording/pdf/ of one template, rendered with the variables every PDF wording file sees. Without
    ReportLab: the Summary-of-findings CSV says what the handout says in the same words."""

    def __init__(self, report: "Report", template: "Template"):
        self.report = report
        self.template = template
        self._labels: Labels | None = None

    def base_context(self) -> dict[str, Any]:
        """The variables every PDF wording file can use."""
        evidence = self.report.evidence
        return {"evidence": evidence, "report": self.report, "drug": evidence.drug, "meta": evidence.meta,
                "question": evidence.question, "theme": self.template.theme}

    def text(self, key: str, **context: Any) -> str:
        """wording/pdf/<key>.j2 as written (with inline markup)."""
        return self.template.text(f"pdf/{key}", **(self.base_context() | context))

    def plain(self, key: str, **context: Any) -> str:
        """wording/pdf/<key>.j2 without markup, citations numbered as the handout numbers them."""
        return self.plain_text(self.text(key, **context))

    def plain_text(self, text: str) -> str:
        """Evidence text (or rendered wording) without markup, citations numbered as the handout numbers them."""
        return markup.plain(text, self.report.reference_numbers)

    @property
    def labels(self) -> Labels:
        """wording/pdf/labels.j2, one "key: text" per line, read once."""
        if self._labels is None:
            self._labels = Labels(self.template.name)
            for line in self.text("labels").splitlines():
                key, sep, value = line.partition(":")
                if sep and key.strip():
                    self._labels[key.strip()] = markup.clean(value.strip())
        return self._labels
