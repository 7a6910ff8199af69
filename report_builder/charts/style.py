"""The one look of every chart: template palette and font, a private rc context, measured text, deterministic output."""
from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from report_builder.charts.wording import DEFAULTS

if TYPE_CHECKING:
    from report_builder.evidence.schema import Arm, Study
    from report_builder.model import Report
    from report_builder.templates import Template

WIDTH = 6.5  #: inches: an A4 text column, and half a 16:9 slide at a readable scale
DPI = 200  #: the PNG for the deck; the SVG is vector
SIZE = 9.0  #: body text, pt
SMALL = 8.0  #: value columns and ticks
TINY = 7.5  #: footnotes
SLOT = 0.22  #: inches per plotted row (one arm, one outcome)
HASH_SALT = "report_builder"  #: SVG clip-path ids hash with this, so they do not change between runs
POOLED = "all"  #: the arm key of results pooled over a study's arms
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Style:
    """Colours, font and wording of one build; every chart module draws through it."""

    palette: tuple[str, ...]
    colors: Mapping[str, str]
    family: str
    bold_family: str
    italic_family: str | None
    template: "Template"
    numbers: Mapping[str, int]

    @property
    def text(self) -> str:
        return self.colors.get("text", "#1A1A1A")

    @property
    def muted(self) -> str:
        return self.colors.get("muted", "#5F6B76")

    @property
    def light(self) -> str:
        return self.colors.get("light", "#EEF3F8")

    @property
    def primary(self) -> str:
        return self.colors.get("primary", "#1F3A5F")

    @property
    def secondary(self) -> str:
        return self.colors.get("secondary", "#3C6E9F")

    def bold(self) -> dict[str, Any]:
        """Text kwargs for bold: the template's bold TTF even when it names its family differently."""
        return {"fontfamily": self.bold_family, "fontweight": "bold"}

    def italic(self) -> dict[str, Any]:
        if self.italic_family is None:
            return {}
        return {"fontfamily": self.italic_family, "fontstyle": "italic"}

    def measure(self, text: str, size: float = SIZE, bold: bool = False, italic: bool = False) -> float:
        """Width in inches of one line as Matplotlib will lay it out: columns are sized to their contents."""
        if not text:
            return 0.0
        family = self.bold_family if bold else self.italic_family if italic and self.italic_family else self.family
        return _measure(text, family, size, bold, italic and self.italic_family is not None)

    def wrap(self, text: str, width: float, size: float = SIZE, bold: bool = False, max_lines: int = 4) -> list[str]:
        """Greedy word wrap to a width in inches; words are measured once (laying out text is the slow part).

        A word wider than the width is cut into pieces, and past max_lines the label ends in "…": a
        label must never run off the figure or push the plot off the page.
        """
        space = self.measure("a a", size, bold) - self.measure("aa", size, bold)
        lines: list[str] = []
        current: list[str] = []
        used = 0.0
        words: list[str] = []
        for word in text.split():
            w = self.measure(word, size, bold)
            if w <= width:
                words.append(word)
                continue
            step = max(1, int(len(word) * width / w * 0.95))
            words += [word[i : i + step] for i in range(0, len(word), step)]
        for word in words:
            if len(lines) > max_lines:
                break
            w = self.measure(word, size, bold)
            if current and used + space + w > width:
                lines.append(" ".join(current))
                current, used = [word], w
            else:
                used = used + space + w if current else w
                current.append(word)
        if current:
            lines.append(" ".join(current))
        if len(lines) > max_lines:
            lines = lines[:max_lines]
            lines[-1] = lines[-1].rstrip(" .,;:") + "…"
        return lines or [""]

    def fit(self, text: str, width: float, size: float = SIZE, bold: bool = False) -> str:
        """One line no wider than width: shortened with "…" when it is not (arm names in narrow columns)."""
        if self.measure(text, size, bold) <= width:
            return text
        while len(text) > 1 and self.measure(text + "…", size, bold) > width:
            text = text[: max(1, int(len(text) * 0.9))] if len(text) > 40 else text[:-1]
        return text.rstrip() + "…"

    def rc(self) -> dict[str, Any]:
        return {
            "font.family": [self.family],
            "font.size": SIZE,
            "text.color": self.text,
            "axes.edgecolor": self.muted,
            "axes.labelcolor": self.text,
            "axes.linewidth": 0.6,
            "axes.labelsize": SMALL,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.unicode_minus": True,
            "xtick.color": self.muted,
            "xtick.labelcolor": self.text,
            "xtick.labelsize": SMALL,
            "ytick.color": self.muted,
            "ytick.labelcolor": self.text,
            "ytick.labelsize": SMALL,
            "xtick.major.width": 0.6,
            "ytick.major.width": 0.6,
            "lines.solid_capstyle": "butt",
            "figure.facecolor": "white",
            "savefig.facecolor": "white",
            "svg.fonttype": "path",  # glyphs as paths: the PDF needs no font for the chart
            "svg.hashsalt": HASH_SALT,
            "path.simplify": True,
            "text.parse_math": False,  # evidence text is data: a "$" must print, never start mathtext
            "text.hinting": "none",  # unhinted glyphs lay out faster and look the same at 200 dpi
        }

    def say(self, key: str, **context: Any) -> str:
        """Fixed chart wording: the template's wording/charts/<key>.j2 if it has one, else the built-in default."""
        from report_builder.markup import plain

        name = f"charts/{key}"
        if self.template.has_text(name):
            return plain(self.template.text(name, **context), self.numbers)
        return DEFAULTS[key].format(**context)

    def plain(self, text: str) -> str:
        """Evidence text as a chart label: markup removed, citations numbered, control characters dropped."""
        from report_builder.markup import plain

        return plain(text, self.numbers)

    def cite(self, ref_ids: Sequence[str]) -> str:
        from report_builder.markup import cite_numbers

        return cite_numbers(list(ref_ids), self.numbers)

    def arm_colour(self, study: "Study", arm_id: str) -> str:
        """Arm colours in arm order, intervention first; pooled results in the muted colour."""
        order = [a.id for a in ordered_arms(study)]
        if arm_id not in order:
            return self.muted
        return self.palette[order.index(arm_id) % len(self.palette)]


@lru_cache(maxsize=4096)
def _measure(text: str, family: str, size: float, bold: bool, italic: bool) -> float:
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(family=family, size=size, weight="bold" if bold else "normal",
                          style="italic" if italic else "normal")
    width, _, _ = text_to_path.get_text_width_height_descent(text, prop, ismath=False)
    return width / 72


def make_style(template: "Template", report: "Report") -> Style:
    """Register the template's TTFs with Matplotlib and resolve their family names."""
    from matplotlib import font_manager

    fonts = template.theme.fonts

    def family(key: str) -> str | None:
        path = fonts.get(key)
        if path is None:
            return None
        # addfont appends on every call: register each file once per process (watch mode builds many times).
        if not any(entry.fname == str(path) for entry in font_manager.fontManager.ttflist):
            font_manager.fontManager.addfont(str(path))
        return font_manager.FontProperties(fname=str(path)).get_name()

    regular = family("regular")
    bold = family("bold") or regular
    italic = family("italic")
    if regular is None:  # the default template always defines it; keep drawing rather than fail
        regular = bold = "DejaVu Sans"
    return Style(
        palette=tuple(template.theme.chart_palette),
        colors=dict(template.theme.colors),
        family=regular,
        bold_family=bold or regular,
        italic_family=italic,
        template=template,
        numbers=report.reference_numbers,
    )


def ordered_arms(study: "Study") -> list["Arm"]:
    """Intervention arms first, then single-arm cohorts, then controls: the palette order."""
    rank = {"intervention": 0, "single": 1, "control": 2}
    return sorted(study.arms, key=lambda a: rank[a.role])  # sorted() is stable: file order within a role


def arm_keys(study: "Study", keys: Sequence[str]) -> list[str]:
    """The result keys of an outcome in palette order, the pooled key last."""
    order = [a.id for a in ordered_arms(study)]
    known = [k for k in order if k in keys]
    return known + [k for k in keys if k not in order]


def arm_label(study: "Study", key: str, style: Style) -> str:
    if key == POOLED:
        return style.say("pooled_arm")
    return style.plain(next(a.short_name for a in study.arms if a.id == key))


def date_label(date) -> str:
    """"21 Apr 2017", independent of the locale."""
    return f"{date.day} {MONTHS[date.month - 1]} {date.year}"


@contextmanager
def figure(style: Style, width: float, height: float) -> Iterator[Any]:
    """A Figure under the chart rc context, never registered with pyplot (no global state, nothing to close)."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(style.rc()):
        yield Figure(figsize=(width, height), dpi=100)


def axes_at(fig: Any, left: float, top: float, width: float, height: float) -> Any:
    """An axes placed in inches from the figure's top-left corner: fixed layout, no tight_layout passes."""
    fw, fh = fig.get_size_inches()
    return fig.add_axes((left / fw, 1 - (top + height) / fh, width / fw, height / fh))


def inch_x(fig: Any, ax: Any) -> Any:
    """x in inches from the figure's left edge, y in the axes' data units: for label columns beside a plot."""
    from matplotlib.transforms import blended_transform_factory

    return blended_transform_factory(fig.dpi_scale_trans, ax.transData)


def render(fig: Any) -> tuple[bytes, bytes]:
    """SVG (vector, glyphs as paths) and PNG at DPI, both byte-identical for identical input."""
    from matplotlib.text import Text

    from report_builder.markup import clean

    # Matplotlib copies every string into an SVG comment: a control character would make the file invalid XML.
    for text in fig.findobj(match=Text):
        raw = text.get_text()
        if raw and clean(raw) != raw:
            text.set_text(clean(raw))
    svg = io.BytesIO()
    fig.savefig(svg, format="svg", metadata={"Date": None})
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 3})
    return svg.getvalue(), png.getvalue()
