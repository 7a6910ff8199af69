"""Plan every chart the report's data supports (no Matplotlib), then render only those not already drawn."""
from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import asdict, dataclass, is_dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from report_builder.charts import MEDIA, Chart, ChartPlan, ChartSet, Medium

if TYPE_CHECKING:
    from report_builder.analysis.report import Report
    from report_builder.theme.template import Template

#: Part of every chart key. Bump it when something outside report_builder/charts changes how charts
#: look (the source of this package is hashed into the key anyway, see _code_digest).
CHART_CODE_VERSION = "2"
#: renderer name -> "module:function"; imported only when a chart must be drawn.
RENDERERS = {
    "panels": "rows:render_panels",
    "forest": "forest:render_forest",
    "curve": "survival:render_curve",
    "adverse_events": "adverse:render_adverse_events",
    "timeline": "timeline:render_timeline",
    "flow": "flow:render_flow",
}
Cache = Mapping[str, Mapping[str, bytes]]  #: chart key -> its forms ("svg", "png", "ops") from a previous build


def plan_charts(report: "Report", template: "Template", medium: Medium) -> list[ChartPlan]:
    """Every chart of one build for one medium, in reading order, with all it will draw; Matplotlib is
    not imported."""
    from report_builder.charts.adverse import plan_adverse_events
    from report_builder.charts.flow import plan_flow
    from report_builder.charts.forest import plan_forest
    from report_builder.charts.response import plan_response
    from report_builder.charts.style import make_style
    from report_builder.charts.survival import plan_curve, plan_time_to_event
    from report_builder.charts.timeline import plan_timeline
    from report_builder.inputs.evidence_schema import TimeToEventOutcome

    style = make_style(template, report, medium)
    plans: list[ChartPlan | None] = [plan_response(report, style)]
    for study in report.evidence.studies:
        plans.append(plan_forest(report, study, style))
    for study in report.evidence.studies:
        plans.append(plan_time_to_event(report, study, style))
        for outcome in study.outcomes:
            if isinstance(outcome, TimeToEventOutcome):
                plans.append(plan_curve(report, study, outcome, style))
    for study in report.evidence.studies:
        plans += plan_adverse_events(report, study, style)
    plans.append(plan_timeline(report, style))
    for study in report.evidence.studies:
        plans.append(plan_flow(report, study, style))
    return [_clean(p) for p in plans if p is not None]


def chart_key(plan: ChartPlan) -> str:
    """sha256 of everything that reaches the chart's pixels, and of the code and library versions that draw them.

    Title, caption and alt text are not drawn, so editing them (or any other text) re-renders nothing.
    """
    drawn = {
        "code": [CHART_CODE_VERSION, _code_digest()],
        "versions": _versions(),
        "renderer": plan.renderer,
        "size": [plan.width_in, plan.height_in],
        "look": plan.look.identity(),
        "data": plan.data,
        "draw": plan.draw,
    }
    return hashlib.sha256(_canonical(drawn)).hexdigest()


@dataclass(frozen=True)
class PlannedChart:
    """A chart of one build for one medium, with its forms when a previous build already drew them."""

    medium: Medium
    plan: ChartPlan
    key: str
    reused: Mapping[str, bytes] | None  #: None: it must be drawn


def plan_drawing(report: "Report", template: "Template", cache: Cache | None = None,
                 media: tuple[Medium, ...] = tuple(MEDIA.values())) -> list[PlannedChart]:
    """Every chart of one build, medium by medium in reading order; a chart whose key is in cache
    (key -> forms) is taken from it instead of drawn again."""
    planned = []
    for medium in media:
        for plan in plan_charts(report, template, medium):
            key = chart_key(plan)
            reused = cache.get(key) if cache is not None else None
            if reused is not None and not set(medium.forms) <= set(reused):
                reused = None
            planned.append(PlannedChart(medium, plan, key, reused))
    return planned


def render(plan: ChartPlan, media: tuple[Medium, ...] = ()
           ) -> tuple[dict[str, bytes], tuple[tuple[type[Warning], str], ...]]:
    """Draw one chart: its forms for each of media (the plan's own medium by default), and what the
    libraries warned about meanwhile (a glyph missing from the template's font), returned rather than
    raised so that a worker process's warnings reach the build."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        forms = _renderer(plan.renderer)(plan, media)
    return forms, tuple((w.category, str(w.message)) for w in caught)


def same_drawings(planned: list[PlannedChart]) -> list[list[int]]:
    """The charts to draw, as groups of indices into planned: a chart whose plan for one medium equals its
    plan for another but for the medium is laid out once and saved for both (most charts: the slide
    PNG is the paper layout at more pixels). Groups come in the order of their first chart."""
    groups: dict[str, list[int]] = {}
    for index, chart in enumerate(planned):
        if chart.reused is None:
            drawing = chart_key(replace(chart.plan, look=replace(chart.plan.look, medium=planned[0].medium)))
            groups.setdefault(drawing, []).append(index)
    return list(groups.values())


class ChartDrawing:
    """The charts of one build, one task per drawing (same_drawings) handed to `submit` (an executor's:
    worker processes, or this one at once, see parallel.py) in the order planned. Both ways give the
    same charts and the same warnings."""

    def __init__(self, planned: list[PlannedChart], submit: Callable[..., Future]):
        self._planned = planned
        self._pending: dict[int, tuple[int, Future]] = {}  #: chart index -> (its drawing, that drawing's future)
        for number, group in enumerate(same_drawings(planned)):
            future = submit(render, planned[group[0]].plan, tuple(planned[i].medium for i in group))
            self._pending.update(dict.fromkeys(group, (number, future)))
        self._reported: set[int] = set()  #: drawings whose warnings were passed on (once each)
        self._charts: dict[int, Chart] = {}

    def all(self) -> ChartSet:
        """Every chart, waiting for any still being drawn."""
        return ChartSet(tuple(self._chart(i) for i in range(len(self._planned))))

    def _chart(self, index: int) -> Chart:
        if index not in self._charts:
            planned = self._planned[index]
            forms = planned.reused
            if forms is None:
                number, future = self._pending.pop(index)
                forms, caught = future.result()
                if number not in self._reported:
                    self._reported.add(number)
                    for category, message in caught:
                        warnings.warn(message, category, stacklevel=2)
            self._charts[index] = _chart(planned, forms)
        return self._charts[index]


def draw_charts(report: "Report", template: "Template", cache: Cache | None = None,
                media: tuple[Medium, ...] = tuple(MEDIA.values())) -> ChartSet:
    """All charts of one build, once per medium in the forms that medium embeds, drawn in this process."""
    from report_builder.parallel import SerialTasks

    return ChartDrawing(plan_drawing(report, template, cache, media), SerialTasks().submit).all()


def _chart(planned: PlannedChart, forms: Mapping[str, bytes]) -> Chart:
    plan, medium = planned.plan, planned.medium
    return Chart(id=plan.id, kind=plan.kind, title=plan.title, caption=plan.caption, alt_text=plan.alt_text,
                 medium=medium, width_in=plan.width_in * medium.scale, height_in=plan.height_in * medium.scale,
                 dpi=medium.dpi, study_id=plan.study_id, data=plan.data, key=planned.key,
                 **{form: forms[form] for form in medium.forms})


def _renderer(name: str) -> Callable[[ChartPlan], dict[str, bytes]]:
    import importlib

    module, function = RENDERERS[name].split(":")
    return getattr(importlib.import_module(f"report_builder.charts.{module}"), function)


def _clean(plan: ChartPlan) -> ChartPlan:
    """Title, caption and alt text go into PDF and PowerPoint XML: no control character may reach them."""
    from report_builder.inputs.markup import clean

    return replace(plan, title=clean(plan.title), caption=clean(plan.caption), alt_text=clean(plan.alt_text))


def _canonical(value: Any) -> bytes:
    """One byte string per value: sorted keys, tuples as lists, dataclasses as dicts, floats by repr."""

    def encode(item: Any) -> Any:
        if is_dataclass(item) and not isinstance(item, type):
            return asdict(item)
        raise TypeError(f"not part of a chart plan: {type(item).__name__}")

    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=encode).encode()


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """The chart package's own source: a change to how charts are drawn can never reuse an old picture."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _versions() -> dict[str, str]:
    """The libraries that turn a plan into bytes, from package metadata (importing them is what we avoid)."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in ("matplotlib", "pillow"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "unknown"
    return found
