"""The only code that writes output files: all at the end, each atomically (temp file + rename)."""
from __future__ import annotations

import hashlib
import os
import tempfile
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

    A reader (or a concurrent build) sees the old file or the new one, never a mix, and a crash
    leaves at worst a stray temporary file that is removed on the next error path.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise


def write_outputs(out_dir: Path, outputs: OutputSet, last: str | None = None) -> list[Path]:
    """Write every output; `last` (the manifest) goes last, so it only ever describes complete files."""
    written = []
    names = sorted(outputs.files, key=lambda n: (n == last, n))
    for name in names:
        target = out_dir / name
        write_atomic(target, outputs.files[name])
        written.append(target)
    return written
