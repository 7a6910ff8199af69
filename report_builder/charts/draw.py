"""Draw every chart the report's data supports, and none for data the evidence file does not have."""
from __future__ import annotations

from typing import TYPE_CHECKING

from report_builder.charts import Chart, ChartSet

if TYPE_CHECKING:
    from report_builder.model import Report
    from report_builder.templates import Template


def draw_charts(report: "Report", template: "Template") -> ChartSet:
    """All charts of one build, in reading order; Matplotlib is imported only here, when drawing."""
    from report_builder.charts.adverse import draw_adverse_events
    from report_builder.charts.flow import draw_flow
    from report_builder.charts.forest import draw_forest
    from report_builder.charts.response import draw_response
    from report_builder.charts.style import make_style
    from report_builder.charts.survival import draw_curve, draw_time_to_event
    from report_builder.charts.timeline import draw_timeline
    from report_builder.evidence.schema import TimeToEventOutcome

    style = make_style(template, report)
    charts: list[Chart | None] = [draw_response(report, style)]
    for study in report.evidence.studies:
        charts.append(draw_forest(report, study, style))
    for study in report.evidence.studies:
        charts.append(draw_time_to_event(report, study, style))
        for outcome in study.outcomes:
            if isinstance(outcome, TimeToEventOutcome):
                charts.append(draw_curve(report, study, outcome, style))
    for study in report.evidence.studies:
        charts.append(draw_adverse_events(report, study, style))
    charts.append(draw_timeline(report, style))
    for study in report.evidence.studies:
        charts.append(draw_flow(report, study, style))
    return ChartSet(tuple(_clean(c) for c in charts if c is not None))


def _clean(chart: Chart) -> Chart:
    """Title, caption and alt text go into PDF and PowerPoint XML: no control character may reach them."""
    from dataclasses import replace

    from report_builder.markup import clean

    return replace(chart, title=clean(chart.title), caption=clean(chart.caption), alt_text=clean(chart.alt_text))
