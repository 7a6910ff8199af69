"""Charts of the trial outcomes: drawn once per build from the report model, in vector and PNG form."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from report_builder.charts.style import Look


#: Every form of every chart, drawn together (charts.style.render): whichever form a builder embeds,
#: every kind of chart has it, so a new kind needs no registration with the builders.
FORMS = ("svg", "png", "ops")


@dataclass(frozen=True)
class Chart:
    """One drawn chart. The PDF replays `ops` (vector), the deck embeds `png`; tests read `data`.

    A chart always has all of its FORMS: one without a form is a bug, never something a builder
    works around (a handout whose caption describes a missing figure misleads its reader).
    """

    id: str  #: file stem under charts/, e.g. "forest-inovate"
    kind: str  #: "response", "forest", "time_to_event", "adverse_events", "timeline", "flow"
    title: str
    caption: str
    alt_text: str  #: a sentence with the numbers, for screen readers
    svg: bytes
    png: bytes
    ops: bytes  #: the drawing operations, recorded by charts.record as JSON, for the PDF to replay
    width_in: float  #: drawn size in inches (the PNG is this size at `dpi`)
    height_in: float
    dpi: int
    study_id: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)  #: what it draws: bars, points, values, CIs
    key: str = ""  #: hash of everything drawn (draw.chart_key): same key, same svg, png and ops

    def __post_init__(self) -> None:
        missing = [form for form in FORMS if not getattr(self, form)]
        if missing:
            raise ValueError(f"chart {self.id!r} was not drawn as {' or '.join(missing)}")


@dataclass(frozen=True)
class ChartPlan:
    """A chart before drawing: everything that reaches its pixels, computed without importing Matplotlib.

    `data` is what tests and builders read; `draw` adds the rest the renderer uses (fixed wording,
    ticks, footnotes), and `look` the colours and font files. The renderer reads nothing else, so the
    chart key (a hash of these) changes whenever the picture would.
    """

    id: str
    kind: str
    title: str
    caption: str
    alt_text: str
    width_in: float
    height_in: float
    study_id: str | None
    data: Mapping[str, Any]
    renderer: str  #: which render function draws it, see draw.RENDERERS
    look: "Look"
    draw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChartSet:
    charts: tuple[Chart, ...] = ()

    def __iter__(self) -> Iterator[Chart]:
        return iter(self.charts)

    def __len__(self) -> int:
        return len(self.charts)

    def of_kind(self, kind: str, study_id: str | None = None) -> list[Chart]:
        return [c for c in self.charts if c.kind == kind and (study_id is None or c.study_id == study_id)]

    def get(self, chart_id: str) -> Chart | None:
        return next((c for c in self.charts if c.id == chart_id), None)
