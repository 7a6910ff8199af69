"""Profile one cold build with pyinstrument and sum its time into a few categories (imports, charts, PDF, deck).

    .venv/bin/python benchmarks/experiments/profile_summary.py [EVIDENCE.yaml] [--keep PROFILE.json]

Runs `pyinstrument -r json --show-all -m report_builder build EVIDENCE --out <empty folder>`
(one file: one process) and assigns each sampled frame's own time to the innermost category on its stack: an import of a library counts as
that import wherever it happens; Matplotlib's savefig, the PDF's chart replay and ReportLab's
doc.build count as themselves inside the builders; the rest goes to the report_builder module the
frame runs under. pyinstrument inflates call-heavy Python (python-pptx) more than C code (Agg,
zlib): read the shares next to benchmarks/experiments/phases.py.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

IMPORTS = (
    ("import: matplotlib (+PIL, fontTools, pyparsing, ...)",
     r"/(matplotlib|mpl_toolkits|PIL|pyparsing|kiwisolver|fontTools|contourpy|cycler|dateutil)/"),
    ("import: numpy + scipy", r"/(numpy|scipy)/"),
    ("import: reportlab", r"/(reportlab|rl_accel|_rl_accel)"),
    ("import: python-pptx (+xlsxwriter)", r"/(pptx|xlsxwriter)/"),
    ("import: pydantic, yaml, jinja2, stdlib, ...", r"."),
)
Frame = dict
SPECIFIC: tuple[tuple[str, Callable[[Frame], bool]], ...] = (
    ("charts: Matplotlib savefig (SVG, PNG, recording)",
     lambda f: f["function"] == "savefig" and "matplotlib/figure" in _path(f)),
    ("PDF: charts replayed (builders/pdf/chart.py)", lambda f: "report_builder/builders/pdf/chart" in _path(f)),
    ("PDF: ReportLab doc.build (layout + write)",
     lambda f: f["function"] == "build" and "reportlab/platypus/doctemplate" in _path(f)),
    ("fonts: TTF parsing (template check, registration)",
     lambda f: f["function"] == "__init__" and "reportlab/pdfbase/ttfonts" in _path(f)),
    ("deck: python-pptx save (zip)", lambda f: "save" in f["function"].lower() and "/pptx/" in _path(f)),
    ("YAML parse", lambda f: f["function"] == "read_yaml"),
    ("fingerprint (hash of inputs and code)", lambda f: f["function"] == "input_fingerprint"),
    ("write outputs", lambda f: f["function"] == "write_outputs"),
)
GENERIC = (
    ("charts: the rest of drawing", r"report_builder/charts/"),
    ("PDF: the rest of the builder (story, tables, text)", r"report_builder/builders/pdf"),
    ("deck: the rest of the builder (slides, tables, text fitting)", r"report_builder/builders/pptx"),
    ("inputs and analysis: reading, validation, checks, statistics", r"report_builder/(inputs|analysis)/"),
    ("theme: template loading, wording (Jinja)", r"report_builder/theme/"),
)
START = "other: CLI, pipeline"


def _path(frame: Frame) -> str:
    return frame.get("file_path") or ""


def categorise(root: Frame) -> dict[str, float]:
    totals: dict[str, float] = {}

    def walk(frame: Frame, category: str, fixed: bool) -> None:
        if frame["function"] == "<module>" and "report_builder" not in _path(frame):
            category, fixed = next(name for name, rx in IMPORTS if re.search(rx, _path(frame))), True
        elif not fixed:
            hit = next((name for name, test in SPECIFIC if test(frame)), None)
            if hit:
                category, fixed = hit, True
            else:
                category = next((name for name, rx in GENERIC if re.search(rx, _path(frame))), category)
        children = frame.get("children", [])
        totals[category] = totals.get(category, 0.0) + max(0.0, frame["time"] - sum(c["time"] for c in children))
        for child in children:
            walk(child, category, fixed)

    walk(root, START, False)
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("evidence", nargs="?", type=Path, default=ROOT / "data" / "inotuzumab-ozogamicin.yaml")
    parser.add_argument("--keep", type=Path, metavar="PROFILE.json", help="also keep pyinstrument's JSON here")
    args = parser.parse_args()
    pyinstrument = Path(sys.executable).parent / "pyinstrument"
    if not pyinstrument.exists():
        print(f"needs pyinstrument: {sys.executable} -m pip install -r benchmarks/requirements.txt", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        profile = args.keep or Path(tmp) / "profile.json"
        subprocess.run([str(pyinstrument), "-r", "json", "--show-all", "-o", str(profile), "-m", "report_builder",
                        "build", str(args.evidence), "--jobs", "1", "--out", str(Path(tmp) / "out")], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        root = json.loads(profile.read_text(encoding="utf-8"))["root_frame"]
    totals = categorise(root)
    print(f"{args.evidence.name}: {root['time']:.2f} s under pyinstrument")
    for name, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        if seconds >= 0.01:
            print(f"{seconds:6.2f} s {100 * seconds / root['time']:5.1f} %  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
