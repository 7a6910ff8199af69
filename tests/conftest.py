"""Shared fixtures: the bundled evidence, its report model, and one real build of it per session."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "data" / "inotuzumab-ozogamicin.yaml"
#: The smaller bundled file (one single-arm trial, 2 charts), for tests of how the pipeline builds, writes,
#: rebuilds and stops, which need a real build but not the largest one: it builds in a third of the time.
SMALL_EXAMPLE = ROOT / "data" / "brexucabtagene-autoleucel.yaml"


def require_tool(name: str) -> str:
    """The path of a command-line tool; in CI a missing tool fails the test instead of skipping it."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is required in CI (installed by tests/run)")
        pytest.skip(f"{name} not installed (tests/run installs it)")
    return path


@pytest.fixture(scope="session")
def example_path() -> Path:
    return EXAMPLE


@pytest.fixture(scope="session")
def report():
    from report_builder.analysis.report import load_report

    return load_report(EXAMPLE)


@pytest.fixture(scope="session")
def template():
    from report_builder.theme.template import load_template

    return load_template("default")


@pytest.fixture(scope="session")
def charts(report, template):
    from report_builder.charts.draw import draw_charts

    return draw_charts(report, template)


@pytest.fixture(scope="session")
def example_build(tmp_path_factory):
    """OUT/<stem>/ of one real build of a bundled evidence file with a bundled template, made on first use
    and shared by every test that only reads those outputs: example_build(evidence=EXAMPLE, template="default")."""
    from report_builder.build import build

    made: dict[tuple[Path, str], Path] = {}

    def get(evidence: Path = EXAMPLE, template: str = "default") -> Path:
        if (evidence, template) not in made:
            result = build(evidence, tmp_path_factory.mktemp(f"{evidence.stem}-{template}"), template)
            assert result.status == "built", result.error
            made[evidence, template] = result.out_dir
        return made[evidence, template]

    return get


@pytest.fixture(scope="session")
def built(example_build) -> Path:
    """OUT/<stem>/ of one build of the bundled example through the real pipeline."""
    return example_build()


@pytest.fixture
def write_evidence(tmp_path):
    """Write YAML text to a file and return its path (for broken-input tests)."""

    def write(text: str | bytes, name: str = "evidence.yaml") -> Path:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return write
