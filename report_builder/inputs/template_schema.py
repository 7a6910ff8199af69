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
    """Secondary headings and rules."""
    accent: Color | None = None
    """Highlights, e.g. key numbers."""
    text: Color | None = None
    """Body text."""
    muted: Color | None = None
    """Secondary text: captions, footnotes, sources."""
    light: Color | None = None
    """Background of boxes and alternate table rows."""
    warning: Color | None = None
    """The boxed-warning callout."""


class Fonts(Model):
    regular: RelativeFile | None = None
    """TrueType (.ttf) file of the regular face, relative to this folder."""
    bold: RelativeFile | None = None
    """TrueType (.ttf) file of the bold face."""
    italic: RelativeFile | None = None
    """TrueType (.ttf) file of the italic face."""
    bold_italic: RelativeFile | None = None
    """TrueType (.ttf) file of the bold italic face."""


class Theme(Model):
    institution: Text | None = None
    """The institution's name, on the title of the handout and the deck and in the page header."""
    colors: Colors = Colors()
    """The palette of headings, tables and callouts."""
    chart_palette: tuple[Color, ...] | None = Field(default=None, min_length=2)
    """Arm colours in charts, in arm order; keep it colour-blind safe (Okabe-Ito by default)."""
    fonts: Fonts = Fonts()
    """The four faces of the text font (TrueType files in this folder)."""
    logo: RelativeFile | None = None
    """A PNG or JPEG logo in this folder, shown beside the handout's title."""
    page_size: Literal["A4", "Letter"] | None = None
    """Paper size of the PDF."""
    header: str | None = None
    """Running header of the PDF pages."""
    footer: str | None = None
    """Running footer of the PDF pages, and the text of the deck's footer placeholder (not on the cover or closing slide)."""
    disclaimer: Text | None = None
    """The disclaimer in the PDF's page footer and on the deck's closing slide."""
    citation_style: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")] | None = None
    """The reference list's CSL style: csl/<name>.csl, looked up like wording (this template first, then its
    parents). Bundled: "vancouver" (the default) and "ama"; add another by copying its .csl into csl/."""


class PdfSettings(Model):
    sections: tuple[Text, ...] | None = None
    """Sections of the PDF, in order; a name without a built-in meaning renders wording/pdf/local/<name>.j2."""
    move_up: tuple[Text, ...] | None = None
    """Sections listed after `appendix` that move up to the page before it (page 2) when they fit in the room
    left there, in this order; otherwise they stay in the appendix. The default template moves the teaching
    points up: a short evidence file's page 2 is then not left mostly empty."""


#: The layout kinds the deck's slides use; deck.layouts maps each (or a slide kind itself) to a layout name.
LAYOUT_ROLES = ("title", "section", "content", "two_content", "title_only", "closing")
#: The deck's built-in slide kinds (builders/pptx/slides.py BUILT_IN; a test keeps the two lists equal).
DECK_SLIDES = ("title", "objectives", "question", "background", "mechanism", "studies", "pivotal", "supporting",
               "cross_study", "forest",
               "safety", "dosing", "regulatory", "appraisal", "bottom_line", "discussion", "quiz", "references",
               "closing")


class DeckSettings(Model):
    master: RelativeFile | None = None
    """A .pptx or .potx whose slide layouts the deck uses, by name."""
    layouts: dict[Text, Text] = {}
    """Layout kind (title, section, content, two_content, title_only, closing) or slide kind -> layout name in
    the master. Setting `master` drops the layout map inherited from the parent."""
    slides: tuple[Text, ...] | None = None
    """Slide kinds of the deck, in order."""
    colors: Colors = Colors()
    """Deck-only colours; those left out come from the master's theme (accent1 primary, accent2 secondary,
    accent3 accent, lt2 light, the master's text colour). Setting `master` drops inherited deck colours."""
    fonts: Fonts = Fonts()
    """Deck-only fonts (TrueType files): the deck's text is set in them. Left out, the deck keeps the master's
    fonts. Setting `master` drops inherited deck fonts."""


class TemplateFile(Model):
    """One template.yaml; an institution's overrides only what differs from its parent."""

    name: Text | None = None
    """Name shown by `build-report templates`; defaults to the folder's name."""
    description: Text | None = None
    """One line on what the template is for."""
    extends: Text | None = None
    """The parent template (a bundled name or a folder); this file overrides only what differs."""
    theme: Theme = Theme()
    """Colours, fonts, logo, page, header, footer, disclaimer and citation style."""
    pdf: PdfSettings = PdfSettings()
    """Settings of the PDF handout."""
    deck: DeckSettings = DeckSettings()
    """Settings of the PowerPoint deck."""
