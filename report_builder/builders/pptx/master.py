"""The master's look reaching the deck: its fonts (measured with a metric-compatible file) and theme colours, readable on its backgrounds."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from report_builder.builders.pptx import oxml
from report_builder.theme.contrast import MIN_CONTRAST, contrast, mix, readable

if TYPE_CHECKING:
    from report_builder.theme.template import Template

#: Office's hyperlink colour, for a theme that names none.
DEFAULT_HYPERLINK = "#0563C1"
#: Fonts with the same advance widths as a common master font, used to measure text where the font itself is not
#: installed (LibreOffice draws with them too).
METRIC_COMPATIBLE = {
    "calibri": "Carlito", "calibri light": "Carlito", "cambria": "Caladea", "arial": "Liberation Sans",
    "helvetica": "Liberation Sans", "arial narrow": "Liberation Sans Narrow", "times new roman": "Liberation Serif",
    "times": "Liberation Serif", "courier new": "Liberation Mono", "georgia": "Gelasio",
}


@dataclass(frozen=True)
class MasterLook:
    """What the deck takes from its master: the typeface runs state (None: the master's own applies), the files text
    is measured with, the deck colours, and the background they were checked against."""

    family: str | None  #: stated on placeholder runs only when the template sets deck fonts (or, see below)
    face: str  #: the typeface of text boxes, tables and charts (the master's body font, or the deck font)
    fonts: Mapping[str, Path]  #: regular/bold/italic/bold_italic files for measuring
    colors: Mapping[str, str]
    background: str  #: "#RRGGBB" of the content layout's background
    #: Placeholder type ("title", "body") -> the colour its runs state: only for a master without text styles
    #: (LibreOffice's), whose slides would otherwise show black text in the theme's font.
    placeholder_colours: Mapping[str, str | None] = field(default_factory=dict)
    #: The theme's hyperlink colour (hlink): what PowerPoint and LibreOffice draw links in unless told otherwise.
    hyperlink: str = DEFAULT_HYPERLINK


def master_look(prs, layout, template: "Template") -> MasterLook:
    """The look of the master that holds `layout` (the deck's content layout)."""
    master = layout.slide_master
    face, text = oxml.master_text_style(master, "body")
    background = oxml.background_colour(layout) or "#FFFFFF"
    styled = oxml.has_text_styles(master)
    placeholder_colours = {} if styled else {kind: oxml.master_text_style(master, kind)[1] for kind in ("title", "body")}
    if template.deck_fonts:
        fonts = template.deck_fonts
        family = face = _family_name(fonts["regular"])
    else:
        family = None if styled else face
        fonts = font_files(face, template.theme.fonts)
    return MasterLook(family, face, fonts, deck_colours(master, text, background, template), background,
                      placeholder_colours, oxml.theme_colours(master).get("hlink", DEFAULT_HYPERLINK))


def _family_name(path: Path) -> str:
    from PIL import ImageFont

    return ImageFont.truetype(str(path), 12).getname()[0]


def font_files(face: str, fallback: Mapping[str, Path]) -> Mapping[str, Path]:
    """Files to measure the master's typeface with: the template's own fonts when they are that family, else the
    installed font or its metric-compatible substitute; else the template's fonts (DejaVu is wider than most
    master fonts, so text measured with it still fits)."""
    if not face or _family_name(fallback["regular"]).lower() == face.lower():
        return fallback
    wanted = [name.lower() for name in (face, METRIC_COMPATIBLE.get(face.lower())) if name]
    found = installed_fonts(wanted)
    for name in wanted:
        if all((name, style) in found for style in STYLE_NAMES):
            return {style: found[name, style] for style in STYLE_NAMES}
    return fallback


#: Style names in font files -> the template's font keys.
STYLE_NAMES = {"regular": ("regular", "book", "normal", "roman"), "bold": ("bold",),
               "italic": ("italic", "oblique"), "bold_italic": ("bold italic", "bold oblique")}


def installed_fonts(families: list[str]) -> dict[tuple[str, str], Path]:
    """(family, style key) -> file, for the installed TrueType files of these families (lower-case names)."""
    from matplotlib import font_manager
    from PIL import ImageFont

    found: dict[tuple[str, str], Path] = {}
    for path in sorted(font_manager.findSystemFonts(fontext="ttf")):
        try:
            family, style = ImageFont.truetype(path, 12).getname()
        except OSError:
            continue
        if family is None or family.lower() not in families:
            continue
        for key, names in STYLE_NAMES.items():
            if (style or "").lower() in names:
                found.setdefault((family.lower(), key), Path(path))
    return found


def deck_colours(master, text: str | None, background: str, template: "Template") -> dict[str, str]:
    """The deck's colours: the template's deck colours, else the master's theme; text colours readable on the
    background (WCAG 4.5:1), fills left as they are (text on them is chosen for them)."""
    theme = oxml.theme_colours(master)
    base = template.theme.colors
    from_master = {
        "primary": theme.get("accent1"), "secondary": theme.get("accent2"), "accent": theme.get("accent3"),
        "text": text or theme.get("dk1"), "light": theme.get("lt2"),
    }
    colours = {key: template.deck_colors.get(key) or from_master.get(key) or base[key] for key in base}
    colours["text"] = readable(colours["text"], background)
    if contrast(colours["muted"], background) < MIN_CONTRAST:
        # Secondary text stays quieter than the body where a shade between background and text reads well enough.
        colours["muted"] = mix(background, colours["text"], 0.75)
    for key in ("muted", "warning", "accent"):
        colours[key] = readable(colours[key], background)
    if contrast(colours["light"], background) < 1.1 or contrast(colours["text"], colours["light"]) < MIN_CONTRAST:
        # Alternate table rows in a shade of the background the text stays readable on.
        colours["light"] = mix(background, colours["text"], 0.12)
    return colours
