"""Templates per institution: search path, overrides, the example institution, scaffolding and located errors."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from report_builder.cli import main
from report_builder.errors import TemplateError
from report_builder.theme.template import load_template

from conftest import EXAMPLE, ROOT, SMALL_EXAMPLE, require_tool

STEM = EXAMPLE.stem


@pytest.fixture(scope="session")
def northbridge_build(example_build) -> Path:
    return example_build(EXAMPLE, "northbridge")


def test_search_path_goes_institution_then_default():
    template = load_template("northbridge")
    assert [p.name for p in template.search_path] == ["northbridge", "default"]


def test_institution_overrides_only_what_differs():
    default, nb = load_template("default"), load_template("northbridge")
    assert nb.theme.colors["primary"] == "#00565B"
    assert nb.theme.colors["text"] == default.theme.colors["text"]  # inherited
    assert nb.theme.page_size == "Letter" and nb.theme.fonts["regular"].name == "DejaVuSerif.ttf"
    assert "local_protocol" in nb.pdf_sections and "local_protocol" in nb.deck_slides
    assert nb.deck_master.suffix == ".potx" and nb.deck_layouts["content"] == "NUH Text"


def test_overridden_wording_and_parent_extension_with_bang():
    nb = load_template("northbridge")
    assert nb.text("pdf/titles/bottom_line") == "Bottom line for Northbridge prescribers"
    notes = nb.text("deck/notes/bottom_line", paragraphs=["P1"], teaching_points=["T1"])
    assert "transplant team" in notes  # Northbridge's block
    assert "P1" in notes and "T1" in notes  # the default's blocks, inherited through {% extends "!..." %}


def test_bang_resolves_down_a_three_level_chain(tmp_path):
    middle = tmp_path / "middle"
    (middle / "wording" / "pdf" / "titles").mkdir(parents=True)
    (middle / "template.yaml").write_text("extends: northbridge\n")
    (middle / "wording" / "pdf" / "titles" / "bottom_line.j2").write_text(
        '{% extends "!wording/pdf/titles/bottom_line.j2" %}')
    top = tmp_path / "top"
    (top / "wording" / "pdf" / "titles").mkdir(parents=True)
    (top / "template.yaml").write_text(f"extends: {middle}\n")
    (top / "wording" / "pdf" / "titles" / "bottom_line.j2").write_text(
        '{% extends "!wording/pdf/titles/bottom_line.j2" %}')
    template = load_template(str(top))
    assert [p.name for p in template.search_path] == ["top", "middle", "northbridge", "default"]
    assert template.text("pdf/titles/bottom_line") == "Bottom line for Northbridge prescribers"


def test_bang_builds_on_each_parents_version_down_three_levels(tmp_path):
    """institution -> northbridge -> default, each file extending the next one down with "!"."""
    make_template(tmp_path, "extends: northbridge\n", {"wording/deck/notes/bottom_line.j2": (
        '{% extends "!wording/deck/notes/bottom_line.j2" %}{% block numbers %}Ours: {{ teaching_points[0] }}{% endblock %}')})
    template = load_template(str(tmp_path / "t"))
    assert [p.name for p in template.search_path] == ["t", "northbridge", "default"]
    notes = template.text("deck/notes/bottom_line", paragraphs=["P1"], teaching_points=["T1"])
    assert "Ours: T1" in notes  # this institution's block
    assert "Pitfalls worth repeating" not in notes  # ... in place of the default's
    assert "transplant team" in notes  # Northbridge's block
    assert "Teaching points:" in notes and "- P1" in notes  # the default's block under both


def test_bang_works_for_include_too(tmp_path):
    make_template(tmp_path, "extends: default\n", {"wording/pdf/titles/bottom_line.j2": (
        'Ours, after {% include "!wording/pdf/titles/bottom_line.j2" %}')})
    default = load_template("default").text("pdf/titles/bottom_line")
    assert load_template(str(tmp_path / "t")).text("pdf/titles/bottom_line") == f"Ours, after {default}"


def test_a_quoted_text_starting_with_bang_is_just_text(tmp_path):
    make_template(tmp_path, "extends: default\n", {"wording/pdf/titles/bottom_line.j2": (
        "{{ \"!Important\" }} {{ '!x' ~ \"!y\" }} {% set note = '!wording/pdf/titles/bottom_line.j2' %}{{ note }}")})
    assert (load_template(str(tmp_path / "t")).text("pdf/titles/bottom_line")
            == "!Important !x!y !wording/pdf/titles/bottom_line.j2")


def test_bang_with_no_parent_version_is_a_located_error(tmp_path):
    folder = make_template(tmp_path, "extends: default\n", {"wording/pdf/titles/only_here.j2": (
        'Title\n{% extends "!wording/pdf/titles/only_here.j2" %}')})
    with pytest.raises(TemplateError) as caught:
        load_template(str(folder)).text("pdf/titles/only_here")
    message = str(caught.value)
    assert f"{folder / 'wording/pdf/titles/only_here.j2'}:2: no wording file '!wording/pdf/titles/only_here.j2'" in message
    assert "no folder after" in message


def test_bang_in_the_last_folder_of_the_search_path_is_a_located_error(tmp_path):
    from report_builder.theme.wording import render, wording_environment

    first, last = tmp_path / "first", tmp_path / "last"
    for folder in (first, last):
        (folder / "wording").mkdir(parents=True)
        (folder / "wording" / "x.j2").write_text('{% extends "!wording/x.j2" %}\n')
    with pytest.raises(TemplateError) as caught:
        render(wording_environment((first, last)), "wording/x.j2", {}, "t")
    assert f"{last / 'wording' / 'x.j2'}:1: no wording file '!wording/x.j2'" in str(caught.value)


@pytest.mark.parametrize("chain,fragment", [
    ({"a": "extends: ../b\n", "b": "extends: ../a\n"}, "loops back to a"),
    ({f"t{i}": f"extends: ../t{i + 1}\n" for i in range(12)} | {"t12": "extends: default\n"}, "chain deeper than 10"),
])
def test_an_extends_chain_that_loops_or_runs_too_deep_is_a_located_error(tmp_path, chain, fragment):
    for name, text in chain.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "template.yaml").write_text(text)
    first = tmp_path / next(iter(chain))
    with pytest.raises(TemplateError, match=r"template\.yaml:1:10: extends: " + fragment):
        load_template(str(first))


def test_northbridge_pdf_is_that_institutions(northbridge_build):
    require_tool("pdffonts")
    pdf = northbridge_build / f"{STEM}.pdf"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "DejaVuSerif" in fonts
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "612 x 792" in info  # US Letter
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Northbridge University Hospital (fictional example)" in text
    assert "Bottom line for Northbridge prescribers" in text
    assert "Northbridge local protocol (fictional example)" in text
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True).stdout
    assert len(images.strip().splitlines()) >= 3  # the logo (header lines + at least one image)


def test_northbridge_deck_uses_its_own_master_layouts(northbridge_build):
    from pptx import Presentation

    deck = Presentation(northbridge_build / f"{STEM}.pptx")
    layouts = {slide.slide_layout.name for slide in deck.slides}
    assert layouts and all(name.startswith("NUH ") for name in layouts)
    titles = [s.shapes.title.text for s in deck.slides if s.shapes.title is not None]
    assert "Our patient and the question" in titles
    assert any("Northbridge" in t for t in titles)
    assert not any("sample slide" in t for t in titles)  # the master's sample slide is gone


def test_northbridge_deck_has_no_dangling_relationships(northbridge_build):
    import zipfile

    with zipfile.ZipFile(northbridge_build / f"{STEM}.pptx") as archive:
        names = set(archive.namelist())
        presentation_rels = archive.read("ppt/_rels/presentation.xml.rels").decode()
        for name in names:
            if not name.endswith(".rels"):
                continue
            base = name.replace("_rels/", "").removesuffix(".rels")
            folder = base.rsplit("/", 1)[0] if "/" in base else ""
            import re

            for target, mode in re.findall(r'Target="([^"]+)"(?:\s+TargetMode="(\w+)")?', archive.read(name).decode()):
                if mode == "External":
                    continue
                resolved = (Path(folder) / target).as_posix() if not target.startswith("/") else target[1:]
                parts = []
                for part in resolved.split("/"):
                    if part == "..":
                        parts.pop()
                    elif part and part != ".":
                        parts.append(part)
                assert "/".join(parts) in names, f"{name} points to missing {target}"
    assert "template.main+xml" not in zipfile.ZipFile(northbridge_build / f"{STEM}.pptx").read(
        "[Content_Types].xml").decode()
    assert presentation_rels


def test_template_folder_outside_the_repository_works(tmp_path):
    outside = tmp_path / "elsewhere" / "our-copy"
    shutil.copytree(ROOT / "templates" / "northbridge", outside)
    out = tmp_path / "out"
    assert main(["build", str(SMALL_EXAMPLE), "--out", str(out), "--template", str(outside), "--quiet"]) == 0
    assert (out / SMALL_EXAMPLE.stem / f"{SMALL_EXAMPLE.stem}.pdf").is_file()


def test_new_template_scaffold_builds_unchanged(tmp_path, capsys):
    assert main(["new-template", "ourhosp", "--dir", str(tmp_path)]) == 0
    folder = tmp_path / "ourhosp"
    assert "extends: default" in (folder / "template.yaml").read_text()
    out = tmp_path / "out"
    assert main(["build", str(SMALL_EXAMPLE), "--out", str(out), "--template", str(folder), "--quiet"]) == 0
    assert (out / SMALL_EXAMPLE.stem / f"{SMALL_EXAMPLE.stem}.pptx").is_file()


def test_new_template_refuses_an_existing_folder(tmp_path):
    (tmp_path / "taken").mkdir()
    assert main(["new-template", "taken", "--dir", str(tmp_path)]) == 2


def test_templates_command_lists_parents(capsys):
    assert main(["templates"]) == 0
    out = capsys.readouterr().out
    assert "northbridge" in out and "northbridge -> default" in out


def make_template(tmp_path: Path, yaml_text: str, files: dict[str, str | bytes] | None = None) -> Path:
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "template.yaml").write_text(yaml_text)
    for name, content in (files or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return folder


@pytest.mark.parametrize("yaml_text,files,fragment,line", [
    ("extends: default\ntheme:\n  colours: {primary: '#000000'}\n", {}, "unknown field 'colours'; did you mean 'colors'?", 3),
    ("extends: default\ntheme:\n  colors:\n    primary: teal\n", {}, "not in the expected format", 4),
    ("extends: default\ntheme:\n  logo: logo.png\n", {}, "file 'logo.png' not found", 3),
    ("extends: default\ntheme:\n  logo: logo.png\n", {"logo.png": b"not an image"}, "not a readable image", 3),
    ("extends: default\ntheme:\n  fonts: {regular: f.ttf}\n", {"f.ttf": b"garbage!"}, "not a TrueType font", 3),
    ("extends: default\ntheme:\n  logo: ../../etc/passwd\n", {}, "points outside the template folder", 3),
    ("extends: default\ndeck:\n  master: m.pptx\n", {"m.pptx": b"plain text"}, "not a PowerPoint file", 3),
    ("extends: nowhere\n", {}, "unknown template 'nowhere'", 1),
])
def test_bad_template_gives_a_located_error(tmp_path, yaml_text, files, fragment, line):
    folder = make_template(tmp_path, yaml_text, files)
    with pytest.raises(TemplateError) as caught:
        load_template(str(folder))
    text = str(caught.value)
    assert fragment in text
    assert f"template.yaml:{line}:" in text


def test_jinja_syntax_error_names_the_file_and_line(tmp_path):
    folder = make_template(tmp_path, "extends: default\n",
                           {"wording/pdf/titles/bottom_line.j2": "Line one\n{% if %}\n"})
    with pytest.raises(TemplateError, match=r"bottom_line\.j2:2:.*template syntax error"):
        load_template(str(folder)).text("pdf/titles/bottom_line")


def test_undefined_variable_names_the_file_and_line(tmp_path):
    folder = make_template(tmp_path, "extends: default\n",
                           {"wording/pdf/titles/bottom_line.j2": "Title\n{{ no_such_thing }}\n"})
    with pytest.raises(TemplateError, match=r"bottom_line\.j2:2: UndefinedError"):
        load_template(str(folder)).text("pdf/titles/bottom_line")


def test_sandbox_refuses_python_internals(tmp_path):
    folder = make_template(tmp_path, "extends: default\n",
                           {"wording/pdf/titles/bottom_line.j2": "{{ ''.__class__.__mro__[1].__subclasses__() }}"})
    with pytest.raises(TemplateError):
        load_template(str(folder)).text("pdf/titles/bottom_line")


def test_missing_layout_lists_the_masters_layouts(tmp_path, report, charts):
    from report_builder.builders.pptx import PptxBuilder

    folder = make_template(tmp_path, "extends: default\ndeck:\n  layouts: {content: No Such Layout}\n")
    with pytest.raises(TemplateError) as caught:
        PptxBuilder().build(report, charts, load_template(str(folder)))
    message = str(caught.value)
    assert "No Such Layout" in message and "Title and Content" in message and "Title Slide" in message


def test_bad_template_build_exits_2_and_writes_nothing(tmp_path):
    folder = make_template(tmp_path, "extends: default\ntheme:\n  colors: {primary: red}\n")
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "report_builder", "build", str(EXAMPLE), "--out", str(out),
                             "--template", str(folder)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "template.yaml:3:" in result.stderr
    assert not out.exists() or not any(out.rglob("*.pdf"))


def test_example_master_generator_is_reproducible():
    from masters.example_master import build_example_master

    committed = (ROOT / "templates" / "northbridge" / "northbridge-master.potx").read_bytes()
    assert build_example_master() == committed


def test_an_edited_wording_file_is_read_again(tmp_path):
    wording = "wording/pdf/titles/bottom_line.j2"
    folder = make_template(tmp_path, "extends: default\n", {wording: "Before"})
    assert load_template(str(folder)).text("pdf/titles/bottom_line") == "Before"
    (folder / wording).write_text("After")
    assert load_template(str(folder)).text("pdf/titles/bottom_line") == "After"


def test_the_bundled_fonts_pass_the_full_check_a_templates_own_fonts_get_when_it_loads():
    """load_template skips the bundled fonts (part of the program); this is where they are checked in full."""
    from report_builder.resources import templates_root
    from report_builder.theme.template import _font_problem

    fonts = sorted(templates_root().rglob("*.ttf"))
    assert len(fonts) >= 8
    for path in fonts:
        assert _font_problem(path.read_bytes()) is None, path


def test_a_copy_of_a_bundled_font_with_damaged_glyphs_is_refused_when_the_template_loads(tmp_path):
    import io

    from fontTools.ttLib import TTFont

    from report_builder.resources import templates_root

    font = bytearray((templates_root() / "default" / "fonts" / "DejaVuSans.ttf").read_bytes())
    glyf = TTFont(io.BytesIO(bytes(font))).reader.tables["glyf"]
    font[glyf.offset + 1000: glyf.offset + glyf.length - 1000] = b"\xff" * (glyf.length - 2000)
    folder = make_template(tmp_path, "extends: default\ntheme:\n  fonts:\n    bold: fonts/Copy.ttf\n",
                           {"fonts/Copy.ttf": bytes(font)})
    with pytest.raises(TemplateError) as caught:
        load_template(str(folder))
    assert "template.yaml:4:" in str(caught.value) and "damaged glyph data" in str(caught.value)


def _with_format_12_groups(font: bytes, change) -> bytes:
    """A copy of font whose format-12 character map groups (start, end, glyph) are passed through change."""
    import struct

    data = bytearray(font)
    tables = {struct.unpack_from(">4s", data, 12 + 16 * i)[0]: struct.unpack_from(">I", data, 12 + 16 * i + 8)[0]
              for i in range(struct.unpack_from(">H", data, 4)[0])}
    base = tables[b"cmap"]
    for i in range(struct.unpack_from(">H", data, base + 2)[0]):
        at = base + struct.unpack_from(">I", data, base + 4 + 8 * i + 4)[0]
        if struct.unpack_from(">H", data, at)[0] == 12:
            count = struct.unpack_from(">I", data, at + 12)[0]
            groups = [struct.unpack_from(">III", data, at + 16 + 12 * g) for g in range(count)]
            for g, group in enumerate(change(groups)):
                struct.pack_into(">III", data, at + 16 + 12 * g, *group)
    return bytes(data)


@pytest.mark.parametrize("name, change, says", [
    # ReportLab reads a range to its end: one ending at U+7FFFFFFF took it minutes and gigabytes.
    ("Long.ttf", lambda groups: groups[:-1] + [(groups[-1][0], 0x7FFFFFFF, groups[-1][2])], "past the last Unicode"),
    # Every group claiming all of Unicode: 5,906 groups of 1.1 million characters for a reader that believes them.
    ("All.ttf", lambda groups: [(0, 0x10FFFF, 1)] * len(groups), "ranges overlap"),
])
def test_a_character_map_no_library_could_read_in_time_is_refused_before_any_reads_it(tmp_path, name, change, says):
    """The template's line names the font; no parser is left to spend minutes on it."""
    from report_builder.resources import templates_root

    font = (templates_root() / "default" / "fonts" / "DejaVuSans.ttf").read_bytes()
    folder = make_template(tmp_path, f"extends: default\ntheme:\n  fonts:\n    bold: fonts/{name}\n",
                           {f"fonts/{name}": _with_format_12_groups(font, change)})
    with pytest.raises(TemplateError) as caught:
        load_template(str(folder))
    assert "template.yaml:4:" in str(caught.value) and says in str(caught.value)
