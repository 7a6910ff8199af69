"""The build pipeline: output layout, reproducibility, manifest, incremental and atomic builds, many files."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

from report_builder.cli import main
from report_builder.pipeline import build

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


def test_unchanged_rebuild_is_up_to_date_without_importing_renderers(tmp_path):
    out = tmp_path / "out"
    assert main(["build", str(EXAMPLE), "--out", str(out), "--quiet"]) == 0
    code = (
        "import sys; from report_builder.cli import main; "
        f"rc = main(['build', {str(EXAMPLE)!r}, '--out', {str(out)!r}]); "
        "print('RC', rc, sorted(m for m in ('matplotlib', 'reportlab', 'pptx', 'scipy', 'svglib', 'pydantic') "
        "if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "up to date" in result.stdout
    assert "RC 0 []" in result.stdout, result.stdout + result.stderr


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
