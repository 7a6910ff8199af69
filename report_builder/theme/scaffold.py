"""`build-report new-template`: a commented template folder that builds unchanged."""
from __future__ import annotations

import re
from pathlib import Path

from report_builder.errors import TemplateError
from report_builder.theme.search_path import TEMPLATE_FILE, find_template_folder

_TEMPLATE_YAML = """\
# Template "{name}". It extends "{parent}" and overrides nothing yet, so it builds exactly like its
# parent. Uncomment and change only what your institution needs; docs/templates.md explains each key.
name: {name}
description: Template of (your institution)
extends: {parent_ref}

# theme:
#   institution: Example Hospital, Department of Hematology   # shown in the title block and footers
#   colors:                       # "#RRGGBB"; keep contrast high, the PDF is often printed in grey
#     primary: "#1F3A5F"          # headings, title bars, table headers
#     secondary: "#3C6E9F"
#     accent: "#D55E00"
#     text: "#1A1A1A"
#     muted: "#5F6B76"
#     light: "#EEF3F8"            # box backgrounds, alternate table rows
#     warning: "#A4161A"          # the boxed-warning callout
#   chart_palette: ["#0072B2", "#E69F00", "#009E73", "#CC79A7"]   # arm colours; keep it colour-blind safe
#   fonts:                        # TrueType (.ttf) files inside this folder
#     regular: fonts/MyFont-Regular.ttf
#     bold: fonts/MyFont-Bold.ttf
#     italic: fonts/MyFont-Italic.ttf
#     bold_italic: fonts/MyFont-BoldItalic.ttf
#   logo: logo.png                # PNG or JPEG inside this folder
#   page_size: Letter             # A4 or Letter
#   header: Journal club
#   footer: Internal use only
#   disclaimer: For teaching only. Follow the local protocol for treatment decisions.

# pdf:
#   sections: [title, bottom_line, question, summary_of_findings, studies, safety, dosing,
#              local_protocol, references]   # a name without built-in meaning renders
#                                             # wording/pdf/local/<name>.j2

# deck:
#   master: our-master.pptx       # your own .pptx or .potx; its layouts, fonts and theme colours are used
#   layouts:                      # layout kind -> layout name in YOUR master (a new master maps all six)
#     title: Title Slide
#     section: Section Header
#     content: Title and Content
#     two_content: Two Content
#     title_only: Title Only
#     closing: Title Slide
#   slides: [title, question, studies, forest, safety, bottom_line, references, closing]
#   colors: {{primary: "#00563F"}}  # deck-only colours; left out, they come from the master's theme
"""

_WORDING_README = """\
Wording overrides for template "{name}".

Copy a file from the parent's wording/ folder into the same place here and edit it. To build on the
parent's version instead of copying it, start the file with

    {{% extends "!wording/pdf/bottom_line/title.j2" %}}

(with the file's own path) and override its blocks. Evidence text is passed to these templates as
data and is never run as a template.
"""


def new_template(name: str, parent: str, where: Path) -> Path:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise TemplateError(f"template name {name!r}: use letters, digits, '-', '_' and '.'")
    parent_folder = find_template_folder(parent)
    folder = Path(where) / name
    if folder.exists():
        raise TemplateError(f"{folder}: already exists; choose another name or remove it")
    parent_ref = parent if "/" not in parent and "\\" not in parent else str(parent_folder)
    folder.mkdir(parents=True)
    (folder / "wording").mkdir()
    (folder / TEMPLATE_FILE).write_text(_TEMPLATE_YAML.format(name=name, parent=parent_folder.name,
                                                               parent_ref=parent_ref), encoding="utf-8")
    (folder / "wording" / "README.txt").write_text(_WORDING_README.format(name=name), encoding="utf-8")
    return folder
