"""Charts of the trial outcomes: drawn once per build and medium, at the size they are shown."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from report_builder.charts.media import MEDIA, PRINT, SLIDE, Medium

if TYPE_CHECKING:
    from report_builder.charts.style import Look

__all__ = ["FORMS", "MEDIA", "PRINT", "SLIDE", "Chart", "ChartPlan", "ChartSet", "Medium"]


#: Every form a chart can be drawn in: SVG (vector, text as text), PNG, and the recorded drawing
#: operations the PDF replays (charts.record).
FORMS = ("svg", "png", "ops")


@dataclass(frozen=True)
class Chart:
    """One chart drawn for one medium. The PDF replays `ops` (vector), the deck embeds `png`; tests read `data`.

    A chart always has every form its medium lists: one without it is a bug, never something a
    builder works around (a handout whose caption describes a missing figure misleads its reader).
    """

    id: str  #: file stem under charts/, e.g. "forest-inovate"
    kind: str  #: "response", "forest", "time_to_event", "adverse_events", "timeline", "flow"
    title: str
    caption: str
    alt_text: str  #: a sentence with the numbers, for screen readers
    medium: Medium
    width_in: float  #: shown size in inches (the layout size times medium.scale; the PNG is this size at `dpi`)
    height_in: float
    dpi: int
    svg: bytes = b""
    png: bytes = b""
    ops: bytes = b""  #: the drawing operations, recorded by charts.record as JSON, for the PDF to replay
    study_id: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)  #: what it draws: bars, points, values, CIs
    key: str = ""  #: hash of everything drawn (draw.chart_key): same key, same svg, png and ops

    def __post_init__(self) -> None:
        missing = [form for form in self.medium.forms if not getattr(self, form)]
        if missing:
            raise ValueError(f"chart {self.id!r} was not drawn as {' or '.join(missing)} for {self.medium.name}")

    def forms(self) -> dict[str, bytes]:
        """The forms its medium embeds, by name."""
        return {form: getattr(self, form) for form in self.medium.forms}


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
    width_in: float  #: layout size in inches (shown medium.scale times larger)
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

    def for_medium(self, name: str) -> ChartSet:
        """The charts drawn for one medium: what one builder embeds."""
        return ChartSet(tuple(c for c in self.charts if c.medium.name == name))
