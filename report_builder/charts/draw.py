"""Draw every chart the report's data supports (placeholder until the charts work lands)."""
from __future__ import annotations

from report_builder.charts import ChartSet


def draw_charts(report, template) -> ChartSet:
    return ChartSet(())
