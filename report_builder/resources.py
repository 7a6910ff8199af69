"""Where the bundled example evidence and templates live, installed or in a source checkout."""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled_root() -> Path:
    """The wheel ships data/ and templates/ under report_builder/_bundled; a checkout has them at the top."""
    installed = _PACKAGE / "_bundled"
    return installed if installed.is_dir() else _PACKAGE.parent


def example_evidence() -> Path:
    return bundled_root() / "data" / "inotuzumab-ozogamicin.yaml"


def starter_evidence() -> Path:
    """What `build-report new` copies: a commented evidence file that builds as it is."""
    return bundled_root() / "data" / "starter" / "evidence.yaml"


def templates_root() -> Path:
    return bundled_root() / "templates"
