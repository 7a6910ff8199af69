"""Where a cold build's wall time goes, phase by phase, without a profiler's per-call overhead.

    .venv/bin/python benchmarks/experiments/phases.py [--runs 3] [EVIDENCE.yaml]

Each run is a fresh process that does what report_builder.build.build does, step by step, timing
each step with perf_counter; imports happen where the pipeline first needs them, so they count in
the step that triggers them. The same steps then run a second time in the same process ("warm":
libraries imported, fonts registered), which separates first-use cost from per-build work.
"interpreter" is the parent's wall time of the process minus what the script measured (start-up, exit).
pyinstrument inflates call-heavy code (python-pptx) relative to C code (Agg, zlib); these
timings do not. Uses report_builder internals as of this benchmark; update it when they change.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STEPS = ("import pipeline", "fingerprint", "load_template", "load_report", "draw_charts", "pdf", "pptx", "write")


def child(evidence: Path, out: Path) -> None:
    start = time.perf_counter()
    times: dict[str, list[float]] = {step: [] for step in STEPS}

    def step(name: str, t: float) -> float:
        now = time.perf_counter()
        times[name].append(now - t)
        return now

    t = start
    from report_builder.output import manifest
    from report_builder.output.writer import OutputSet, write_outputs
    from report_builder.theme.search_path import template_chain

    t = step("import pipeline", t)
    for n in range(2):
        chain = template_chain("default")
        manifest.input_fingerprint(evidence, manifest.template_digest(tuple(link.folder for link in chain)), None,
                                   False)
        t = step("fingerprint", t)
        from report_builder.theme.template import load_template

        template = load_template(chain)
        t = step("load_template", t)
        from report_builder.analysis.report import load_report

        report = load_report(evidence)
        t = step("load_report", t)
        from report_builder.charts.draw import draw_charts

        charts = draw_charts(report, template, cache={})
        t = step("draw_charts", t)
        from report_builder.builders import get_builders

        builders = {b.name: b for b in get_builders()}
        outputs = OutputSet()
        for chart in charts:
            for form, name in manifest.chart_files(chart.id, chart.medium.forms).items():
                outputs.add(name, getattr(chart, form))
        outputs.add("out.pdf", builders["pdf"].build(report, charts, template))
        t = step("pdf", t)
        outputs.add("out.pptx", builders["pptx"].build(report, charts, template))
        t = step("pptx", t)
        write_outputs(out / f"pass{n}", outputs)
        t = step("write", t)
        if n == 0:
            cold_total = t - start
    print(json.dumps({"times": times, "cold_total": cold_total, "script_total": t - start}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("evidence", nargs="?", type=Path, default=ROOT / "data" / "inotuzumab-ozogamicin.yaml")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.evidence, args.child)
        return 0
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        for i in range(args.runs + 1):  # the first run fills the bytecode cache and is not counted
            started = time.perf_counter()
            done = subprocess.run([sys.executable, __file__, str(args.evidence), "--child", str(Path(tmp) / f"o{i}")],
                                  capture_output=True, text=True, env=env, cwd=ROOT, check=True)
            wall = time.perf_counter() - started
            if i:
                runs.append((wall, json.loads(done.stdout.strip().splitlines()[-1])))
    med = statistics.median
    print(f"{args.evidence.name}: median of {args.runs} fresh processes (seconds)")
    print(f"{'step':18s} {'cold':>7s} {'warm':>7s}")
    # Wall time of the process outside the script: interpreter start-up and shutdown.
    print(f"{'interpreter':18s} {med(w - r['script_total'] for w, r in runs):7.2f}")
    for name in STEPS:
        cold = med(r["times"][name][0] for _, r in runs)
        warm = med(r["times"][name][1] for _, r in runs) if len(runs[0][1]["times"][name]) > 1 else float("nan")
        print(f"{name:18s} {cold:7.2f} {warm:7.2f}")
    print(f"{'total (script)':18s} {med(r['cold_total'] for _, r in runs):7.2f} "
          f"{med(sum(v[1] for k, v in r['times'].items() if len(v) > 1) for _, r in runs):7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
