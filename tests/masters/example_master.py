"""Write templates/northbridge/northbridge-master.potx: the fictional institution's own PowerPoint template.

It stands in for a master an institution brings from outside: other layout names (mapped in its
template.yaml), its own colours and font, a .potx content type, and a sample slide that the deck
builder must remove cleanly. Run once and commit the result:

    .venv/bin/python -m masters.example_master
"""
from __future__ import annotations

import io
import re
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

#: The default master's layout names -> the names Northbridge's master uses.
RENAMED = {
    "Title Slide": "NUH Cover",
    "Title and Content": "NUH Text",
    "Section Header": "NUH Divider",
    "Two Content": "NUH Two Columns",
    "Comparison": "NUH Comparison",
    "Title Only": "NUH Heading Only",
    "Blank": "NUH Blank",
}
PRESENTATION = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
TEMPLATE = "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml"


def build_example_master() -> bytes:
    import yaml
    from PIL import ImageFont
    from pptx import Presentation

    from masters.default_master import build_master
    from report_builder.builders.pptx.package import fixed_entry
    from report_builder.resources import templates_root
    from report_builder.theme.template import load_template

    folder = templates_root() / "northbridge"
    settings = yaml.safe_load((folder / "template.yaml").read_text(encoding="utf-8"))["theme"]
    default = load_template("default").theme
    theme = replace(default, colors={**default.colors, **settings["colors"]},
                    chart_palette=tuple(settings["chart_palette"]))
    family = ImageFont.truetype(str(folder / settings["fonts"]["regular"]), 12).getname()[0]
    package = build_master(theme, family)

    # Rename the layouts, as an institution's own master would name them.
    renamed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(renamed, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("ppt/slideLayouts/slideLayout"):
                text = data.decode("utf-8")
                text = re.sub(r'<p:cSld name="([^"]+)"', lambda m: f'<p:cSld name="{RENAMED.get(m[1], m[1])}"', text)
                data = text.encode("utf-8")
            out.writestr(info, data)

    # A sample slide, as real masters often carry one: the deck builder must drop it without a trace.
    prs = Presentation(io.BytesIO(renamed.getvalue()))
    layout = next(l for l in prs.slide_layouts if l.name == "NUH Cover")
    slide = prs.slides.add_slide(layout)
    slide.shapes.title.text = "Northbridge sample slide (delete me)"
    saved = io.BytesIO()
    prs.save(saved)

    # Re-pack deterministically, declaring the main part a template (.potx).
    final = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(final, "w", zipfile.ZIP_DEFLATED) as out:
        for name in sorted(source.namelist(), key=lambda n: (n != "[Content_Types].xml", n)):
            data = source.read(name)
            if name == "[Content_Types].xml":
                data = data.replace(PRESENTATION.encode(), TEMPLATE.encode())
            if name == "docProps/core.xml":
                data = re.sub(rb"<dcterms:(created|modified)([^>]*)>[^<]*<", rb"<dcterms:\1\2>2026-01-01T00:00:00Z<", data)
            out.writestr(fixed_entry(name), data)
    return final.getvalue()


def main(argv: list[str] | None = None) -> int:
    from report_builder.resources import templates_root

    target = Path(argv[0]) if argv else templates_root() / "northbridge" / "northbridge-master.potx"
    target.write_bytes(build_example_master())
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
