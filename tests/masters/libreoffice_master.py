"""Make a master as LibreOffice Impress saves it (.potx or .pptx), light or dark, by converting a document with soffice.

A developer tool and a test fixture: the document is written here (flat ODF, one master page per look
plus a spare one the deck must drop), and LibreOffice writes the PowerPoint file the way an
institution's education office would get it from "Save as" in Impress: placeholders without an index
(<p:ph/>), its fonts and colours on the runs of the master's placeholders instead of text styles,
twelve layouts per master ("Title, Content", "Title, 2 Content" ...), and its own docProps/core.xml.

    .venv/bin/python -m masters.libreoffice_master OUT.potx [--dark]
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: LibreOffice's own layout names for the slide kinds the deck uses (what deck.layouts maps them to).
LAYOUTS = {
    "title": "Title Slide", "section": "Title Only", "content": "Title, Content", "two_content": "Title, 2 Content",
    "title_only": "Title Only", "closing": "Title Slide",
}


@dataclass(frozen=True)
class Look:
    background: str
    title: str
    text: str
    font: str  #: LibreOffice writes Carlito as "Calibri" (its metric-compatible twin)


LIGHT = Look(background="#FFFFFF", title="#0B5563", text="#1D2B36", font="Carlito")
DARK = Look(background="#14213D", title="#FFD166", text="#F2F4F8", font="Carlito")


def document(look: Look) -> str:
    """A flat ODF presentation: its master page "Institution" with title and outline placeholders, a spare
    master page no slide uses, and one slide on the first."""
    def styles(master: str) -> str:
        none = '<style:graphic-properties draw:fill="none" draw:stroke="none"/>'
        return (
            f'<style:style style:name="{master}-title" style:family="presentation">{none}'
            '<style:paragraph-properties fo:text-align="start"/>'
            f'<style:text-properties fo:color="{look.title}" style:font-name="{look.font}" fo:font-size="36pt" '
            'fo:font-weight="bold"/></style:style>'
            f'<style:style style:name="{master}-subtitle" style:family="presentation">{none}'
            f'<style:text-properties fo:color="{look.text}" style:font-name="{look.font}" fo:font-size="24pt"/>'
            '</style:style>'
            f'<style:style style:name="{master}-outline1" style:family="presentation">{none}'
            f'<style:text-properties fo:color="{look.text}" style:font-name="{look.font}" fo:font-size="26pt"/>'
            '</style:style>'
        )

    def master_page(name: str, page_style: str) -> str:
        return (
            f'<style:master-page style:name="{name}" style:page-layout-name="PM1" draw:style-name="{page_style}">'
            f'<draw:frame presentation:style-name="{name}-title" presentation:class="title" svg:x="1.5cm" '
            'svg:y="0.8cm" svg:width="30.8cm" svg:height="2.6cm" presentation:placeholder="true"><draw:text-box/>'
            f'</draw:frame><draw:frame presentation:style-name="{name}-outline1" presentation:class="outline" '
            'svg:x="1.5cm" svg:y="4cm" svg:width="30.8cm" svg:height="13.4cm" presentation:placeholder="true">'
            '<draw:text-box/></draw:frame></style:master-page>'
        )

    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
        'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
        'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
        'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
        'office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.presentation">'
        f'<office:font-face-decls><style:font-face style:name="{look.font}" svg:font-family="{look.font}" '
        'style:font-family-generic="swiss"/></office:font-face-decls>'
        f'<office:styles>{styles("Institution")}{styles("Spare")}</office:styles>'
        '<office:automatic-styles><style:page-layout style:name="PM1"><style:page-layout-properties '
        'fo:margin-top="0cm" fo:margin-bottom="0cm" fo:margin-left="0cm" fo:margin-right="0cm" '
        'fo:page-width="33.867cm" fo:page-height="19.05cm" style:print-orientation="landscape"/></style:page-layout>'
        '<style:style style:name="Mdp1" style:family="drawing-page"><style:drawing-page-properties '
        f'draw:background-size="full" draw:fill="solid" draw:fill-color="{look.background}"/></style:style>'
        '<style:style style:name="Mdp2" style:family="drawing-page"><style:drawing-page-properties '
        'draw:background-size="full" draw:fill="solid" draw:fill-color="#808080"/></style:style>'
        '</office:automatic-styles>'
        f'<office:master-styles>{master_page("Institution", "Mdp1")}{master_page("Spare", "Mdp2")}</office:master-styles>'
        '<office:body><office:presentation><draw:page draw:name="page1" draw:master-page-name="Institution" '
        'presentation:presentation-page-layout-name="AL1T1"/></office:presentation></office:body></office:document>'
    )


def make_master(target: Path, look: Look = LIGHT, timeout: float = 180) -> Path:
    """Write `target` (.potx or .pptx) as LibreOffice saves it; returns target."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / f"{target.stem}.fodp"
        source.write_text(document(look), encoding="utf-8")
        # Its own profile, so a desktop LibreOffice (or another test) running at the same time does not interfere.
        profile = Path(work, "profile").as_uri()
        subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                        target.suffix.lstrip("."), "--outdir", work, str(source)],
                       check=True, capture_output=True, timeout=timeout)
        shutil.copyfile(Path(work) / f"{target.stem}{target.suffix}", target)
    return target


def main(argv: list[str] | None = None) -> int:
    args = list(argv if argv is not None else sys.argv[1:])
    dark = "--dark" in args
    paths = [a for a in args if not a.startswith("--")]
    if len(paths) != 1:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    target = make_master(Path(paths[0]), DARK if dark else LIGHT)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
