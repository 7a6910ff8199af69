"""The only code that writes output files: all at the end, each atomically (temp file + rename)."""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


#: Names Windows keeps for devices: a folder so named cannot be opened there.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
MAX_NAME = 120  #: characters of an output folder's name (file names add an extension; most systems allow 255 bytes)


def output_name(evidence_path: Path) -> str:
    """The name of an evidence file's output folder (and of its PDF and deck): its stem, made safe.

    Separators, control characters and characters Windows refuses become "_", leading and trailing
    dots and spaces go (so "...yaml", whose stem is "..", cannot name the folder above), and a
    reserved device name gets a "_" in front.
    """
    from report_builder.errors import UsageError

    stem = Path(evidence_path).stem
    name = _UNSAFE.sub("_", stem).strip(" .")
    if name.split(".")[0].lower() in _RESERVED:
        name = f"_{name}"
    name = name[:MAX_NAME].rstrip(" .")
    if not name:
        raise UsageError(f"{evidence_path}: cannot name an output folder after {stem!r}; rename the file")
    return name


def output_folder(out_root: Path, evidence_path: Path) -> Path:
    """out_root/<output_name>, refused unless it stays inside out_root (a link there to elsewhere is refused)."""
    from report_builder.errors import UsageError

    folder = Path(out_root) / output_name(evidence_path)
    if folder.is_symlink() or (folder.exists() and not folder.resolve().is_relative_to(Path(out_root).resolve())):
        raise UsageError(f"{folder}: is a link; outputs are only written inside --out {out_root}, so remove it")
    return folder


def check_distinct(paths: list[Path], out_root: Path) -> None:
    """Two evidence files whose outputs would go to one folder (a/trial.yaml and b/trial.yaml, or one
    file given twice) are an error before anything is built: one would silently replace the other."""
    from report_builder.errors import UsageError

    seen: dict[str, Path] = {}
    clashes = []
    for path in paths:
        try:
            key = output_name(path).casefold()  # one folder on a case-insensitive disk
        except UsageError:
            continue  # reported by that file's own build
        if key in seen:
            clashes.append(f"{seen[key]} and {path} would both be built into {Path(out_root) / output_name(path)}")
        else:
            seen[key] = path
    if clashes:
        raise UsageError("\n".join(clashes) + "\nrename one of each pair, or build them with different --out folders")


@dataclass
class OutputSet:
    """Outputs rendered in memory, keyed by path relative to the output folder; written in one go."""

    files: dict[str, bytes] = field(default_factory=dict)

    def add(self, relative: str, content: bytes) -> None:
        if relative in self.files:
            raise RuntimeError(f"output {relative} produced twice in one build")  # a bug, not user input
        if Path(relative).is_absolute() or ".." in Path(relative).parts:
            raise RuntimeError(f"output path {relative} leaves the output folder")
        self.files[relative] = content

    def digests(self) -> dict[str, str]:
        return {name: hashlib.sha256(data).hexdigest() for name, data in sorted(self.files.items())}


def write_atomic(path: Path, content: bytes) -> None:
    """Write to a temporary file in the same folder, then rename over the target.

    A reader (or a concurrent build) sees the old file or the new one, never a mix.
    """
    temp = _stage(path, content)
    try:
        os.replace(temp, path)
    except BaseException:
        _discard([temp])
        raise


def write_outputs(out_dir: Path, outputs: OutputSet, last: str | None = None,
                  previous: Mapping[str, str] | None = None) -> list[Path]:
    """Write every output; `last` (the manifest) goes last, so it only ever describes complete files.

    Every file is first written in full to a temporary file next to its target, and every target
    is checked (inside out_dir, no folder in the way); only then are they renamed into place. A
    failure before the first rename (disk full, --out naming a file, a folder named manifest.json)
    replaces nothing; a rename that still fails puts back the files already replaced. Either way no
    temporary file stays behind. A file that already holds exactly these bytes (a chart reused from
    the last build) is left as it is. Then each file of `previous` (the last manifest's outputs:
    name -> sha256) that this build did not write, and that still holds what that build wrote, is
    removed: an earlier output that no longer has a source. Nothing else is ever removed.
    """
    from report_builder.errors import ReportBuilderError

    finish_interrupted(out_dir)
    names = sorted(outputs.files, key=lambda n: (n == last, n))
    staged: list[tuple[Path, Path]] = []  #: (temporary file, target)
    replaced: list[tuple[Path | None, bool, Path]] = []  #: (backup of the old file, was there one, target)
    new_folders = _missing_folders(out_dir, names)  #: removed again if the build fails: nothing half-written
    try:
        for name in names:
            target = inside(out_dir, name)
            if not _holds(target, outputs.files[name]):
                staged.append((_stage(target, outputs.files[name]), target))
        for temp, target in staged:
            _check_target(target)
        journal = _journal(out_dir, staged)  # from here on, a killed build is finished by the next one
        for temp, target in staged:
            replaced.append((_backup(target), target.exists() or target.is_symlink(), target))
            os.replace(temp, target)
        journal.unlink()
    except OSError as exc:
        _put_back(replaced)
        _discard([_journal_path(out_dir)])
        _discard([temp for temp, _ in staged])
        _remove_empty(new_folders)
        where = exc.filename or out_dir
        raise ReportBuilderError(f"{where}: cannot write the outputs ({exc.strerror or exc}); nothing was "
                                 "replaced; check that --out names a folder you can write to") from None
    except BaseException:
        _put_back(replaced)
        _discard([temp for temp, _ in staged] + [_journal_path(out_dir)])
        _remove_empty(new_folders)
        raise
    _discard([backup for backup, _, _ in replaced if backup is not None])
    for name, digest in (previous or {}).items():
        if isinstance(name, str) and name not in outputs.files and name != last:
            _remove_own(out_dir, name, digest)
    return [out_dir / name for name in names]


def _missing_folders(out_dir: Path, names: list[str]) -> list[Path]:
    """The output folders (out_dir and those inside it) that do not exist yet, deepest first."""
    folders = {out_dir}
    for name in names:
        folders.update(parent for parent in (out_dir / name).parents if parent.is_relative_to(out_dir))
    return sorted((folder for folder in folders if not folder.exists()), key=lambda f: len(f.parts), reverse=True)


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:
        try:
            folder.rmdir()  # only when empty: a folder another process has written into since stays
        except OSError:
            pass


def _journal_path(out_dir: Path, pid: int | None = None) -> Path:
    return out_dir / f".commit.{_TEMP_MARK}-{pid or os.getpid()}-journal.json"


def _journal(out_dir: Path, staged: list[tuple[Path, Path]]) -> Path:
    """Record, before the first rename, which temporary file becomes which output (names relative to out_dir)."""
    pairs = [[str(target.relative_to(out_dir).parent / temp.name), str(target.relative_to(out_dir))]
             for temp, target in staged]
    journal = _journal_path(out_dir)
    write_atomic(journal, json.dumps(pairs).encode())
    return journal


def finish_interrupted(out_dir: Path) -> None:
    """Finish the renames of a build into out_dir that was killed while renaming (its journal is there,
    its process gone): every output is then that build's, complete, never a mix of two builds. Then
    remove the temporary files killed builds left."""
    for journal in sorted(out_dir.glob(f".commit.{_TEMP_MARK}-*-journal.json")):
        match = re.fullmatch(rf"\.commit\.{_TEMP_MARK}-(\d+)-journal\.json", journal.name)
        if not match or _running(int(match[1])):
            continue
        try:
            pairs = json.loads(journal.read_text(encoding="utf-8"))
            for temp, target in pairs:
                temp_path, target_path = inside(out_dir, temp), inside(out_dir, target)
                if _TEMP_NAME.match(temp_path.name) and temp_path.is_file():
                    os.replace(temp_path, target_path)
            journal.unlink()
        except (OSError, ValueError, TypeError):
            pass  # not a journal this writer wrote: leave it
    remove_stale_temporaries(out_dir)


def inside(out_dir: Path, name: str) -> Path:
    """out_dir/name, refused (OSError) unless it stays inside out_dir when every link is followed."""
    relative = Path(name)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise OSError(f"output {name!r} would leave the output folder")
    target = out_dir / relative
    if not target.parent.resolve().is_relative_to(out_dir.resolve()):
        raise OSError(f"{target.parent} is a link out of the output folder; remove it")
    return target


def _check_target(target: Path) -> None:
    """What would make the rename fail, found before any file is replaced."""
    if target.is_dir() and not target.is_symlink():
        raise IsADirectoryError(21, "a folder is in the way of an output file", str(target))
    if not os.access(target.parent, os.W_OK):
        raise PermissionError(13, "the folder cannot be written", str(target.parent))


def _backup(target: Path) -> Path | None:
    """A second name (hard link) for the file about to be replaced, so that a failed rename can put it back."""
    if not target.is_file() or target.is_symlink():
        return None
    backup = target.with_name(f".{target.name}.{_TEMP_MARK}-{os.getpid()}-{os.urandom(4).hex()}.tmp")
    try:
        os.link(target, backup)
    except OSError:
        return None  # a file system without hard links: the pre-rename checks are all there is
    return backup


def _put_back(replaced: list[tuple[Path | None, bool, Path]]) -> None:
    """Undo the renames done so far: the old file back where there was one, no file where there was none."""
    for backup, existed, target in reversed(replaced):
        try:
            if backup is not None:
                os.replace(backup, target)
                backup.unlink(missing_ok=True)  # still there when the target was never replaced (one file, two names)
            elif not existed:
                target.unlink(missing_ok=True)
        except OSError:
            pass


def _remove_own(out_dir: Path, name: str, digest: object) -> None:
    """Remove an earlier build's output if it is still exactly the file that build wrote."""
    try:
        path = inside(out_dir, name)
        if path.is_file() and not path.is_symlink() and hashlib.sha256(path.read_bytes()).hexdigest() == digest:
            path.unlink()
    except OSError:
        pass  # gone already (a concurrent build), or not ours to remove


#: In the name of every temporary file this writer makes, with the process id after it: a file of a
#: process that no longer runs (killed during a build) is removed by the next build into that folder.
_TEMP_MARK = "report-builder"
_TEMP_NAME = re.compile(rf"^\..+\.{_TEMP_MARK}-(\d+)-[a-z0-9_]+\.tmp$")


def remove_stale_temporaries(out_dir: Path) -> None:
    """Remove the temporary files of builds into out_dir that were killed before they could."""
    for folder in (out_dir, *(p for p in out_dir.glob("*") if p.is_dir() and not p.is_symlink())):
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for path in entries:
            match = _TEMP_NAME.match(path.name)
            if match and not _running(int(match[1])):
                try:
                    path.unlink()
                except OSError:
                    pass


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True  # this process's own build (a concurrent thread) is still writing it
    if os.name != "posix":
        return True  # no safe way to ask: leave it (os.kill would end the process on Windows)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # running, as another user
    return True


def _holds(path: Path, content: bytes) -> bool:
    """The file is there, a regular file, with exactly this content."""
    try:
        return path.is_file() and not path.is_symlink() and path.stat().st_size == len(content) \
            and path.read_bytes() == content
    except OSError:
        return False


def _stage(path: Path, content: bytes) -> Path:
    """The content, complete and flushed, in a temporary file beside path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.{_TEMP_MARK}-{os.getpid()}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
    except BaseException:
        _discard([Path(temp)])
        raise
    return Path(temp)


def _discard(temps: list[Path]) -> None:
    for temp in temps:
        try:
            os.unlink(temp)
        except OSError:  # gone already, or its folder is not a folder (--out naming a file)
            pass
