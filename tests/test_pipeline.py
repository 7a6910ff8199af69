"""The build pipeline: output layout, reproducibility, manifest, incremental and atomic builds, many files."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

from report_builder.cli import main
from report_builder.build import build

from conftest import EXAMPLE, ROOT

STEM = EXAMPLE.stem


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_output_layout(built):
    assert (built / f"{STEM}.pdf").is_file() and (built / f"{STEM}.pptx").is_file()
    charts = built / "charts"
    assert len(list(charts.glob("*.svg"))) >= 6 and len(list(charts.glob("*.png"))) >= 6
    assert {p.stem for p in charts.glob("*.svg")} == {p.stem for p in charts.glob("*.png")}


def test_manifest_lists_inputs_outputs_and_versions(built):
    manifest = json.loads((built / "manifest.json").read_text())
    assert manifest["evidence"]["sha256"] == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert any(name.endswith("template.yaml") for name in manifest["template"]["files"])
    for name, digest in manifest["outputs"].items():
        assert hashlib.sha256((built / name).read_bytes()).hexdigest() == digest
    assert {"reportlab", "python-pptx", "matplotlib"} <= set(manifest["versions"])


def test_two_builds_are_byte_identical(tmp_path, built):
    again = build(EXAMPLE, tmp_path, "default").out_dir
    first, second = tree_digest(built), tree_digest(again)
    first.pop("manifest.json"), second.pop("manifest.json")  # it records the evidence path, which differs
    assert first == second


def test_a_split_build_gives_the_same_bytes_as_one_process(tmp_path, built):
    """--jobs 2 on one file draws the SVGs and the PDF in a forked process: nothing may differ."""
    from report_builder.build import _can_fork

    assert _can_fork()  # else the build below would not split and the test would prove nothing
    split = build(EXAMPLE, tmp_path, "default", split=True).out_dir
    first, second = tree_digest(built), tree_digest(split)
    first.pop("manifest.json"), second.pop("manifest.json")
    assert first == second


def test_the_fingerprint_is_the_same_hashed_before_or_while_loading(tmp_path, built):
    """A first build (or --force) hashes its inputs while they load in the forked loader, a rebuild hashes
    them before deciding anything: both must record the same fingerprint, or rebuilds would never be up to date."""
    def fingerprint(out_dir: Path) -> str:
        return json.loads((out_dir / "manifest.json").read_text())["fingerprint"]

    first = build(EXAMPLE, tmp_path, "default", split=True)
    assert first.status == "built" and fingerprint(first.out_dir) == fingerprint(built)
    assert build(EXAMPLE, tmp_path, "default", split=True).status == "up to date"
    forced = build(EXAMPLE, tmp_path, "default", force=True, split=True)
    assert forced.status == "built" and fingerprint(forced.out_dir) == fingerprint(built)


def test_library_versions_are_the_installed_ones():
    """Read from the dist-info folder names for speed; they must be what importlib.metadata says."""
    from importlib.metadata import version

    from report_builder import __version__
    from report_builder.build import LIBRARIES, library_versions

    assert library_versions() == {"report_builder": __version__, **{name: version(name) for name in LIBRARIES}}


def test_one_file_with_two_jobs_is_split(tmp_path, monkeypatch):
    from report_builder import build as pipeline

    seen = []
    real = pipeline.build
    monkeypatch.setattr(pipeline, "build", lambda *a, **k: seen.append(k.get("split")) or real(*a, **k))
    assert main(["build", str(EXAMPLE), "--out", str(tmp_path), "--jobs", "2", "--quiet"]) == 0
    assert main(["build", str(EXAMPLE), "--out", str(tmp_path / "one"), "--jobs", "1", "--quiet"]) == 0
    assert seen == [True, False]


def test_bad_input_found_in_the_forked_half_is_reported_as_bad_input(tmp_path, monkeypatch):
    """The PDF half runs in the child: its user error must reach the user unchanged, and nothing is written."""
    from report_builder.builders.pdf import PdfBuilder
    from report_builder.errors import TemplateError

    def fail(self, report, charts, template):
        raise TemplateError("wording/pdf/x.j2:3: 'nope' is undefined")

    monkeypatch.setattr(PdfBuilder, "build", fail)
    assert main(["build", str(EXAMPLE), "--out", str(tmp_path), "--jobs", "2", "--quiet"]) == 2
    assert not (tmp_path / STEM).exists()


def test_a_bug_in_the_forked_half_is_an_internal_error_with_its_traceback(tmp_path, monkeypatch):
    from report_builder import build as pipeline
    from report_builder.builders.pdf import PdfBuilder

    def crash(self, report, charts, template):
        raise ZeroDivisionError("deliberate")

    monkeypatch.setattr(PdfBuilder, "build", crash)
    result = pipeline.build_safely(EXAMPLE, tmp_path, "default", force=True, split=True)
    assert result.status == "failed" and result.internal
    assert "ZeroDivisionError: deliberate" in result.error
    assert "forked half" in result.detail and "in crash" in result.detail


def test_a_forked_half_that_dies_fails_the_build_cleanly(tmp_path, monkeypatch):
    import os

    from report_builder import build as pipeline
    from report_builder.builders.pdf import PdfBuilder

    monkeypatch.setattr(PdfBuilder, "build", lambda *a: os._exit(3))  # as if killed or out of memory
    result = pipeline.build_safely(EXAMPLE, tmp_path, "default", force=True, split=True)
    assert result.status == "failed" and result.internal and "exit code 3" in result.error
    assert not (tmp_path / STEM).exists()


def test_unchanged_rebuild_is_up_to_date_without_importing_renderers(tmp_path):
    out = tmp_path / "out"
    assert main(["build", str(EXAMPLE), "--out", str(out), "--quiet"]) == 0
    code = (
        "import sys; from report_builder.cli import main; "
        f"rc = main(['build', {str(EXAMPLE)!r}, '--out', {str(out)!r}]); "
        "print('RC', rc, sorted(m for m in ('matplotlib', 'reportlab', 'pptx', 'scipy', 'pydantic') "
        "if m in sys.modules), 'pydantic_core' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "up to date" in result.stdout
    assert "RC 0 [] False" in result.stdout, result.stdout + result.stderr


def test_force_rebuilds(tmp_path, capsys):
    out = tmp_path / "out"
    main(["build", str(EXAMPLE), "--out", str(out)])
    main(["build", str(EXAMPLE), "--out", str(out), "--force"])
    assert capsys.readouterr().out.count(": built ->") == 2


def test_a_changed_output_is_rebuilt(tmp_path):
    out = tmp_path / "out"
    build(EXAMPLE, out)
    (out / STEM / f"{STEM}.pdf").write_bytes(b"damaged")
    assert build(EXAMPLE, out).status == "built"


def test_failed_build_leaves_earlier_outputs_intact_and_no_temp_files(tmp_path):
    evidence = tmp_path / f"{STEM}.yaml"
    shutil.copy(EXAMPLE, evidence)
    out = tmp_path / "out"
    build(evidence, out)
    before = tree_digest(out)
    evidence.write_text(EXAMPLE.read_text().replace("events: 88, total: 109", "events: 188, total: 109"))
    assert main(["build", str(evidence), "--out", str(out), "--quiet"]) == 2
    assert tree_digest(out) == before
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_many_files_one_failing_does_not_stop_the_others(tmp_path, capsys):
    good = [tmp_path / f"good{i}.yaml" for i in range(3)]
    for path in good:
        shutil.copy(EXAMPLE, path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("format_version: 1\n")
    out = tmp_path / "out"
    rc = main(["build", *map(str, good), str(bad), "--out", str(out), "--jobs", "2", "--quiet"])
    assert rc == 2
    for path in good:
        assert (out / path.stem / f"{path.stem}.pdf").is_file()
    assert not (out / "bad").exists()
    assert "bad.yaml" in capsys.readouterr().err


def test_many_files_summary_line(tmp_path, capsys):
    paths = [tmp_path / f"e{i}.yaml" for i in range(2)]
    for path in paths:
        shutil.copy(EXAMPLE, path)
    assert main(["build", *map(str, paths), "--out", str(tmp_path / "o"), "--jobs", "1"]) == 0
    assert "2 built, 0 up to date, 0 failed" in capsys.readouterr().out


def test_no_arguments_builds_the_bundled_example_into_build(tmp_path):
    result = subprocess.run([sys.executable, "-m", "report_builder"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "build" / STEM / f"{STEM}.pdf").is_file()
    assert (tmp_path / "build" / STEM / f"{STEM}.pptx").is_file()


def test_wheel_ships_the_example_and_the_default_template(tmp_path):
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    import zipfile

    wheel = next(tmp_path.glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert f"report_builder/_bundled/data/{STEM}.yaml" in names
    assert "report_builder/_bundled/templates/default/template.yaml" in names
    assert "report_builder/_bundled/templates/default/master.pptx" in names


def test_watch_rebuilds_when_the_evidence_changes(tmp_path):
    import signal
    import time

    evidence = tmp_path / "ino.yaml"
    shutil.copy(EXAMPLE, evidence)
    log = tmp_path / "log"
    with log.open("w") as handle:
        process = subprocess.Popen([sys.executable, "-m", "report_builder", "build", str(evidence), "--out",
                                    str(tmp_path / "out"), "--watch"], stdout=handle, stderr=subprocess.STDOUT,
                                   cwd=ROOT)
    try:
        def wait_for(count: int) -> None:
            deadline = time.monotonic() + 180
            while log.read_text().count(": built ->") < count:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.5)

        wait_for(1)
        while "watching" not in log.read_text():
            time.sleep(0.2)
        time.sleep(1.0)  # let the watcher settle before the edit
        evidence.write_text(EXAMPLE.read_text().replace("are not randomized comparisons.",
                                                        "are not randomized contrasts."))
        wait_for(2)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0
    manifest = json.loads((tmp_path / "out" / "ino" / "manifest.json").read_text())
    assert manifest["evidence"]["sha256"] == hashlib.sha256(evidence.read_bytes()).hexdigest()  # the edited file


def test_output_piped_into_a_reader_that_stops_is_not_an_error():
    """`build-report schema | head` must not end in "internal error: BrokenPipeError"."""
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before the first write: every write fails with EPIPE
    try:
        result = subprocess.run([sys.executable, "-m", "report_builder", "schema"], stdout=write_end,
                                stderr=subprocess.PIPE, text=True, cwd=ROOT)
    finally:
        os.close(write_end)
    assert "error" not in result.stderr
    assert result.returncode == 0


def test_an_evidence_error_found_while_loading_in_the_other_process_is_the_same_error(tmp_path):
    """With split, the report loads in a forked process: its errors must reach the user unchanged."""
    import pytest

    from report_builder.errors import EvidenceError

    evidence = tmp_path / f"{STEM}.yaml"
    evidence.write_text(EXAMPLE.read_text().replace("events: 88, total: 109", "events: 188, total: 109"))
    messages = []
    for split in (False, True):
        with pytest.raises(EvidenceError) as caught:
            build(evidence, tmp_path / "out", split=split)
        messages.append((str(caught.value), caught.value.problems))
    assert messages[0] == messages[1] and "188" in messages[0][0]
    assert not (tmp_path / "out").exists()


def test_a_template_error_found_while_loading_in_the_other_process_is_the_same_error(tmp_path):
    """With split, the template loads in the forked loader too; its errors come first, as without."""
    import pytest

    from report_builder.errors import TemplateError

    evidence = tmp_path / f"{STEM}.yaml"
    evidence.write_text(EXAMPLE.read_text().replace("events: 88, total: 109", "events: 188, total: 109"))
    template = str(ROOT / "tests" / "corpus" / "templates" / "yaml-bad-colour")
    messages = []
    for split in (False, True):
        with pytest.raises(TemplateError) as caught:
            build(evidence, tmp_path / "out", template, split=split)
        messages.append((str(caught.value), caught.value.problems))
    assert messages[0] == messages[1] and "template.yaml" in messages[0][0]
    assert not (tmp_path / "out").exists()


def test_the_deck_names_every_kind_of_chart_it_shows_as_a_picture(report, template, charts):
    """A split build draws only the PNGs of PptxBuilder.chart_kinds for the deck: a kind missing there
    would have no picture. Building the deck with only those PNGs must work and give the same bytes."""
    import dataclasses

    from report_builder.builders.pptx import PptxBuilder
    from report_builder.charts import ChartSet

    builder = PptxBuilder()
    shown_only = ChartSet(tuple(c if c.kind in builder.chart_kinds else dataclasses.replace(c, png=b"")
                                for c in charts))
    assert builder.build(report, shown_only, template) == builder.build(report, charts, template)
    missing = ChartSet(tuple(dataclasses.replace(c, png=b"") if c.kind == "forest" else c for c in charts))
    import pytest

    with pytest.raises(RuntimeError, match="chart_kinds"):
        builder.build(report, missing, template)
