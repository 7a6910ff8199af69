"""The build pipeline: output layout, reproducibility, manifest, incremental and atomic builds, many files."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from report_builder.cli import main
from report_builder.build import build

from conftest import EXAMPLE, ROOT, SMALL_EXAMPLE

STEM = EXAMPLE.stem
SMALL_STEM = SMALL_EXAMPLE.stem
#: an edit that breaks a consistency check of SMALL_EXAMPLE (more responders than patients)
BROKEN = ("events: 39, total: 55", "events: 139, total: 55")
#: a one-word edit of SMALL_EXAMPLE that shows in the handout (a teaching point)
EDIT = ("keep their numbers apart.", "keep their numbers separate.")


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


def test_bad_input_found_by_a_builder_is_reported_as_bad_input_and_nothing_is_written(tmp_path, monkeypatch):
    from report_builder.builders.pdf import PdfBuilder
    from report_builder.errors import TemplateError

    def fail(self, report, charts, template):
        raise TemplateError("wording/pdf/x.j2:3: 'nope' is undefined")

    monkeypatch.setattr(PdfBuilder, "build", fail)
    assert main(["build", str(SMALL_EXAMPLE), "--out", str(tmp_path), "--quiet"]) == 2
    assert not (tmp_path / SMALL_STEM).exists()


def test_a_bug_in_a_builder_is_an_internal_error_with_its_traceback(tmp_path, monkeypatch, capsys):
    from report_builder import build as pipeline
    from report_builder.builders.pdf import PdfBuilder

    def crash(self, report, charts, template):
        raise ZeroDivisionError("deliberate")

    monkeypatch.setattr(PdfBuilder, "build", crash)
    result = pipeline.build_safely(SMALL_EXAMPLE, tmp_path, "default", force=True)
    assert result.status == "failed" and result.internal
    assert result.error.startswith(f"{SMALL_EXAMPLE}: internal error: ZeroDivisionError: deliberate\n")
    assert "This is a bug in report_builder" in result.error
    assert "in crash" in result.detail
    assert not (tmp_path / SMALL_STEM).exists()
    # The command says the same, in the same words, and exits with status 1.
    assert main(["build", str(SMALL_EXAMPLE), "--out", str(tmp_path), "--quiet"]) == 1
    assert result.error in capsys.readouterr().err


def test_unchanged_rebuild_is_up_to_date(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["build", str(SMALL_EXAMPLE), "--out", str(out), "--quiet"]) == 0
    before = tree_digest(out)
    assert main(["build", str(SMALL_EXAMPLE), "--out", str(out)]) == 0
    assert ": up to date ->" in capsys.readouterr().out
    assert tree_digest(out) == before


def test_force_rebuilds(tmp_path, capsys):
    out = tmp_path / "out"
    main(["build", str(SMALL_EXAMPLE), "--out", str(out)])
    main(["build", str(SMALL_EXAMPLE), "--out", str(out), "--force"])
    assert capsys.readouterr().out.count(": built ->") == 2


def test_a_changed_output_is_rebuilt(tmp_path):
    out = tmp_path / "out"
    build(SMALL_EXAMPLE, out)
    (out / SMALL_STEM / f"{SMALL_STEM}.pdf").write_bytes(b"damaged")
    assert build(SMALL_EXAMPLE, out).status == "built"


def test_failed_build_leaves_earlier_outputs_intact_and_no_temp_files(tmp_path):
    evidence = tmp_path / f"{SMALL_STEM}.yaml"
    shutil.copy(SMALL_EXAMPLE, evidence)
    out = tmp_path / "out"
    build(evidence, out)
    before = tree_digest(out)
    evidence.write_text(SMALL_EXAMPLE.read_text().replace(*BROKEN))
    assert main(["build", str(evidence), "--out", str(out), "--quiet"]) == 2
    assert tree_digest(out) == before
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.slow
def test_many_files_one_failing_does_not_stop_the_others(tmp_path, capsys):
    good = [tmp_path / f"good{i}.yaml" for i in range(2)]
    for path in good:
        shutil.copy(SMALL_EXAMPLE, path)
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
        shutil.copy(SMALL_EXAMPLE, path)
    assert main(["build", *map(str, paths), "--out", str(tmp_path / "o"), "--jobs", "1"]) == 0
    assert "2 built, 0 up to date, 0 failed" in capsys.readouterr().out


def test_no_arguments_builds_the_bundled_example_into_build(tmp_path):
    result = subprocess.run([sys.executable, "-m", "report_builder"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "build" / STEM / f"{STEM}.pdf").is_file()
    assert (tmp_path / "build" / STEM / f"{STEM}.pptx").is_file()


@pytest.mark.slow
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


@pytest.mark.slow
def test_watch_rebuilds_when_the_evidence_changes(tmp_path):
    import signal
    import time

    evidence = tmp_path / "zuma3.yaml"
    shutil.copy(SMALL_EXAMPLE, evidence)
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
        evidence.write_text(SMALL_EXAMPLE.read_text().replace(*EDIT))
        wait_for(2)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0
    manifest = json.loads((tmp_path / "out" / "zuma3" / "manifest.json").read_text())
    assert manifest["evidence"]["sha256"] == hashlib.sha256(evidence.read_bytes()).hexdigest()  # the edited file


@pytest.mark.parametrize("reader_leaves", ["before the output", "after the output"])
def test_output_piped_into_a_reader_that_stops_is_not_an_error(monkeypatch, capsys, reader_leaves):
    """`build-report schema | head`: no "internal error: BrokenPipeError", and nothing left for Python to
    flush at exit into the closed pipe (which would print "Exception ignored ... BrokenPipeError")."""
    import io
    import os

    read_end, write_end = os.pipe()  # template.yaml's schema fits in the pipe: writing never waits for the reader
    stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(write_end, "w")), encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", stdout)
    if reader_leaves == "before the output":
        os.close(read_end)
    assert main(["schema", "template"]) == 0
    if reader_leaves == "after the output":
        os.close(read_end)
    stdout.flush()  # what Python does at exit
    stdout.close()
    assert capsys.readouterr().err == ""


def test_a_template_error_is_reported_before_an_evidence_error(tmp_path):
    import pytest

    from report_builder.errors import TemplateError

    evidence = tmp_path / f"{SMALL_STEM}.yaml"
    evidence.write_text(SMALL_EXAMPLE.read_text().replace(*BROKEN))
    template = str(ROOT / "tests" / "corpus" / "templates" / "yaml-bad-colour")
    with pytest.raises(TemplateError, match="template.yaml"):
        build(evidence, tmp_path / "out", template)
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------------------ many files, in parallel
def copies(tmp_path: Path, count: int) -> list[Path]:
    """The smaller bundled file under `count` names, one with a different word, so the outputs are not all alike."""
    paths = []
    for i in range(count):
        path = tmp_path / "inputs" / f"evidence-{i}.yaml"
        path.parent.mkdir(exist_ok=True)
        text = SMALL_EXAMPLE.read_text(encoding="utf-8")
        path.write_text(text.replace(*EDIT) if i == 1 else text, encoding="utf-8")
        paths.append(path)
    return paths


@pytest.mark.slow
def test_jobs_2_gives_the_same_files_as_jobs_1(tmp_path, capsys):
    paths = copies(tmp_path, 2)
    for jobs in ("1", "2"):
        assert main(["build", *map(str, paths), "--out", str(tmp_path / f"jobs{jobs}"), "--jobs", jobs]) == 0
    out = capsys.readouterr().out
    assert out.count(": built ->") == 4 and out.count("2 built, 0 up to date, 0 failed") == 2
    serial, parallel = tree_digest(tmp_path / "jobs1"), tree_digest(tmp_path / "jobs2")
    for digests in (serial, parallel):  # the manifests name the output folder, which differs
        for name in [n for n in digests if n.endswith("manifest.json")]:
            digests.pop(name)
    # per file: PDF, deck, 3 exports, 2 charts as print SVG, recorded operations and slide PNG
    assert len(serial) == 2 * 11 and serial == parallel
    assert serial["evidence-0/evidence-0.pdf"] != serial["evidence-1/evidence-1.pdf"]


@pytest.mark.slow
def test_one_file_whose_charts_are_drawn_by_two_workers_is_the_same_as_drawn_in_this_process(tmp_path):
    """A single file's charts are drawn by worker processes: same files, same warnings (a library's
    warning in a worker reaches the build), as when everything runs in one process."""
    text = EXAMPLE.read_text(encoding="utf-8").replace("name: CR/CRi\n", "name: CR/CRi \u4e2d\n", 1)
    assert "\u4e2d" in text
    path = tmp_path / "evidence.yaml"
    path.write_text(text, encoding="utf-8")
    results = {jobs: build(path, tmp_path / f"jobs{jobs}", chart_jobs=jobs) for jobs in (1, 2)}
    assert [r.status for r in results.values()] == ["built", "built"]
    assert results[1].warnings == results[2].warnings and any("\u4e2d" in w or "20013" in w
                                                              for w in results[1].warnings)
    serial, parallel = tree_digest(tmp_path / "jobs1"), tree_digest(tmp_path / "jobs2")
    assert len(serial) == 30 and serial == parallel  # PDF, deck, 3 exports, manifest; 8 charts in 3 forms each


@pytest.mark.parametrize("tasks", ["serial", "parallel"])
def test_both_task_runners_submit_one_task_and_give_its_result_or_its_exception(tasks):
    from report_builder.parallel import ParallelTasks, SerialTasks

    with (SerialTasks() if tasks == "serial" else ParallelTasks(2)) as runner:
        assert runner.submit(abs, -3).result() == 3
        with pytest.raises(TypeError):
            runner.submit(abs, "x").result()
        late = runner.submit(abs, -4)
        runner.close()  # no more tasks: a task already submitted still gives its result
        assert late.result() == 4


def test_never_more_workers_than_files_and_one_file_builds_in_this_process():
    from report_builder.parallel import ParallelTasks, SerialTasks, tasks_for

    assert isinstance(tasks_for(jobs=2, count=1), SerialTasks)
    assert isinstance(tasks_for(jobs=1, count=50), SerialTasks)
    assert isinstance(tasks_for(jobs=4, count=3), ParallelTasks) and tasks_for(jobs=4, count=3).workers == 3


def exit_in_a_worker(item: int) -> int:
    import os

    if item == 1:
        os.kill(os.getpid(), 9)  # as if killed, or out of memory
    return item * 10


@pytest.mark.parametrize("tasks", ["serial", "parallel"])
def test_both_task_runners_give_results_in_the_order_of_the_items(tasks):
    from report_builder.parallel import ParallelTasks, SerialTasks

    reported = []
    with (SerialTasks() if tasks == "serial" else ParallelTasks(2)) as runner:
        results = runner.run(abs, [-3, 1, -2, 4], reported.append, lambda item, exc: None)
    assert results == [3, 1, 2, 4] and sorted(reported) == [1, 2, 3, 4]


def test_a_worker_that_dies_fails_its_task_and_the_next_run_starts_new_workers():
    from report_builder.parallel import ParallelTasks

    with ParallelTasks(2) as runner:
        results = runner.run(exit_in_a_worker, [0, 1, 2], lambda result: None,
                             lambda item, exc: f"failed: {type(exc).__name__}")
        assert results[1] == "failed: BrokenProcessPool"
        assert runner.run(exit_in_a_worker, [3, 4], lambda result: None, lambda item, exc: "failed") == [30, 40]


def test_an_output_folder_inside_the_template_folder_is_not_an_input_of_the_next_build(tmp_path):
    """--out inside the template folder (and so inside what --watch watches): the outputs of one build are not
    template files of the next, so the second build is up to date and the manifest lists no output as an input."""
    folder = tmp_path / "local"
    folder.mkdir()
    (folder / "template.yaml").write_text("extends: default\n", encoding="utf-8")
    out = folder / "out"
    assert build(SMALL_EXAMPLE, out, str(folder)).status == "built"
    assert build(SMALL_EXAMPLE, out, str(folder)).status == "up to date"
    manifest = json.loads((out / SMALL_STEM / "manifest.json").read_text())
    assert [Path(name).name for name in manifest["template"]["files"] if Path(name).parent == folder] == ["template.yaml"]
    assert not any(Path(name).is_relative_to(out) for name in manifest["template"]["files"])


def test_an_edited_template_file_is_read_again_by_the_next_build_in_the_same_process(tmp_path):
    """The template is loaded once per process (--watch, a worker's many files) until one of its files changes."""
    folder = tmp_path / "local"
    (folder / "wording" / "pdf" / "titles").mkdir(parents=True)
    (folder / "template.yaml").write_text("extends: default\n", encoding="utf-8")
    title = folder / "wording" / "pdf" / "titles" / "bottom_line.j2"
    title.write_text("The answer first\n", encoding="utf-8")
    first = build(SMALL_EXAMPLE, tmp_path / "out", str(folder))
    pdf = (first.out_dir / f"{SMALL_STEM}.pdf").read_bytes()
    assert build(SMALL_EXAMPLE, tmp_path / "out", str(folder)).status == "up to date"
    title.write_text("The answer, first of all\n", encoding="utf-8")
    second = build(SMALL_EXAMPLE, tmp_path / "out", str(folder))
    assert second.status == "built" and (second.out_dir / f"{SMALL_STEM}.pdf").read_bytes() != pdf
    assert (second.charts_drawn, second.charts_reused) == (0, 2 * 2)  # two charts, for print and slides


@pytest.mark.slow
def test_sigterm_stops_a_parallel_build_with_its_workers_and_leaves_no_partial_files(tmp_path):
    import signal
    import time

    paths = copies(tmp_path, 6)
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "report_builder", "build", *map(str, paths), "--out", str(out),
                                "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)

    def children() -> set[int]:
        found = set()
        for entry in Path("/proc").iterdir():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == process.pid:
                found.add(int(entry.name))
        return found

    deadline = time.monotonic() + 120
    while len(children()) < 2:  # both workers started
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.1)
    workers = children()
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM, output

    def running(pid: int) -> bool:
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False

    # The workers have exited; multiprocessing's resource tracker follows once their pipes close.
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if running(pid)]
    assert output.count(": built ->") < len(paths)  # the files not yet started were never built
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    for folder in out.iterdir() if out.exists() else ():  # a folder is there only for a complete build
        assert (folder / "manifest.json").is_file() and (folder / f"{folder.name}.pptx").is_file()
