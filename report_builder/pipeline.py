"""One build: load and check everything, draw charts once, run each builder, then write all outputs."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from report_builder.writer import OutputSet, write_outputs

MANIFEST = "manifest.json"
CHART_DIR = "charts"


@dataclass(frozen=True)
class BuildResult:
    source: Path
    out_dir: Path
    status: str  #: "built" or "up to date"
    outputs: tuple[Path, ...]
    warnings: tuple[str, ...] = ()


def build(evidence_path: Path, out_root: Path, template_spec: str = "default") -> BuildResult:
    """Build the PDF, the deck and the charts of one evidence file into out_root/<stem>/."""
    from report_builder.builders import get_builders
    from report_builder.charts.draw import draw_charts
    from report_builder.model import load_report
    from report_builder.templates import load_template

    template = load_template(template_spec)
    report = load_report(evidence_path)
    charts = draw_charts(report, template)
    outputs = OutputSet()
    for chart in charts:
        outputs.add(f"{CHART_DIR}/{chart.id}.svg", chart.svg)
        outputs.add(f"{CHART_DIR}/{chart.id}.png", chart.png)
    for builder in get_builders():
        outputs.add(f"{report.stem}{builder.extension}", builder.build(report, charts, template))
    out_dir = out_root / report.stem
    outputs.add(MANIFEST, _manifest(evidence_path, template, outputs))
    written = write_outputs(out_dir, outputs, last=MANIFEST)
    _remove_stale_charts(out_dir, outputs)
    return BuildResult(evidence_path, out_dir, "built", tuple(written), tuple(str(w) for w in report.warnings))


def _manifest(evidence_path: Path, template, outputs: OutputSet) -> bytes:
    import hashlib

    def digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    manifest = {
        "evidence": {"path": str(evidence_path), "sha256": digest(evidence_path)},
        "template": {
            "name": template.name,
            "files": {str(p): digest(p) for p in template.files()},
        },
        "outputs": outputs.digests(),
        "versions": _versions(),
    }
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    from report_builder import __version__

    found = {"report_builder": __version__}
    for package in ("reportlab", "python-pptx", "matplotlib", "jinja2", "pyyaml", "pydantic", "scipy"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "unknown"
    return found


def _remove_stale_charts(out_dir: Path, outputs: OutputSet) -> None:
    """A chart the evidence no longer supports must not linger next to the new ones."""
    chart_dir = out_dir / CHART_DIR
    if not chart_dir.is_dir():
        return
    current = {name for name in outputs.files if name.startswith(CHART_DIR + "/")}
    for path in chart_dir.iterdir():
        if path.suffix in (".svg", ".png") and f"{CHART_DIR}/{path.name}" not in current:
            path.unlink()
