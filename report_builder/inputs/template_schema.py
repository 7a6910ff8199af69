"""The template.yaml format: frozen pydantic models an institution's file is validated against."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from report_builder.inputs.evidence_schema import Model, Text

Color = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
RelativeFile = Annotated[str, StringConstraints(min_length=1, max_length=300)]


class Colors(Model):
    primary: Color | None = None
    """Headings, title bars, table headers."""
    secondary: Color | None = None
    accent: Color | None = None
    text: Color | None = None
    muted: Color | None = None
    light: Color | None = None
    """Background of boxes and alternate table rows."""
    warning: Color | None = None
    """The boxed-warning callout."""


class Fonts(Model):
    regular: RelativeFile | None = None
    bold: RelativeFile | None = None
    italic: RelativeFile | None = None
    bold_italic: RelativeFile | None = None


class Theme(Model):
    institution: Text | None = None
    colors: Colors = Colors()
    chart_palette: tuple[Color, ...] | None = Field(default=None, min_length=2)
    """Arm colours in charts, in arm order; keep it colour-blind safe (Okabe-Ito by default)."""
    fonts: Fonts = Fonts()
    logo: RelativeFile | None = None
    page_size: Literal["A4", "Letter"] | None = None
    header: str | None = None
    footer: str | None = None
    disclaimer: Text | None = None


class PdfSettings(Model):
    sections: tuple[Text, ...] | None = None


#: The layout kinds the deck's slides use; deck.layouts maps each (or a slide kind itself) to a layout name.
LAYOUT_ROLES = ("title", "section", "content", "two_content", "title_only", "closing")
#: The deck's built-in slide kinds (builders/pptx/slides.py BUILT_IN; a test keeps the two lists equal).
DECK_SLIDES = ("title", "objectives", "question", "background", "mechanism", "studies", "cross_study", "forest",
               "safety", "dosing", "regulatory", "appraisal", "bottom_line", "discussion", "quiz", "references",
               "closing")


class DeckSettings(Model):
    master: RelativeFile | None = None
    """A .pptx or .potx whose slide layouts the deck uses, by name."""
    layouts: dict[Text, Text] = {}
    """Layout kind (title, section, content, two_content, title_only, closing) or slide kind -> layout name in
    the master. Setting `master` drops the layout map inherited from the parent."""
    slides: tuple[Text, ...] | None = None
    colors: Colors = Colors()
    """Deck-only colours; those left out come from the master's theme (accent1 primary, accent2 secondary,
    accent3 accent, lt2 light, the master's text colour). Setting `master` drops inherited deck colours."""
    fonts: Fonts = Fonts()
    """Deck-only fonts (TrueType files): the deck's text is set in them. Left out, the deck keeps the master's
    fonts. Setting `master` drops inherited deck fonts."""


class TemplateFile(Model):
    """One template.yaml; an institution's overrides only what differs from its parent."""

    name: Text | None = None
    description: Text | None = None
    extends: Text | None = None
    theme: Theme = Theme()
    pdf: PdfSettings = PdfSettings()
    deck: DeckSettings = DeckSettings()
