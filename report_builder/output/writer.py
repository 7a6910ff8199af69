"""The only code that writes output files: all at the end, each atomically (temp file + rename)."""
from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


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
                  prune: Mapping[str, tuple[str, ...]] | None = None) -> list[Path]:
    """Write every output; `last` (the manifest) goes last, so it only ever describes complete files.

    Every file is first written in full to a temporary file next to its target; only when all of
    them are on disk are they renamed into place. A failure while writing (disk full, --out naming
    a file) therefore replaces nothing and leaves no temporary file behind. A file that already
    holds exactly these bytes (a chart reused from the last build) is left as it is. Then, in each
    folder of `prune` (folder -> suffixes), a file with one of those suffixes that this build did
    not write is removed: an earlier build's output that no longer has a source.
    """
    from report_builder.errors import ReportBuilderError

    names = sorted(outputs.files, key=lambda n: (n == last, n))
    staged: list[tuple[Path, Path]] = []
    try:
        for name in names:
            target = out_dir / name
            if not _holds(target, outputs.files[name]):
                staged.append((_stage(target, outputs.files[name]), target))
        for index, (temp, target) in enumerate(staged):
            os.replace(temp, target)
            staged[index] = (target, target)
    except OSError as exc:
        _discard([temp for temp, target in staged if temp != target])
        where = exc.filename or out_dir
        raise ReportBuilderError(f"{where}: cannot write the outputs ({exc.strerror or exc}); "
                                 "check that --out names a folder you can write to") from None
    except BaseException:
        _discard([temp for temp, target in staged if temp != target])
        raise
    for folder, suffixes in (prune or {}).items():
        if (out_dir / folder).is_dir():
            for path in (out_dir / folder).iterdir():
                if path.suffix in suffixes and f"{folder}/{path.name}" not in outputs.files:
                    path.unlink(missing_ok=True)  # a concurrent build into the same folder may have removed it
    return [out_dir / name for name in names]


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
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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
        except FileNotFoundError:
            pass
