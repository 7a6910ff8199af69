"""Hostile and broken inputs: exit status 2, a message naming file and line, no traceback, nothing written."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from report_builder.cli import main
from report_builder.errors import EvidenceError, ReportBuilderError, TemplateError

from conftest import ROOT, require_tool

CORPUS = Path(__file__).resolve().parent / "corpus"
BASE = CORPUS / "base.yaml"
EVIDENCE_CASES = sorted((CORPUS / "evidence").glob("*.yaml"))
TEMPLATE_CASES = sorted(p for p in (CORPUS / "templates").iterdir() if p.is_dir())
#: What the hostile cases would create if anything in them were ever executed.
PWNED = Path("/tmp/report-builder-pwned")


# ------------------------------------------------------------------------------------------ the corpus
@dataclass(frozen=True)
class Expected:
    fragment: str  #: a piece of the error message
    file: str  #: the file the message must name, relative to the case ("" = the evidence file itself)
    line: int | None  #: None: the problem is the whole file (empty, too big, a link), so no line is given


_EXPECT = re.compile(r"^(?:# expect: )?(?P<fragment>.+?) @ (?:(?P<file>\S+) )?line (?P<line>\d+|-)\s*$")


def parse_expectation(text: str, default_file: str = "") -> Expected:
    match = _EXPECT.match(text.strip())
    assert match, f"not an expectation: {text!r} (write '# expect: <fragment> @ [file] line <N|->')"
    line = None if match["line"] == "-" else int(match["line"])
    return Expected(match["fragment"], match["file"] or default_file, line)


def evidence_expectation(case: Path) -> Expected:
    """First-line '# expect:' comment, or a <case>.expect sidecar for byte-level cases (BOM, encodings)."""
    sidecar = case.with_suffix(".expect")
    if sidecar.exists():
        return parse_expectation(sidecar.read_text(encoding="utf-8"))
    first = case.read_bytes().split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
    return parse_expectation(first)


def template_expectation(case: Path) -> Expected:
    first = (case / "template.yaml").read_text(encoding="utf-8").splitlines()[0]
    return parse_expectation(first, "template.yaml")


def materialise(case: Path, where: Path) -> Path:
    """A copy of a template case, with the symbolic links its LINKS file lists (git would not keep them)."""
    folder = where / case.name
    shutil.copytree(case, folder, ignore=shutil.ignore_patterns("LINKS"))
    links = case / "LINKS"
    if links.exists():
        for line in links.read_text(encoding="utf-8").splitlines():
            name, target = (part.strip() for part in line.split("->"))
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(target, folder / name)
    return folder


def test_the_corpus_is_large_and_every_case_declares_its_error():
    assert len(EVIDENCE_CASES) + len(TEMPLATE_CASES) >= 50
    for case in EVIDENCE_CASES:
        assert evidence_expectation(case).fragment
    for case in TEMPLATE_CASES:
        assert template_expectation(case).fragment


def test_base_is_the_complete_example_of_the_docs():
    doc = (ROOT / "docs" / "evidence-format.md").read_text(encoding="utf-8")
    assert re.findall(r"```yaml\n(.*?)```", doc, re.S)[-1] == BASE.read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------ helpers
def sentinels(out: Path, stem: str) -> dict[str, bytes]:
    """Earlier outputs in OUT/<stem>/, which a failed build must leave exactly as they were."""
    files = {
        f"{stem}/{stem}.pdf": b"%PDF-1.4 earlier build\n",
        f"{stem}/{stem}.pptx": b"PK earlier deck",
        f"{stem}/charts/response-rates.svg": b"<svg>earlier</svg>",
        f"{stem}/manifest.json": b'{"fingerprint": "earlier"}\n',
        "unrelated.txt": b"not ours",
    }
    for name, data in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    return snapshot(out)


def snapshot(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def assert_nothing_written(out: Path, before: dict[str, bytes]) -> None:
    assert snapshot(out) == before
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".")]


def run_cli(capsys, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    status = main(["build", *args, "--quiet"])
    captured = capsys.readouterr()
    return status, captured.err + captured.out


def assert_located(message: str, file: Path, expected: Expected) -> None:
    """The message names the file (and the line, when there is one) on the line that has the fragment."""
    assert expected.fragment in message, message
    assert "Traceback" not in message and "internal error" not in message, message
    hits = [ln for ln in message.splitlines() if ln.startswith(f"{file}:") or ln.startswith(f"{file} ")]
    if expected.line is None:
        assert any(expected.fragment in ln for ln in hits), f"no line names {file}:\n{message}"
    else:
        assert any(ln.startswith(f"{file}:{expected.line}:") or ln.startswith(f"{file}:{expected.line} ")
                   for ln in hits if expected.fragment in ln), f"expected {file}:{expected.line}:\n{message}"


# ------------------------------------------------------------------------------------------ every case, via the CLI
@pytest.mark.parametrize("case", EVIDENCE_CASES, ids=[c.stem for c in EVIDENCE_CASES])
def test_broken_evidence_exit_2_located_nothing_written(case, tmp_path, capsys):
    expected = evidence_expectation(case)
    out = tmp_path / "out"
    before = sentinels(out, case.stem)
    status, message = run_cli(capsys, str(case), "--out", str(out))
    assert status == 2, message
    assert_located(message, case, expected)
    assert_nothing_written(out, before)
    assert not PWNED.exists()


@pytest.mark.parametrize("case", TEMPLATE_CASES, ids=[c.name for c in TEMPLATE_CASES])
def test_broken_template_exit_2_located_nothing_written(case, tmp_path, capsys):
    expected = template_expectation(case)
    folder = materialise(case, tmp_path)
    out = tmp_path / "out"
    before = sentinels(out, BASE.stem)
    status, message = run_cli(capsys, str(BASE), "--out", str(out), "--template", str(folder))
    assert status == 2, message
    assert_located(message, folder / expected.file, expected)
    assert_nothing_written(out, before)
    assert not PWNED.exists()
    assert (ROOT / "templates" / "default" / "fonts" / "DejaVuSans.ttf").is_file()  # nothing deleted


SUBPROCESS_CASES = [
    CORPUS / "evidence" / "alias-bomb.yaml",
    CORPUS / "evidence" / "python-object-tag.yaml",
    CORPUS / "evidence" / "latin-1-byte.yaml",
    CORPUS / "evidence" / "nul-byte.yaml",
    CORPUS / "evidence" / "octal-looking-count.yaml",
    CORPUS / "templates" / "wording-python-internals",
    CORPUS / "templates" / "logo-symlink-outside",
]


@pytest.mark.parametrize("case", SUBPROCESS_CASES, ids=[c.stem for c in SUBPROCESS_CASES])
def test_no_traceback_reaches_the_user(case, tmp_path):
    """The same, through a real process: what the user sees on the terminal is the message alone."""
    out = tmp_path / "out"
    if case.is_dir():
        folder, expected = materialise(case, tmp_path), template_expectation(case)
        args, named = [str(BASE), "--template", str(folder)], folder / expected.file
    else:
        args, named, expected = [str(case)], case, evidence_expectation(case)
    result = subprocess.run([sys.executable, "-m", "report_builder", "build", *args, "--out", str(out)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and 'File "' not in result.stderr
    assert_located(result.stderr, named, expected)
    assert result.stdout == ""
    assert not out.exists()
    assert not PWNED.exists()


def test_debug_does_not_turn_user_errors_into_tracebacks(tmp_path):
    result = subprocess.run([sys.executable, "-m", "report_builder", "--debug", "build",
                             str(CORPUS / "evidence" / "negative-count.yaml"), "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_internal_errors_exit_1_and_show_the_traceback_only_with_debug(tmp_path, capsys, monkeypatch):
    import report_builder.charts.draw as draw

    def broken(*args, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(draw, "plan_drawing", broken)
    for argv, traceback in ((["build"], False), (["--debug", "build"], True), (["build", "--debug"], True)):
        capsys.readouterr()
        status = main([*argv, str(BASE), "--out", str(tmp_path / "out"), "--quiet", "--force"])
        err = capsys.readouterr().err
        assert status == 1, err
        assert "internal error: KeyError: 'a bug'" in err and "rerun with --debug" in err
        assert ("Traceback" in err) == traceback, err
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------------------ cases made in the test
def build_fails(capsys, evidence: Path, out: Path, *more: str) -> str:
    before = sentinels(out, evidence.stem)
    status, message = run_cli(capsys, str(evidence), "--out", str(out), *more)
    assert status == 2, message
    assert "Traceback" not in message and "internal error" not in message, message
    assert_nothing_written(out, before)
    return message


def test_a_file_over_5_mib_is_refused_before_reading(tmp_path, capsys):
    huge = tmp_path / "huge.yaml"
    with huge.open("w", encoding="utf-8") as handle:
        handle.write(BASE.read_text(encoding="utf-8"))
        line = "# " + "x" * 1000 + "\n"
        while handle.tell() <= 5 * 1024 * 1024:
            handle.write(line)
    started = time.process_time()  # CPU time: a guard against runaway work that a busy machine does not trip
    message = build_fails(capsys, huge, tmp_path / "out")
    assert time.process_time() - started < 2
    assert f"{huge}: file is" in message and "limited to 5,242,880 bytes" in message


def alias_bomb(levels: int) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n" + BASE.read_text(encoding="utf-8")


@pytest.mark.parametrize("levels", [9, 30])
def test_alias_bomb_is_refused_fast_with_bounded_memory(tmp_path, levels):
    from report_builder.analysis.report import load_report

    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(levels), encoding="utf-8")
    tracemalloc.start()
    started = time.process_time()  # CPU time: a guard against runaway work that a busy machine does not trip
    try:
        with pytest.raises(EvidenceError, match=r"bomb\.yaml:\d+:\d+: too many values"):
            load_report(path)
        elapsed = time.process_time() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 2, f"took {elapsed:.2f} s"
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_alias_bomb_in_a_template_is_refused_fast(tmp_path):
    from report_builder.theme.template import load_template

    folder = tmp_path / "bomb"
    folder.mkdir()
    (folder / "template.yaml").write_text("extends: default\n" + alias_bomb(20).split("format_version")[0])
    started = time.process_time()  # CPU time: a guard against runaway work that a busy machine does not trip
    with pytest.raises(TemplateError, match="too many values"):
        load_template(str(folder))
    assert time.process_time() - started < 2


@pytest.mark.parametrize("depth", [100, 20_000])
def test_deep_nesting_is_located_not_a_recursion_error(tmp_path, capsys, depth):
    path = tmp_path / "deep.yaml"
    path.write_text(BASE.read_text(encoding="utf-8") + "abbreviations: " + "[" * depth + "]" * depth + "\n")
    message = build_fails(capsys, path, tmp_path / "out")
    assert f"{path}:70:" in message and "nesting deeper than 60 levels" in message


def test_a_device_or_pipe_is_refused_without_reading_it(tmp_path, capsys):
    pipe = tmp_path / "evidence.yaml"
    os.mkfifo(pipe)  # opening it to read would block for ever
    message = build_fails(capsys, pipe, tmp_path / "out")
    assert f"{pipe}: not a regular file" in message
    message = build_fails(capsys, Path("/dev/zero"), tmp_path / "out2")
    assert "/dev/zero: not a regular file" in message


def test_a_folder_or_a_missing_file(tmp_path, capsys):
    assert "is a folder" in build_fails(capsys, tmp_path, tmp_path / "out")
    assert "no such file" in build_fails(capsys, tmp_path / "absent.yaml", tmp_path / "out")


def test_out_naming_a_file_is_a_user_error_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    out.write_bytes(b"a file, not a folder")
    status, message = run_cli(capsys, str(BASE), "--out", str(out))
    assert status == 2, message
    assert "cannot write the outputs" in message and "Traceback" not in message
    assert out.read_bytes() == b"a file, not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# ------------------------------------------------------------------------------------------ accepted oddities
def evidence_of(path: Path):
    from report_builder.analysis.report import load_report

    return load_report(path).evidence


def test_a_bom_alone_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.read_bytes())
    assert evidence_of(path) == evidence_of(BASE)


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_windows_and_old_mac_line_ends_are_accepted(tmp_path, newline):
    path = tmp_path / "lines.yaml"
    path.write_bytes(BASE.read_text(encoding="utf-8").replace("\n", newline).encode("utf-8"))
    evidence = evidence_of(path)
    assert evidence == evidence_of(BASE)
    assert evidence.studies[0].outcomes[1].arms["chemo"].median.text == "6.0"


def test_unicode_line_separators_are_read_as_spaces_and_keep_line_numbers(tmp_path):
    text = BASE.read_text(encoding="utf-8").replace("Drug X in relapsed disease", "Drug X\u2028in\u2029relapsed\x85disease")
    path = tmp_path / "separators.yaml"
    path.write_text(text.replace("enrolled: 200", "enrolled: -200"), encoding="utf-8")
    with pytest.raises(EvidenceError) as caught:
        evidence_of(path)
    assert [p.line for p in caught.value.problems] == [24]  # as an editor counts them
    path.write_text(text, encoding="utf-8")
    assert evidence_of(path).meta.title == "Drug X in relapsed disease"


def test_control_characters_written_as_yaml_escapes_are_accepted(tmp_path):
    path = tmp_path / "escapes.yaml"
    path.write_text(BASE.read_text(encoding="utf-8").replace('  title: Drug X in relapsed disease',
                                                             '  title: "Drug X\\x00\\x0b in relapsed disease"'))
    assert evidence_of(path).meta.title == "Drug X\x00\x0b in relapsed disease"  # cleaned when rendered


# ------------------------------------------------------------------------------------------ hostile text in the outputs
HOSTILE = CORPUS / "valid" / "hostile-text.yaml"
LITERALS = [
    "<b>in</b> relapsed & refractory",
    "{{ 7*7 }}",
    "</para><font name='Courier' color='red'>aged 18 &amp; over</font>",
    "{% if true %}yes{% endif %}",
    "<b>not bold</b>, </para>, <font size=40>big?</font>, AT&T, &amp; {{ evidence }} {% raw %}",
    "Control characters: gone",
    "TRIAL-1 <i>&</i> {{ config }}",
]
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory) -> Path:
    from report_builder.build import build

    out = tmp_path_factory.mktemp("hostile")
    result = build(HOSTILE, out, "default")
    assert result.status == "built"
    return result.out_dir


def squash(text: str) -> str:
    """Text extracted from a document with its line breaks and hyphenation points folded to single spaces."""
    return re.sub(r"\s+", " ", text)


def test_markup_and_template_syntax_appear_literally_in_the_pdf(hostile_build):
    pdftotext = require_tool("pdftotext")
    pdf = hostile_build / f"{HOSTILE.stem}.pdf"
    text = subprocess.run([pdftotext, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = squash(text)
    for literal in LITERALS:
        assert squash(literal) in flat, literal
    assert not CONTROL.search(text.replace("\f", ""))  # pdftotext ends each page with a form feed


def deck_text(path: Path) -> str:
    from pptx import Presentation

    parts = []
    for slide in Presentation(str(path)).slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                parts += [cell.text for row in shape.table.rows for cell in row.cells]
        if slide.has_notes_slide:
            parts.append(slide.notes_slide.notes_text_frame.text)
    return "\n".join(parts)


def test_markup_and_template_syntax_appear_literally_in_the_deck(hostile_build):
    text = deck_text(hostile_build / f"{HOSTILE.stem}.pptx")
    flat = squash(text)
    for literal in LITERALS:
        assert squash(literal) in flat, literal
    assert not CONTROL.search(text)


def test_every_chart_is_well_formed_with_hostile_text(hostile_build):
    """Control characters once reached the chart SVGs and made them invalid XML."""
    import xml.etree.ElementTree as ElementTree

    svgs = sorted((hostile_build / "charts").glob("*.svg"))
    assert svgs
    for svg in svgs:
        ElementTree.parse(svg)
        assert not CONTROL.search(svg.read_text(encoding="utf-8")), svg.name


# ------------------------------------------------------------------------------------------ long text and tables
ASCII_FONT_TEMPLATE = CORPUS / "valid" / "template-with-an-ascii-only-font"


def test_a_character_the_template_font_lacks_is_one_located_warning_and_drawn_in_the_fallback(tmp_path, capsys):
    """Not raw Matplotlib warnings with library paths, and no character silently gone from a chart: the field
    and the characters are named once, and the charts (like the PDF text) set them in DejaVu Sans."""
    evidence = tmp_path / "glyphs.yaml"
    text = BASE.read_text(encoding="utf-8")
    assert "name: Chemotherapy," in text
    evidence.write_text(text.replace("name: Chemotherapy,", "name: Chemotherapy → ≥ → 日,"), encoding="utf-8")
    line = next(i for i, row in enumerate(evidence.read_text(encoding="utf-8").splitlines(), 1) if "日" in row)
    code, output = run_cli(capsys, str(evidence), "--out", str(tmp_path / "out"),
                           "--template", str(ASCII_FONT_TEMPLATE))
    assert code == 0, output
    warnings = [row for row in output.splitlines() if ": warning:" in row]
    assert len(warnings) == 1, output  # the chart arrows of the wording are drawn in the fallback: no warning
    assert warnings[0].startswith(f"{evidence}:{line}:") and "studies[0].arms[1].name" in warnings[0]
    assert "'→' (U+2192 RIGHTWARDS ARROW)" in warnings[0] and warnings[0].count("'→'") == 1
    assert "'≥'" in warnings[0] and "lacks '日' too" in warnings[0]
    assert "missing from font" not in output and ".py" not in output and "site-packages" not in output
    code, output = run_cli(capsys, str(evidence), "--out", str(tmp_path / "strict"), "--strict",
                           "--template", str(ASCII_FONT_TEMPLATE))
    assert code == 2 and "studies[0].arms[1].name" in output


def test_a_character_of_a_templates_own_wording_its_font_lacks_is_a_warning_at_its_line(tmp_path, capsys):
    """As for the evidence: the wording file and line are named, with the characters; Jinja comments and code
    are not text, and the default template's wording (DejaVu Sans has all of it) is not the user's to fix."""
    import shutil

    folder = tmp_path / "ascii"
    shutil.copytree(ASCII_FONT_TEMPLATE, folder)
    wording = folder / "wording" / "pdf" / "titles" / "bottom_line.j2"
    wording.parent.mkdir(parents=True)
    wording.write_text('{# "≥" in a comment is never printed #}\n{% if true %}Bottom line{% endif %}\n'
                       '{{ "→" }} 日 today\n', encoding="utf-8")
    code, output = run_cli(capsys, str(BASE), "--out", str(tmp_path / "out"), "--template", str(folder))
    assert code == 0, output
    warnings = [row for row in output.splitlines() if ": warning:" in row]
    assert len(warnings) == 1, output
    assert warnings[0].startswith(f"{wording}:3:"), warnings[0]
    assert "'→' (U+2192 RIGHTWARDS ARROW)" in warnings[0] and "lacks '日' too" in warnings[0]
    assert "≥" not in warnings[0]  # a string literal is text (it is printed); a comment is not
    code, output = run_cli(capsys, str(BASE), "--out", str(tmp_path / "strict"), "--strict", "--template", str(folder))
    assert code == 2 and str(wording) in output


def test_a_chart_in_the_pdf_sets_characters_its_font_lacks_in_the_fallback():
    from report_builder.builders.pdf.style import GlyphFallback, register_fonts
    from report_builder.resources import templates_root
    from report_builder.theme.template import load_template

    fonts = register_fonts(load_template(str(ASCII_FONT_TEMPLATE)).theme)
    fallback = GlyphFallback(fonts, templates_root() / "default" / "fonts" / "DejaVuSans.ttf")
    (first, ascii_run), (arrow_font, arrow), (last, tail) = fallback.runs("favours DX → now")
    assert (first, ascii_run, arrow, last, tail) == (None, "favours DX ", "→", None, " now")
    assert arrow_font.startswith("RB-DejaVuSans")
    assert fallback.runs("plain text") == [(None, "plain text")]


def long_evidence() -> str:
    """The docs example grown until every section spans pages: long words, paragraphs, tables and lists."""
    q = json.dumps  # a JSON string is a YAML double-quoted string: no ': ' or '#' surprises
    text = BASE.read_text(encoding="utf-8")
    word = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 40  # 1,800 characters without a space
    paragraph = "Relapsed disease has a poor prognosis and this sentence is repeated to make a long paragraph. " * 40
    refs = [f"ref{i:03d}" for i in range(60)]
    background = [f"  - {q(paragraph + '[@smith2020]')}\n" for _ in range(12)]
    background.append(f"  - {q(word + ' [@' + '; @'.join(refs) + ']')}\n")
    text = text.replace("  - Relapsed disease has a poor prognosis [@smith2020].\n", "".join(background))
    events = "".join(
        f"      - term: Adverse event number {i} with a long descriptive name that wraps in the table\n"
        f"        grade: \">=3\"\n        source: smith2020\n"
        f"        arms:\n          dx: {{events: {i % 100}, total: 100, percent: {i % 100}}}\n"
        f"          chemo: {{events: {(i * 7) % 100}, total: 100, percent: {(i * 7) % 100}}}\n"
        for i in range(150)
    )
    text = text.replace("    adverse_events:\n", "    adverse_events:\n" + events)
    points = "".join(f"      - {q(f'Key point {i}: ' + paragraph[:300])}\n" for i in range(40))
    limitations = "".join(f"      - {q(f'Limitation {i}: ' + paragraph[:200])}\n" for i in range(30))
    text = text.replace("    flow:\n", "    key_points:\n" + points + "    limitations:\n" + limitations + "    flow:\n")
    text = text.replace("bottom_line:\n", f"bottom_line:\n  - {q(word)}\n  - {q(paragraph * 3)}\n")
    text += "".join(f"  - {{id: {ref}, authors: [Author {ref}], title: {q(paragraph[:200])}, year: 2020}}\n"
                    for ref in refs)
    text += "abbreviations:\n" + "".join(f"  ABBR{i}: {q(paragraph[:150])}\n" for i in range(150))
    return text


@pytest.fixture(scope="module")
def long_build(tmp_path_factory) -> Path:
    from report_builder.build import build

    folder = tmp_path_factory.mktemp("long")
    evidence = folder / "long.yaml"
    evidence.write_text(long_evidence(), encoding="utf-8")
    return build(evidence, folder / "out", "default").out_dir


def test_extremely_long_text_and_tables_paginate(long_build):
    from pptx import Presentation
    from pypdf import PdfReader

    pdf = PdfReader(str(long_build / "long.pdf"))
    assert len(pdf.pages) > 8
    text = squash(" ".join(page.extract_text() for page in pdf.pages))
    assert "Adverse event number 149" in text
    assert "Key point 39:" in text and "Limitation 29:" in text  # two columns taller than a page, cut side by side
    deck = Presentation(str(long_build / "long.pptx"))
    assert len(deck.slides) > 10
    assert "Adverse event number 149" in squash(deck_text(long_build / "long.pptx"))


# ------------------------------------------------------------------------------------------ concurrent builds
def _build_into(out: str) -> str:
    from report_builder.build import build

    return build(BASE, Path(out), "default", force=True).status


@pytest.mark.slow
def test_concurrent_builds_into_one_folder_never_leave_a_mixed_or_partial_file(tmp_path):
    import multiprocessing

    from pptx import Presentation
    from pypdf import PdfReader

    out = tmp_path / "out"
    with ProcessPoolExecutor(max_workers=4, mp_context=multiprocessing.get_context("spawn")) as pool:
        statuses = list(pool.map(_build_into, [str(out)] * 4))
    assert statuses == ["built"] * 4
    folder = out / BASE.stem
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name, digest in manifest["outputs"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    PdfReader(str(folder / f"{BASE.stem}.pdf"), strict=True)
    qpdf = shutil.which("qpdf")
    if qpdf:
        subprocess.run([qpdf, "--check", str(folder / f"{BASE.stem}.pdf")], check=True, capture_output=True)
    assert len(Presentation(str(folder / f"{BASE.stem}.pptx")).slides) > 5
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    on_disk = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    assert on_disk == set(manifest["outputs"]) | {"manifest.json"}


# ------------------------------------------------------------------------------------------ the Jinja sandbox
@pytest.fixture
def wording(tmp_path):
    """A template folder with one wording file, rendered with the report's usual context."""
    from report_builder.analysis.report import load_report
    from report_builder.theme.template import load_template

    report = load_report(BASE)

    def render(source: str) -> str:
        folder = tmp_path / "t"
        shutil.rmtree(folder, ignore_errors=True)
        (folder / "wording").mkdir(parents=True)
        (folder / "template.yaml").write_text("extends: default\n")
        (folder / "wording" / "probe.j2").write_text(source)
        template = load_template(str(folder))
        return template.text("probe", report=report, evidence=report.evidence, drug=report.evidence.drug,
                             theme=template.theme)

    return render


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ '{0.__class__}'.format('') }}",
    "{{ self._TemplateReference__context }}",
    "{{ report.source.read_text() }}",
    "{{ report|attr('source')|attr('write_text') }}",
    "{{ theme.fonts.regular.unlink() }}",
    "{{ 'x' * 10**9 }}",
    "{{ 2 ** 100000000 }}",
    "{% for i in range(10**9) %}{% endfor %}",
])
def test_the_sandbox_refuses_python_internals_files_and_runaway_work(wording, source):
    started = time.process_time()  # CPU time: a guard against runaway work that a busy machine does not trip
    with pytest.raises(TemplateError, match=r"probe\.j2:1: "):
        wording(source)
    assert time.process_time() - started < 2


def test_the_sandbox_still_allows_ordinary_wording(wording):
    source = ("{{ drug.name|upper }}: {{ evidence.studies|length }} stud{{ 'y' if evidence.studies|length == 1 "
              "else 'ies' }}; {% for arm in evidence.studies[0].arms %}{{ loop.index }}. {{ arm.short_name }} "
              "{% endfor %}; {{ evidence.studies[0].outcomes[1].arms.chemo.median|number }} months; "
              "{{ '%s/%d'|format(drug.abbreviation, 2) }}; {{ 2 ** 10 }}; {{ '-' * 3 }}")
    assert wording(source) == "DRUG X: 1 study; 1. DX 2. Chemo ; 6.0 months; DX/2; 1024; ---"


def test_a_user_error_is_a_report_builder_error_with_problems():
    """The contract the CLI relies on: every located problem is a Problem naming its file."""
    from report_builder.analysis.report import load_report

    case = CORPUS / "evidence" / "negative-count.yaml"
    with pytest.raises(ReportBuilderError) as caught:
        load_report(case)
    assert [(p.file, p.line) for p in caught.value.problems] == [(case, evidence_expectation(case).line)]


def _node_tree(node, seen=None):
    """A node graph as plain tuples: tag, value or children, and where each node starts."""
    import yaml

    seen = {} if seen is None else seen
    if id(node) in seen:
        return ("alias", seen[id(node)])
    seen[id(node)] = len(seen)
    where = (node.start_mark.line, node.start_mark.column)
    if isinstance(node, yaml.ScalarNode):
        return (node.tag, node.value, where)
    if isinstance(node, yaml.MappingNode):
        return (node.tag, [(_node_tree(k, seen), _node_tree(v, seen)) for k, v in node.value], where)
    return (node.tag, [_node_tree(item, seen) for item in node.value], where)


YAML_FILES = sorted({*ROOT.glob("data/*.yaml"), *ROOT.glob("templates/*/template.yaml"),
                     *ROOT.glob("tests/corpus/**/*.yaml"), *ROOT.glob("docs/*.yaml")})


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_libyaml_and_pure_python_readers_agree(path):
    """The fast reader (libyaml events) must compose exactly what the pure-Python one does, or fail where it fails."""
    import yaml

    from report_builder.errors import EvidenceError
    from report_builder.inputs import yaml_reader as yaml_source

    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML without libyaml: only the pure-Python reader exists")
    text = path.read_text(encoding="utf-8-sig", errors="replace")

    def compose(loader_class):
        try:
            loader = loader_class(path, text)  # the pure-Python reader checks characters here already
            try:
                node = loader.get_single_node()
            finally:
                loader.dispose()
        except (yaml.YAMLError, EvidenceError, RecursionError) as exc:
            return type(exc).__name__
        return "empty" if node is None else _node_tree(node)

    slow = compose(yaml_source._DepthLimitedLoader)
    fast = compose(yaml_source._LibyamlLoader)
    if isinstance(slow, str) and isinstance(fast, str):
        return  # both refuse it; the user sees the pure-Python reader's message either way
    assert fast == slow


def test_a_well_formed_file_is_read_by_libyaml_alone(monkeypatch):
    import yaml

    from report_builder.inputs import yaml_reader as yaml_source

    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML without libyaml")

    def refuse(*args):
        raise AssertionError("the pure-Python reader was used for a well-formed file")

    monkeypatch.setattr(yaml_source, "_DepthLimitedLoader", refuse)
    data, _ = yaml_source.read_yaml(ROOT / "data" / "inotuzumab-ozogamicin.yaml")
    assert data["studies"]
