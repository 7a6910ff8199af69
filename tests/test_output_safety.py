"""Outputs only inside --out, all or nothing: safe folder names, own files only removed, no mix after a failure or a kill."""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from report_builder.cli import main

CORPUS = Path(__file__).resolve().parent / "corpus"
BASE = CORPUS / "base.yaml"


def build(capsys, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    status = main(["build", *args, "--quiet"])
    captured = capsys.readouterr()
    return status, captured.err + captured.out


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def changed_copy(where: Path, name: str = "base.yaml") -> Path:
    """The base evidence with one word of its text changed: every output differs from the base's."""
    copy = where / name
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(BASE.read_text(encoding="utf-8").replace("Drug X", "Drug Y"), encoding="utf-8")
    return copy


# ------------------------------------------------------------------------------------------ names
@pytest.mark.parametrize(("stem", "name"), [
    ("trial", "trial"), ("..", None), (".", None), ("...hidden", "hidden"), ("con", "_con"), ("NUL.v2", "_NUL.v2"),
    ("a:b*c", "a_b_c"), ("tab\there", "tab_here"), ("x" * 300, "x" * 120), (" spaced. ", "spaced"),
])
def test_output_folder_names_are_made_safe_from_the_stem(stem, name):
    from report_builder.errors import UsageError
    from report_builder.output.writer import output_name

    if name is None:
        with pytest.raises(UsageError, match="cannot name an output folder"):
            output_name(Path(f"{stem}.yaml"))
    else:
        assert output_name(Path(f"{stem}.yaml")) == name


def test_an_evidence_file_whose_stem_is_dots_writes_nothing_outside_out(tmp_path, capsys):
    evidence = tmp_path / "in" / "...yaml"
    evidence.parent.mkdir()
    shutil.copy(BASE, evidence)
    above = tmp_path / "above"
    (above / "charts").mkdir(parents=True)
    (above / "charts" / "mine.png").write_bytes(b"the user's own chart")
    before = snapshot(above)
    status, message = build(capsys, str(evidence), "--out", str(above / "out"))
    assert status == 2, message
    assert "cannot name an output folder" in message
    assert snapshot(above) == before


def test_two_files_with_one_stem_are_refused_before_anything_is_built(tmp_path, capsys):
    first, second = changed_copy(tmp_path / "a", "trial.yaml"), tmp_path / "b" / "trial.yaml"
    second.parent.mkdir()
    shutil.copy(BASE, second)
    status, message = build(capsys, str(first), str(second), "--out", str(tmp_path / "out"))
    assert status == 2, message
    assert "would both be built into" in message and str(first) in message and str(second) in message
    assert not (tmp_path / "out").exists()


def test_a_link_in_the_output_folder_to_elsewhere_is_not_written_through(tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    (out / "base").mkdir(parents=True)
    (out / "base" / "charts").symlink_to(elsewhere)
    status, message = build(capsys, str(BASE), "--out", str(out))
    assert status == 2, message
    assert "link out of the output folder" in message
    assert list(elsewhere.iterdir()) == []


# ------------------------------------------------------------------------------------------ removing only our files
def test_cleanup_removes_only_unchanged_files_the_last_manifest_lists(tmp_path, capsys):
    out = tmp_path / "out"
    assert build(capsys, str(BASE), "--out", str(out))[0] == 0
    folder = out / "base"
    stale = b"a chart of an outcome the evidence no longer has"
    (folder / "charts" / "gone.png").write_bytes(stale)
    (folder / "charts" / "mine.png").write_bytes(b"the user's own file, never listed by a build")
    (folder / "charts" / "edited.svg").write_bytes(b"listed, but changed by the user since")
    (tmp_path / "outside.txt").write_bytes(b"outside --out")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["outputs"].update({
        "charts/gone.png": hashlib.sha256(stale).hexdigest(),
        "charts/edited.svg": hashlib.sha256(b"what the build wrote").hexdigest(),
        "../../outside.txt": hashlib.sha256(b"outside --out").hexdigest(),
    })
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    status, message = build(capsys, str(BASE), "--out", str(out), "--force")
    assert status == 0, message
    assert not (folder / "charts" / "gone.png").exists()
    assert (folder / "charts" / "mine.png").exists() and (folder / "charts" / "edited.svg").exists()
    assert (tmp_path / "outside.txt").exists()


# ------------------------------------------------------------------------------------------ all or nothing
def test_a_folder_in_the_way_of_the_manifest_replaces_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert build(capsys, str(BASE), "--out", str(out))[0] == 0
    (out / "base" / "manifest.json").unlink()
    (out / "base" / "manifest.json").mkdir()
    before = snapshot(out)
    status, message = build(capsys, str(changed_copy(tmp_path / "in")), "--out", str(out))
    assert status == 2, message
    assert "a folder is in the way" in message and "nothing was replaced" in message
    assert snapshot(out) == before
    assert temporaries(out) == []


def test_a_failed_first_build_leaves_no_empty_output_folder(tmp_path, capsys):
    """A build that fails while writing leaves the output folder as it found it: no new (empty) folders."""
    out = tmp_path / "out"
    (out / "base" / "manifest.json").mkdir(parents=True)
    status, message = build(capsys, str(BASE), "--out", str(out))
    assert status == 2 and "a folder is in the way" in message
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["base", "base/manifest.json"]


def test_a_rename_that_fails_midway_puts_back_what_it_replaced(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    assert build(capsys, str(BASE), "--out", str(out))[0] == 0
    before = snapshot(out)
    real_replace, calls = os.replace, []

    def failing_third_rename(source, target):
        calls.append(target)
        if len(calls) == 3:
            raise OSError(28, "No space left on device", str(target))
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_third_rename)
    status, message = build(capsys, str(changed_copy(tmp_path / "in")), "--out", str(out))
    monkeypatch.undo()
    assert status == 2, message
    assert snapshot(out) == before
    assert temporaries(out) == []


def test_temporary_files_of_a_killed_build_are_removed_by_the_next_build(tmp_path, capsys):
    out = tmp_path / "out"
    assert build(capsys, str(BASE), "--out", str(out))[0] == 0
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(gone.stdout)  # a process that has ended: its temporary files belong to nobody
    leftovers = [out / "base" / f".base.pdf.report-builder-{dead}-abc123_x.tmp",
                 out / "base" / "charts" / f".forest.png.report-builder-{dead}-zz9.tmp"]
    for path in leftovers:
        path.write_bytes(b"half a file")
    running = out / "base" / f".base.pptx.report-builder-{os.getppid()}-abc.tmp"  # a live process's: kept
    running.write_bytes(b"being written")
    assert build(capsys, str(changed_copy(tmp_path / "in")), "--out", str(out))[0] == 0
    assert not any(p.exists() for p in leftovers)
    assert running.exists()


# ------------------------------------------------------------------------------------------ killed builds
def _command(*args: str) -> list[str]:
    """A build in a process of its own; its charts drawn in it (--jobs 1: these tests are about writing)."""
    return [sys.executable, "-m", "report_builder", "build", "--jobs", "1", *args, "--quiet"]


def _consistent(folder: Path) -> bool:
    """Every file the manifest lists holds what it lists: old outputs or new ones, never a mix."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return all(hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
               for name, digest in manifest["outputs"].items())


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in state  # a zombie has ended; only its exit status waits to be collected


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


#: A build that kills itself (SIGKILL: no clean-up runs) at the Nth call of one of the writer's system
#: calls: os.fsync while the outputs are staged, os.replace while they are renamed into place.
_KILLED_AT = """
import os, signal, sys
call, count = sys.argv[1], int(sys.argv[2])
real = getattr(os, call)
def dying(*args, **kwargs):
    global count
    count -= 1
    if count == 0:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(*args, **kwargs)
setattr(os, call, dying)
from report_builder.cli import main
status = main(sys.argv[3:])
print(f"calls: {int(sys.argv[2]) - count}")
sys.exit(status)
"""


def _killed_build(call: str, count: int, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _KILLED_AT, call, str(count), "build", "--jobs", "1", *args, "--quiet"],
                          capture_output=True, text=True)


@pytest.mark.slow
@pytest.mark.parametrize("call", ["fsync", "replace"])
def test_a_build_killed_at_random_points_leaves_the_old_outputs_or_the_new_ones(tmp_path, call):
    out = tmp_path / "out"
    subprocess.run(_command(str(BASE), "--out", str(out)), check=True)
    changed = changed_copy(tmp_path / "in")
    before = snapshot(out)
    counted = _killed_build(call, 10**6, str(changed), "--out", str(out), "--force")  # not killed: counts
    calls = int(counted.stdout.split("calls: ")[1])
    assert calls >= 3, counted.stdout
    subprocess.run(_command(str(BASE), "--out", str(out)), check=True)
    for count in sorted({1, calls, *random.Random(14).sample(range(1, calls + 1), 1)}):  # first, last, one between
        killed = _killed_build(call, count, str(changed), "--out", str(out), "--force")
        assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
        if call == "fsync":  # killed while staging: not one output replaced
            assert {n: d for n, d in snapshot(out).items() if not n.endswith((".tmp", "journal.json"))} == before
        # the next build finds the old outputs or finishes the killed build's renames: never a mix
        subprocess.run(_command(str(changed), "--out", str(out)), check=True)
        assert _consistent(out / "base")
        assert temporaries(out) == [] and not list(out.rglob("*journal.json"))
        subprocess.run(_command(str(BASE), "--out", str(out)), check=True)
        assert snapshot(out) == before


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc")
def test_workers_end_when_their_parent_is_killed(tmp_path):
    files = [changed_copy(tmp_path / "in", f"copy{i}.yaml") for i in range(3)]
    out = tmp_path / "out"
    process = subprocess.Popen(_command(*map(str, files), "--out", str(out), "--jobs", "2"))
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while len(workers) < 2 and time.monotonic() < deadline:
        workers = [pid for pid in _children(process.pid) if _alive(pid)]
        time.sleep(0.2)
    assert len(workers) >= 2, "the build never started its workers"
    time.sleep(1.0)
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers), "a worker outlived its killed parent"
    written = snapshot(out)
    time.sleep(2)
    assert snapshot(out) == written  # nobody is writing any more
    subprocess.run(_command(*map(str, files), "--out", str(out), "--jobs", "2"), check=True)
    assert temporaries(out) == []
    assert all(_consistent(folder) for folder in out.iterdir())


# ------------------------------------------------------------------------------------------ --watch
@pytest.mark.slow
def test_watch_survives_a_broken_template_and_ignores_its_own_outputs(tmp_path):
    """A broken template.yaml is reported and the watch goes on; an --out inside the watched template
    folder does not make every build trigger the next."""
    template = tmp_path / "mine"
    template.mkdir()
    (template / "template.yaml").write_text("extends: default\n")
    out = template / "out"  # inside a watched folder
    log = tmp_path / "log"
    with log.open("w") as handle:
        process = subprocess.Popen(_command(str(BASE), "--out", str(out), "--template", str(template), "--watch")[:-1],
                                   stdout=handle, stderr=subprocess.STDOUT)
    try:
        def wait_for(text: str, count: int = 1) -> None:
            deadline = time.monotonic() + 180
            while log.read_text().count(text) < count:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)

        wait_for(": built ->")
        wait_for("watching")
        time.sleep(1.0)
        (template / "template.yaml").write_text("extends: default\ntheme: [not, a, mapping\n")
        wait_for("YAML syntax error")
        time.sleep(1.0)
        (template / "template.yaml").write_text("extends: default\ntheme: {institution: Mine}\n")
        wait_for(": built ->", 2)
        time.sleep(5.0)  # a build whose outputs triggered the next would show here
        assert log.read_text().count(": built ->") == 2, log.read_text()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0
