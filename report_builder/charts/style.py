"""The one look of every chart: palette, fonts measured without Matplotlib, template wording, deterministic output."""
from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from report_builder.analysis import arms
from report_builder.charts.media import Medium
from report_builder.theme.contrast import readable_shade, visible_shade
from report_builder.theme.font_metrics import font_metrics
from report_builder.resources import templates_root

if TYPE_CHECKING:
    from report_builder.inputs.evidence_schema import Study
    from report_builder.analysis.report import Report
    from report_builder.theme.template import Template

SIZE = 9.0  #: body text, pt
SMALL = 8.0  #: value columns and ticks
TINY = 7.5  #: footnotes
SLOT = 0.22  #: inches per plotted row (one arm, one outcome)
GROUND = "#FFFFFF"  #: every chart is drawn on white, in print and on slides alike
HASH_SALT = "report_builder"  #: SVG clip-path ids hash with this, so they do not change between runs
#: Markup characters in a value given to chart wording are swapped for these while the wording is
#: rendered and its own markup removed, so evidence text (already plain) is never parsed twice.
_PROTECT = str.maketrans({c: chr(0xE000 + i) for i, c in enumerate("*^~[]@")})
_RESTORE = str.maketrans({v: chr(k) for k, v in _PROTECT.items()})


@dataclass(frozen=True)
class FontFile:
    path: str
    sha256: str  #: what the chart key records: the same font bytes draw the same glyphs wherever they are


@dataclass(frozen=True)
class Look:
    """Colours and fonts, and text measured from the font files: everything a layout needs, no Matplotlib."""

    palette: tuple[str, ...]
    colors: Mapping[str, str]
    fonts: Mapping[str, FontFile]  #: "regular", "bold" and, if the template has one, "italic"
    medium: Medium  #: where the chart is shown: its layout width and the scale it is shown at

    @property
    def width(self) -> float:
        """Layout width in inches: every chart fills it."""
        return self.medium.width_in

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

    def label_colour(self, colour: str) -> str:
        """The colour for text that names something drawn in `colour` (an arm's label beside its marks).

        A mark needs 3:1 against the ground, text 4.5:1 (WCAG 1.4.11, 1.4.3): an arm's mark colour
        (arm_colour, at least 3:1) can still be too light for text, which then takes the least darker
        shade of the same hue that reads.
        """
        return readable_shade(colour, GROUND)

    def look(self) -> "Look":
        """Just the look, without what a subclass adds (wording, Matplotlib family names)."""
        return Look(self.palette, self.colors, self.fonts, self.medium)

    def identity(self) -> dict[str, Any]:
        """What of the look reaches the pixels, for the chart key: font bytes by hash, never by path."""
        return {"palette": list(self.palette), "colors": dict(sorted(self.colors.items())),
                "fonts": {k: f.sha256 for k, f in sorted(self.fonts.items())},
                "medium": asdict(self.medium)}

    def measure(self, text: str, size: float = SIZE, bold: bool = False, italic: bool = False) -> float:
        """Width in inches of one line as Matplotlib lays it out (same advances and kerning, from the TTF)."""
        if not text:
            return 0.0
        font = self.fonts["bold"] if bold else self.fonts.get("italic", self.fonts["regular"]) if italic \
            else self.fonts["regular"]
        return _measure(text, font.path, font.sha256, size)

    def wrap(self, text: str, width: float, size: float = SIZE, bold: bool = False, max_lines: int = 4) -> list[str]:
        """Greedy word wrap to a width in inches.

        A word wider than the width is cut into pieces, and past max_lines the label ends in "…": a
        label must never run off the figure or push the plot off the page.
        """
        space = self.measure("a a", size, bold) - self.measure("aa", size, bold)
        lines: list[str] = []
        current: list[str] = []
        used = 0.0
        for word in _pieces(self, text, width, size, bold):
            if len(lines) > max_lines:
                break
            w = self.measure(word, size, bold)
            if current and used + space + w > width:
                lines.append(" ".join(current))
                current, used = [word], w
            else:
                used = used + space + w if current else w
                current.append(word)
        if current and len(lines) <= max_lines:
            lines.append(" ".join(current))
        if len(lines) > max_lines:
            lines = lines[:max_lines]
            lines[-1] = self.fit(lines[-1].rstrip(" .,;:") + "…", width, size, bold)
        return lines or [""]

    def fit(self, text: str, width: float, size: float = SIZE, bold: bool = False, italic: bool = False) -> str:
        """One line no wider than width: shortened with "…" when it is not (arm names in narrow columns)."""
        if self.measure(text, size, bold, italic) <= width:
            return text
        text = text.removesuffix("…")
        while len(text) > 1 and self.measure(text + "…", size, bold, italic) > width:
            text = text[: max(1, int(len(text) * 0.9))] if len(text) > 40 else text[:-1]
        return text.rstrip() + "…"


def _pieces(look: Look, text: str, width: float, size: float, bold: bool) -> Iterator[str]:
    """The words of text, a word wider than the line cut to fit; lazily, so a huge text costs only what is shown."""
    for word in text.split():
        w = look.measure(word, size, bold)
        if w <= width:
            yield word
            continue
        step = max(1, int(len(word) * width / w * 0.95))
        yield from (word[i : i + step] for i in range(0, len(word), step))


@lru_cache(maxsize=8192)
def _measure(text: str, path: str, sha256: str, size: float) -> float:
    return font_metrics(path, sha256).width(text, size)


@dataclass(frozen=True)
class Style(Look):
    """The look plus the template's wording and the citation numbers: what planning a chart needs."""

    template: "Template"
    numbers: Mapping[str, int]
    palette_slots: Mapping[tuple[str, str], int]  #: the report's (study, arm) -> colour slot

    def say(self, key: str, **context: Any) -> str:
        """Fixed chart wording from the template's wording/charts/<key>.j2 (the default template has them all)."""
        from report_builder.inputs.markup import plain

        safe = {k: v.translate(_PROTECT) if isinstance(v, str) else v for k, v in context.items()}
        text = plain(self.template.text(f"charts/{key}", **safe), self.numbers)
        return text.translate(_RESTORE)

    def plain(self, text: str) -> str:
        """Evidence text as a chart label: markup removed, citations numbered, control characters dropped."""
        from report_builder.inputs.markup import plain

        return plain(text, self.numbers)

    def cite(self, ref_ids: Sequence[str]) -> str:
        from report_builder.inputs.markup import cite_numbers

        return cite_numbers(list(ref_ids), self.numbers)

    def arm_colour(self, study: "Study", key: str) -> str:
        """The arm's colour, as in every chart and the deck (analysis.arms; pooled results muted), in the least
        darker shade that is seen at 3:1 on the white ground (WCAG 1.4.11) when the palette colour is not:
        Okabe-Ito orange, 2.2:1, draws its marks #C48700 (the deck's bars take the same rule)."""
        colour = arms.arm_colour(self.palette, self.palette_slots.get((study.id, key)), self.muted)
        return visible_shade(colour, GROUND)

    def arm_label(self, study: "Study", key: str) -> str:
        """The arm's short name, or the template's name for results pooled over the arms."""
        return arms.arm_label(study, key, self.say("pooled_arm"), self.plain)


def make_style(template: "Template", report: "Report", medium: Medium) -> Style:
    """The template's palette, colours and font files (hashed: the chart key names fonts by their bytes),
    for charts shown in one medium."""
    fonts = {}
    for key in ("regular", "bold", "italic"):
        path = template.theme.fonts.get(key)
        if path is not None:
            fonts[key] = FontFile(str(path), _file_hash(str(path)))
    fonts.setdefault("bold", fonts["regular"])
    # Characters the template's fonts lack are drawn in the bundled DejaVu Sans rather than vanish (as in the PDF).
    for key, name in FALLBACK_FONTS.items():
        fonts[key] = FontFile(str(name), _file_hash(str(name)))
    return Style(palette=tuple(template.theme.chart_palette), colors=dict(template.theme.colors), fonts=fonts,
                 medium=medium, template=template, numbers=report.reference_numbers, palette_slots=report.palette_slots)


#: for glyphs the template's fonts lack, in each style (Matplotlib would log a weight it cannot find)
FALLBACK_FONTS = {f"fallback_{style}": templates_root() / "default" / "fonts" / name for style, name in (
    ("regular", "DejaVuSans.ttf"), ("bold", "DejaVuSans-Bold.ttf"), ("italic", "DejaVuSans-Oblique.ttf"))}


def _file_hash(path: str) -> str:
    import os

    stat = os.stat(path)  # in the cache key, so a font replaced between builds (watch mode) is hashed again
    return _hash_bytes(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=32)
def _hash_bytes(path: str, mtime_ns: int, size: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def nice_ticks(top: float, bins: int = 5) -> tuple[float, ...]:
    """Round ticks from 0 to the first one at or beyond top, at most bins steps (Matplotlib's MaxNLocator steps)."""
    import math

    top = top if top > 0 else 1.0
    scale = 10 ** math.floor(math.log10(top / bins))
    step = next(m * scale for m in (1, 2, 2.5, 5, 10, 20) if math.ceil(top / (m * scale) - 1e-9) <= bins)
    count = math.ceil(top / step - 1e-9)
    return tuple(round(i * step, 10) for i in range(count + 1))


# ------------------------------------------------------------------------------------------ rendering
@dataclass(frozen=True)
class Pen(Look):
    """The look with the fonts registered in Matplotlib under their family names: what drawing needs."""

    family: str
    bold_family: str
    italic_family: str | None
    fallbacks: Mapping[str, str]  #: style -> family Matplotlib takes a glyph the template's font lacks from

    def bold(self) -> dict[str, Any]:
        """Text kwargs for bold: the template's bold TTF even when it names its family differently."""
        return {"fontfamily": _families(self.bold_family, self.fallbacks["bold"]), "fontweight": "bold"}

    def italic(self) -> dict[str, Any]:
        if self.italic_family is None:
            return {}
        return {"fontfamily": _families(self.italic_family, self.fallbacks["italic"]), "fontstyle": "italic"}

    def rc(self) -> dict[str, Any]:
        return {
            "font.family": _families(self.family, self.fallbacks["regular"]),
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
            "figure.facecolor": GROUND,
            "savefig.facecolor": GROUND,
            "svg.fonttype": "none",  # text stays text: the PDF sets it in the embedded template font
            "svg.hashsalt": HASH_SALT,
            "path.simplify": True,
            "text.parse_math": False,  # evidence text is data: a "$" must print, never start mathtext
            "text.hinting": "none",  # unhinted glyphs lay out faster and look the same at 200 dpi
        }


def _families(font: str, fallback: str) -> list[str]:
    """The template's font, then the fallback unless it is the same file (the default template's)."""
    return [font] if fallback == font else [font, fallback]


def make_pen(look: Look) -> Pen:
    """Register the look's TTFs with Matplotlib, each under a family name of its own.

    By its own family name ("DejaVu Sans") Matplotlib could pick another file of that family (its
    bundled copy, a system font); a name made from the file's hash selects exactly the measured,
    hashed file the chart key names.
    """
    from dataclasses import replace

    from matplotlib import font_manager

    def family(key: str) -> str | None:
        font = look.fonts.get(key)
        if font is None:
            return None
        name = f"report_builder-{font.sha256[:16]}"
        # Once per process and file: watch mode builds many times, and the list only grows.
        if not any(entry.name == name for entry in font_manager.fontManager.ttflist):
            entry = font_manager.ttfFontProperty(font_manager.get_font(font.path))
            font_manager.fontManager.ttflist.append(replace(entry, name=name))
        return name

    regular = family("regular")
    return Pen(**{f.name: getattr(look, f.name) for f in fields(Look)},
               family=regular, bold_family=family("bold") or regular, italic_family=family("italic"),
               fallbacks={key.removeprefix("fallback_"): family(key) for key in FALLBACK_FONTS})


@contextmanager
def figure(pen: Pen, width: float, height: float) -> Iterator[Any]:
    """A Figure under the chart rc context, never registered with pyplot (no global state, nothing to close)."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(pen.rc()):
        yield Figure(figsize=(width, height), dpi=100)


def axes_at(fig: Any, left: float, top: float, width: float, height: float) -> Any:
    """An axes placed in inches from the figure's top-left corner: fixed layout, no tight_layout passes."""
    fw, fh = fig.get_size_inches()
    # A layout squeezed by long text still draws (a sliver of axes) rather than crash the build.
    width, height = max(width, 0.01), max(height, 0.01)
    return fig.add_axes((left / fw, 1 - (top + height) / fh, width / fw, height / fh))


def inch_x(fig: Any, ax: Any) -> Any:
    """x in inches from the figure's left edge, y in the axes' data units: for label columns beside a plot."""
    from matplotlib.transforms import blended_transform_factory

    return blended_transform_factory(fig.dpi_scale_trans, ax.transData)


SVG_METADATA = {"Date": None}  #: no build clock in the file
OPS_DPI = 72  #: the recording is drawn at 72 dpi: one unit, one point, as the PDF measures


def render(fig: Any, pen: Pen, media: tuple[Medium, ...] = ()) -> dict[str, bytes]:
    """The forms each medium embeds, each byte-identical for identical input: the SVG (vector, text as
    text), the PNG at the medium's dpi per shown inch, and the recorded drawing operations the PDF
    replays (charts.record) at one unit per layout point.

    media: the pen's own medium by default; a chart whose plan is the same for paper and slides is
    laid out once and saved in the forms of both (their forms differ: the PDF's, the deck's).
    Called inside figure(): the rc settings of the look apply to every form.
    """
    import os

    from matplotlib.backend_bases import register_backend
    from matplotlib.text import Text

    from report_builder.inputs.markup import clean

    # Matplotlib copies every string into an SVG comment: a control character would make the file invalid XML.
    for text in fig.findobj(match=Text):
        raw = text.get_text()
        if raw and clean(raw) != raw:
            text.set_text(clean(raw))
    register_backend("ops", "report_builder.charts.record", "Drawing operations (report_builder)")
    #: which template font each text uses (the PDF replay sets missing glyphs in the fallback itself)
    fonts = {os.path.realpath(f.path): key for key, f in pen.fonts.items() if key not in FALLBACK_FONTS}

    def options(form: str, medium: Medium) -> dict[str, Any]:
        if form == "svg":
            return {"format": "svg", "metadata": SVG_METADATA}
        if form == "png":  # drawn at the layout size times the scale; the file says its shown size
            return {"format": "png", "dpi": medium.dpi * medium.scale, "metadata": {"Software": None},
                    "pil_kwargs": {"compress_level": 3, "dpi": (medium.dpi, medium.dpi)}}
        return {"format": "ops", "dpi": OPS_DPI, "fonts": fonts}

    forms: dict[str, bytes] = {}
    for medium in media or (pen.medium,):
        for form in medium.forms:
            if form in forms:
                raise ValueError(f"two media of one drawing both embed {form}")
            buffer = io.BytesIO()
            fig.savefig(buffer, **options(form, medium))
            forms[form] = buffer.getvalue()
    return forms
