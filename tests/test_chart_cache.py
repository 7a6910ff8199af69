"""Incremental builds: charts are reused by the key of what they draw, so a text-only edit redraws no chart."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import EXAMPLE


def previous_build(built: Path, tmp_path: Path) -> Path:
    """OUT/ holding a copy of the session's build of the bundled example (as if built there earlier)."""
    out = tmp_path / "out"
    shutil.copytree(built, out / built.name)
    return out


def edited_copy(tmp_path: Path, old: str, new: str) -> Path:
    """The bundled file with one edit, in another folder under the same name: same stem, same OUT/<stem>/."""
    text = EXAMPLE.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "edited" / EXAMPLE.name
    path.parent.mkdir()
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_text_edit_redraws_no_chart(built, tmp_path):
    from report_builder.build import build

    out = previous_build(built, tmp_path)
    evidence = edited_copy(tmp_path, "read the statistical plan, not only", "read the statistical analysis plan, not only")
    result = build(evidence, out)
    charts = json.loads((built / "manifest.json").read_text(encoding="utf-8"))["charts"]
    assert len(charts) == 2 * 8  # eight charts, each for print and for slides
    assert (result.status, result.charts_drawn, result.charts_reused) == ("built", 0, len(charts))
    warm = files(out / EXAMPLE.stem)
    assert warm[f"{EXAMPLE.stem}.pdf"] != (built / f"{EXAMPLE.stem}.pdf").read_bytes()  # the edit is in the handout
    # Byte for byte what a build from nothing gives: PDF, deck, every chart and the manifest.
    cold = build(evidence, tmp_path / "cold")
    assert cold.charts_drawn == len(charts) and cold.charts_reused == 0
    assert warm == files(cold.out_dir)


def test_editing_a_drawn_figure_redraws_exactly_the_charts_that_show_it(built, tmp_path, template):
    from report_builder.charts.draw import draw_charts
    from report_builder.analysis.report import load_report
    from report_builder.build import build

    out = previous_build(built, tmp_path)
    before = json.loads((built / "manifest.json").read_text(encoding="utf-8"))["charts"]
    # Sepsis in the SoC arm of INO-VATE: drawn only by the adverse-event butterfly.
    evidence = edited_copy(tmp_path, "soc: {events: 10, total: 143, percent: 7.0}", "soc: {events: 11, total: 143}")
    result = build(evidence, out)
    after = json.loads((result.out_dir / "manifest.json").read_text(encoding="utf-8"))["charts"]
    assert {k for k in after if after[k] != before[k]} == {"print/adverse-events-inovate", "slide/adverse-events-inovate"}
    assert (result.charts_drawn, result.charts_reused) == (2, len(before) - 2)
    fresh = draw_charts(load_report(evidence), template)  # no cache: every chart drawn
    for chart in fresh.for_medium("print"):
        assert (out / EXAMPLE.stem / "charts" / f"{chart.id}.svg").read_bytes() == chart.svg, chart.id
    for chart in fresh.for_medium("slide"):
        assert (out / EXAMPLE.stem / "charts" / f"{chart.id}.png").read_bytes() == chart.png, chart.id
    redrawn = fresh.for_medium("slide").get("adverse-events-inovate").png
    assert (built / "charts" / "adverse-events-inovate.png").read_bytes() != redrawn


def test_a_chart_file_changed_on_disk_is_drawn_again_not_reused(built, tmp_path):
    from report_builder.build import build

    out = previous_build(built, tmp_path)
    png = out / EXAMPLE.stem / "charts" / "timeline.png"
    png.write_bytes(png.read_bytes() + b"tampered")
    evidence = edited_copy(tmp_path, "read the statistical plan, not only", "read the analysis plan, not only")
    result = build(evidence, out)
    assert (result.charts_drawn, result.charts_reused) == (1, 15)  # the slide timeline; its print twin is intact
    assert png.read_bytes() == (built / "charts" / "timeline.png").read_bytes()
    # --force redraws everything, cache or not.
    forced = build(evidence, out, force=True)
    assert (forced.charts_drawn, forced.charts_reused) == (16, 0)


def test_the_manifest_records_each_chart_key(built, charts):
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["charts"] == {f"{c.medium.name}/{c.id}": {"key": c.key, "files": {
        form: (f".cache/{c.id}.ops.json" if form == "ops" else f"charts/{c.id}.{form}") for form in c.medium.forms}}
        for c in charts}


def test_a_text_edit_rewrites_the_documents_and_leaves_the_chart_files_alone(built, tmp_path):
    """A reused chart has the bytes already on disk: it is not written again (no copy, no rename)."""
    from report_builder.build import build

    out = previous_build(built, tmp_path)
    folder = out / EXAMPLE.stem
    before = {p: p.stat().st_ino for p in folder.rglob("*") if p.is_file()}
    evidence = edited_copy(tmp_path, "read the statistical plan, not only", "read the analysis plan, not only")
    result = build(evidence, out)
    replaced = {p.relative_to(folder).as_posix() for p, inode in before.items() if p.stat().st_ino != inode}
    # the evidence export holds the edited text too; the Summary of findings and references exports do not change
    assert replaced == {f"{EXAMPLE.stem}.pdf", f"{EXAMPLE.stem}.pptx", f"{EXAMPLE.stem}.evidence.json", "manifest.json"}
    assert set(result.outputs) == set(before)
