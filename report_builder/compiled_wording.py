"""Compiled wording templates kept between runs, as Python keeps __pycache__.

Each half of a build compiles every Jinja template it renders (about 0.06 s for the deck's, as much
for the PDF's) before it can render one word; the same files compiled by an earlier build, of any
evidence file, are loaded instead. Jinja checks each entry against the template's source, so an
edited template is compiled again; the output is the same either way.

The cache lives in $REPORT_BUILDER_CACHE_DIR, else $XDG_CACHE_HOME/report_builder, else
~/.cache/report_builder; REPORT_BUILDER_CACHE_DIR set to an empty value turns it off. It is a cache:
a folder that cannot be created, read or written means compiling, never a failed build.
"""
from __future__ import annotations

import hashlib
import os
import stat
import sys
from pathlib import Path
from typing import Any

from jinja2 import FileSystemBytecodeCache

ENV_VAR = "REPORT_BUILDER_CACHE_DIR"


def cache_root() -> Path | None:
    """Where report_builder may keep caches for this user; None when turned off or there is no home."""
    configured = os.environ.get(ENV_VAR)
    if configured is not None:
        return Path(configured) if configured.strip() else None
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no home directory to be found
            return None
    return Path(base) / "report_builder"


def bytecode_cache(sandbox_source: Path) -> FileSystemBytecodeCache | None:
    """A Jinja bytecode cache in a folder only this user can write, or None (compile every time).

    Compiled templates are code that runs in the build: a folder that someone else owns or may write
    to is not used. sandbox_source is the module that configures the sandbox (theme/template.py).
    """
    root = cache_root()
    if root is None or not hasattr(os, "getuid"):  # no owner to check (not POSIX): compile every time
        return None
    folder = root / f"jinja-{_compiler_identity(sandbox_source)}"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None
    return _QuietBytecodeCache(str(folder))


def _compiler_identity(sandbox_source: Path) -> str:
    """What compiled code depends on: Jinja's and Python's versions, and how the sandbox is configured
    (its intercepted operators change the generated code), so a change to any starts afresh."""
    import jinja2

    digest = hashlib.sha256(f"{jinja2.__version__}|{sys.version}".encode())
    digest.update(sandbox_source.read_bytes())
    return digest.hexdigest()[:16]


class _QuietBytecodeCache(FileSystemBytecodeCache):
    """Jinja's file cache, but an entry it cannot read or write is simply compiled."""

    def load_bytecode(self, bucket: Any) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: Any) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass
