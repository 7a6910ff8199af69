"""When each part of a split cold build (one file, two cores) starts and ends, in both processes.

    .venv/bin/python benchmarks/experiments/split_timeline.py [--runs 3] [EVIDENCE.yaml]

Runs the real command (`build-report build EVIDENCE --out <empty> --quiet`, jobs = cores) in a fresh
process with timing wrappers around the steps of report_builder.build: the report loading in the
forked loader, the template loading in the parent, and in each half of render_documents the chart
drawing and the builder. Prints wall-clock start and end (seconds since the process started) and
the CPU time of every step, so it shows which half a build waits for. The wrappers import the
report and template modules before the build starts (in the real command each process imports its
own after the fork), so steps start a little later than they do there. Uses report_builder
internals as of this benchmark; update it when they change.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = r'''
import os, sys, time
T0 = time.perf_counter()
MAIN = os.getpid()

def cpu():
    t = os.times()
    return t.user + t.system

def timed(owner, name, label):
    real = getattr(owner, name)
    def wrapper(*args, **kwargs):
        start, c0 = time.perf_counter() - T0, cpu()
        try:
            return real(*args, **kwargs)
        finally:
            who = "parent" if os.getpid() == MAIN else "child "
            print(f"{who} {label:28s} {start:6.2f} {time.perf_counter() - T0:6.2f} {cpu() - c0:6.2f}",
                  file=sys.stderr, flush=True)
    setattr(owner, name, wrapper)

import report_builder.builders as builders
import report_builder.charts.draw as draw
import report_builder.analysis.report as model
import report_builder.build as pipeline
import report_builder.theme.template as templates

timed(model, "load_report", "load_report")
timed(templates, "load_template", "load_template")
timed(draw, "draw_charts", "draw_charts")
real_get = builders.get_builders
def get_builders():
    found = real_get()
    for builder in found:
        timed(builder, "build", f"build {builder.name}")
    return found
builders.get_builders = get_builders
import gc
from report_builder.cli import GC_THRESHOLDS, main
gc.set_threshold(*GC_THRESHOLDS)  # as the build-report command (cli.run) sets them
status = main()
print(f"parent {'whole build':28s} {0:6.2f} {time.perf_counter() - T0:6.2f} {cpu():6.2f}", file=sys.stderr)
sys.stderr.flush()
os._exit(status)
'''


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("evidence", nargs="?", type=Path, default=ROOT / "data" / "inotuzumab-ozogamicin.yaml")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            result = subprocess.run([sys.executable, "-c", CHILD, "build", str(args.evidence), "--out", tmp,
                                     "--quiet"], capture_output=True, text=True, cwd=ROOT, env=env)
        print(f"run {run + 1}: exit {result.returncode}")
        print(f"{'process':6s} {'step':28s} {'start':>6s} {'end':>6s} {'cpu':>6s}")
        print(result.stderr, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
