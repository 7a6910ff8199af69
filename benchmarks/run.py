"""Benchmark build-report against the pandoc/Typst stack: wall time and peak memory of whole processes.

    .venv/bin/python benchmarks/run.py [--runs 5] [--quick] [--files 50] [--json PATH] [--keep]

Stdlib only. Every measurement is one fresh child process (or, for the baseline, four in sequence),
timed with perf_counter and reaped with os.wait4, whose ru_maxrss is the peak resident set of that
child and of the descendants it waited for (a --jobs worker counts; the figure is the largest single
process, not a sum). The --watch scenario instead times, inside one long-running `build --watch`,
the span from saving the evidence file to both its PDF and its deck replaced. The median of --runs
runs is reported. Setup (input files, the baseline's Markdown) is never timed. See
docs/performance.md for what each scenario means and the targets.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
EVIDENCE = ROOT / "data" / "inotuzumab-ozogamicin.yaml"
PYTHON = sys.executable

#: The one-word edit of the incremental scenario: a teaching point, toggled between two words.
EDIT_FROM, EDIT_TO = "are not randomized comparisons.", "are not randomized contrasts."

#: Children run with bytecode caching on, as on a user's machine (pip writes .pyc files at install),
#: even when this shell sets PYTHONDONTWRITEBYTECODE; the cache lives in the workspace, not in the
#: checkout, and the untimed warm-up fills it for both sides alike. Set by Bench.__init__.
CHILD_ENV: dict[str, str] = {}

TARGETS = {
    "cold": 1.0,  # cold build <= 1.0 x the baseline stack
    "unchanged": 0.05,  # unchanged rebuild <= 0.05 x the baseline stack
    "watch": 0.15,  # --watch: a one-word edit saved -> PDF and deck replaced, <= 0.15 x the baseline stack
    "jobs_speedup": 1.8,  # --jobs 2 throughput >= 1.8 x --jobs 1
    "x10": 10.0,  # ten times the evidence in <= ten times the time
    "peak_mib": 250.0,  # one build's peak RSS
}


@dataclass
class Sample:
    seconds: float
    peak_mib: float
    returncode: int
    steps: dict[str, float] = field(default_factory=dict)  #: per-process seconds of a multi-process pipeline


@dataclass
class Scenario:
    name: str
    label: str
    samples: list[Sample] = field(default_factory=list)
    files: int = 1
    failed: str = ""  #: why the scenario could not be measured

    @property
    def ok(self) -> bool:
        return bool(self.samples) and not self.failed

    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    def peak(self) -> float:
        """The largest peak over the runs: the memory a user must have, not a typical run."""
        return max(s.peak_mib for s in self.samples)

    def step_median(self, step: str) -> float:
        return statistics.median(s.steps[step] for s in self.samples)


# ------------------------------------------------------------------------------ measuring one run
def measure(cmd: list[str], cwd: Path, log: Path, env: dict[str, str] | None = None) -> Sample:
    """Wall time and peak RSS (MiB) of one child process tree; output goes to log."""
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env or CHILD_ENV or None)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; Popen must not wait again
    return Sample(seconds, usage.ru_maxrss / 1024, proc.returncode)  # Linux reports KiB


def measure_pipeline(steps: list[tuple[str, list[str]]], cwd: Path, log: Path) -> Sample:
    """A sequence of processes, as a user's script runs them: times add up, the peak is the largest."""
    total, peak, times = 0.0, 0.0, {}
    for name, cmd in steps:
        sample = measure(cmd, cwd, log.with_suffix(f".{name}.log"))
        if sample.returncode != 0:
            return Sample(total + sample.seconds, max(peak, sample.peak_mib), sample.returncode, times)
        total += sample.seconds
        peak = max(peak, sample.peak_mib)
        times[name] = sample.seconds
    return Sample(total, peak, 0, times)


def tail(path: Path, lines: int = 8) -> str:
    """The end of a log, its most telling line (an error, if any) first."""
    try:
        last = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    errors = [line for line in last if "error" in line.lower()]
    return "\n".join(errors[:1] + last)


# ------------------------------------------------------------------------------ the commands
def build_report_command() -> list[str]:
    """The real console script of this venv, else the module (same code, one more import path)."""
    script = Path(PYTHON).parent / "build-report"
    return [str(script)] if script.exists() else [PYTHON, "-m", "report_builder"]


def pandoc_binary() -> str | None:
    spec = importlib.util.find_spec("pypandoc")
    if spec and spec.submodule_search_locations:
        bundled = Path(next(iter(spec.submodule_search_locations))) / "files" / "pandoc"
        if bundled.exists():
            return str(bundled)
    return shutil.which("pandoc")


def missing_baseline_tools() -> list[str]:
    missing = [name for name in ("pypandoc", "typst") if importlib.util.find_spec(name) is None]
    if "pypandoc" not in missing and pandoc_binary() is None:
        missing.append("pypandoc_binary (pandoc itself)")
    return missing


# ------------------------------------------------------------------------------ the benchmark
class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.ws = Path(tempfile.mkdtemp(prefix="rb-bench-"))
        self.logs = self.ws / "logs"
        self.logs.mkdir()
        self.cmd = build_report_command()
        CHILD_ENV.clear()
        # Python's bytecode is kept as an installed tool keeps it, but in the workspace: warm after the
        # warm-up run, for every scenario.
        CHILD_ENV.update({k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
                         PYTHONPYCACHEPREFIX=str(self.ws / "pycache"))
        self.counter = 0
        self.results: dict[str, Scenario] = {}
        self.notes: list[str] = []

    def log(self, name: str) -> Path:
        self.counter += 1
        return self.logs / f"{self.counter:04d}-{name}.log"

    def fresh(self, name: str) -> Path:
        """An empty output folder that no earlier run has touched: a cold build."""
        self.counter += 1
        path = self.ws / "out" / f"{name}-{self.counter:04d}"
        path.mkdir(parents=True)
        return path

    def say(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def build(self, evidence: list[Path], out: Path, *extra: str) -> list[str]:
        return [*self.cmd, "build", *map(str, evidence), "--out", str(out), *extra]

    # -- setup (untimed)
    def setup(self) -> None:
        self.say(f"workspace {self.ws}")
        inputs = self.ws / "inputs"
        inputs.mkdir()
        self.x10 = inputs / "inotuzumab-ozogamicin-x10.yaml"
        self.check([PYTHON, str(BENCH / "scale_evidence.py"), str(EVIDENCE), str(self.x10), "--times", "10"], "scale")
        many = inputs / "many"
        many.mkdir()
        self.many = []
        for i in range(self.args.files):
            path = many / f"evidence-{i + 1:03d}.yaml"
            shutil.copyfile(EVIDENCE, path)
            self.many.append(path)
        edit, watch = inputs / "edit", inputs / "watch"
        edit.mkdir()
        watch.mkdir()
        self.edited, self.watched = edit / EVIDENCE.name, watch / EVIDENCE.name
        shutil.copyfile(EVIDENCE, self.edited)
        shutil.copyfile(EVIDENCE, self.watched)
        if self.edited.read_text(encoding="utf-8").count(EDIT_FROM) != 1:
            raise SystemExit(f"benchmark setup: {EDIT_FROM!r} is not in {EVIDENCE.name} exactly once; "
                             "update EDIT_FROM in benchmarks/run.py")
        if self.args.baseline:
            self.base = self.ws / "baseline"
            self.check([PYTHON, str(BENCH / "baseline" / "make_inputs.py"), str(EVIDENCE), str(self.base)], "md")
            self.base_charts = len(json.loads((self.base / "charts.json").read_text(encoding="utf-8")))

    def check(self, cmd: list[str], name: str) -> None:
        log = self.log(name)
        sample = measure(cmd, ROOT, log)
        if sample.returncode != 0:
            raise SystemExit(f"benchmark setup failed: {' '.join(cmd)}\n{tail(log, 20)}")

    def baseline_steps(self) -> list[tuple[str, list[str]]]:
        pandoc = pandoc_binary()
        compile_pdf = "import typst; typst.compile('out.typ', output='out.pdf')"
        return [
            ("charts", [PYTHON, str(BENCH / "baseline" / "charts.py"), "charts.json", "charts"]),
            ("pptx", [pandoc, "in.md", "-o", "out.pptx"]),
            ("typst", [pandoc, "in.md", "--standalone", "-t", "typst", "-o", "out.typ"]),
            ("pdf", [PYTHON, "-c", compile_pdf]),
        ]

    # -- scenarios
    def scenario(self, name: str, label: str, files: int = 1) -> Scenario:
        self.results[name] = Scenario(name, label, files=files)
        return self.results[name]

    def record(self, scenario: Scenario, sample: Sample, log: Path, expect: str | None = None) -> bool:
        """Keep a sample only when the command did what the scenario claims (e.g. really rebuilt)."""
        text = log.read_text(errors="replace") if log.exists() else ""
        if sample.returncode != 0:
            scenario.failed = f"exit status {sample.returncode}: {tail(log, 6)}"
            return False
        if expect is not None and expect not in text:
            scenario.failed = f"expected {expect!r} in the output, got: {tail(log, 6)}"
            return False
        scenario.samples.append(sample)
        return True

    def run_cold_and_baseline(self) -> None:
        runs = self.args.runs
        cold = self.scenario("cold", "cold build, bundled example")
        base = self.scenario("baseline", "baseline: Matplotlib + pandoc + Typst") if self.args.baseline else None
        # Warm-up (untimed): bytecode, Matplotlib's font cache and the page cache, for both sides alike.
        self.measure_cold(Scenario("warm-up", "warm-up"))
        if base:
            self.measure_baseline(Scenario("warm-up", "warm-up"))
        for i in range(runs):  # interleaved, so drift on the machine hits both sides alike
            self.say(f"cold build and baseline, run {i + 1}/{runs}")
            if base and not base.failed:
                self.measure_baseline(base)
            if not cold.failed:
                self.measure_cold(cold)

    def measure_cold(self, scenario: Scenario) -> None:
        """A build into an empty folder."""
        out = self.fresh("cold")
        log = self.log("cold")
        if self.record(scenario, measure(self.build([EVIDENCE], out), ROOT, log), log, expect="built"):
            charts = out / EVIDENCE.stem / "charts"
            self.our_charts = len(list(charts.glob("*.png"))) if charts.is_dir() else 0

    def measure_baseline(self, scenario: Scenario) -> None:
        shutil.rmtree(self.base / "charts", ignore_errors=True)
        for name in ("out.pptx", "out.typ", "out.pdf"):
            (self.base / name).unlink(missing_ok=True)
        log = self.log("baseline")
        sample = measure_pipeline(self.baseline_steps(), self.base, log)
        if sample.returncode != 0:
            scenario.failed = f"exit status {sample.returncode}; see {log.parent}"
            return
        if not (self.base / "out.pdf").stat().st_size or not (self.base / "out.pptx").stat().st_size:
            scenario.failed = "the baseline wrote an empty PDF or deck"
            return
        scenario.samples.append(sample)

    def run_unchanged(self) -> None:
        scenario = self.scenario("unchanged", "unchanged rebuild (up to date)")
        out = self.fresh("unchanged")
        for i in range(self.args.runs):
            self.say(f"unchanged rebuild, run {i + 1}/{self.args.runs}")
            # Primed (untimed) before every run: the fingerprint covers report_builder's own code and
            # templates, so an edit in the checkout between runs would otherwise turn this into a build.
            for attempt in range(3):
                log = self.log("unchanged-prime")
                if measure(self.build([EVIDENCE], out), ROOT, log).returncode != 0:
                    scenario.failed = f"priming build failed: {tail(log, 6)}"
                    return
                log = self.log("unchanged")
                sample = measure(self.build([EVIDENCE], out), ROOT, log)
                if sample.returncode != 0 or "up to date" in log.read_text(errors="replace") or attempt == 2:
                    break
                self.say("  rebuilt instead of 'up to date' (inputs changed under us?); priming again")
            if not self.record(scenario, sample, log, expect="up to date"):
                return

    def run_edit(self) -> None:
        scenario = self.scenario("edit", "rebuild after a one-word edit")
        out = self.fresh("edit")
        log = self.log("edit-prime")
        if measure(self.build([self.edited], out), ROOT, log).returncode != 0:
            scenario.failed = f"priming build failed: {tail(log, 6)}"
            return
        for i in range(self.args.runs):
            self.say(f"rebuild after a one-word edit, run {i + 1}/{self.args.runs}")
            text = self.edited.read_text(encoding="utf-8")
            old, new = (EDIT_FROM, EDIT_TO) if EDIT_FROM in text else (EDIT_TO, EDIT_FROM)
            self.edited.write_text(text.replace(old, new), encoding="utf-8")
            log = self.log("edit")
            if not self.record(scenario, measure(self.build([self.edited], out), ROOT, log), log, expect="built"):
                return

    def run_watch(self) -> None:
        """`build --watch` on one file: after its first build, the span from writing a one-word edit of the
        evidence file to its PDF and its deck both replaced (renamed into place), once per run."""
        scenario = self.scenario("watch", "--watch: one-word edit saved -> PDF + deck")
        out = self.fresh("watch")
        folder = out / self.watched.stem
        outputs = [folder / f"{self.watched.stem}{suffix}" for suffix in (".pdf", ".pptx")]
        log = self.log("watch")
        with open(log, "wb") as handle:
            proc = subprocess.Popen(self.build([self.watched], out, "--watch"), cwd=ROOT, stdout=handle,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=CHILD_ENV)
        try:
            if not self._wait(lambda: "watching" in log.read_text(errors="replace"), proc, 300):
                scenario.failed = f"no first build: {tail(log, 6)}"
                return
            for i in range(self.args.runs):
                self.say(f"--watch rebuild after a one-word edit, run {i + 1}/{self.args.runs}")
                time.sleep(1.0)  # the watcher is idle again, as between a user's saves
                before = [self._identity(path) for path in outputs]
                text = self.watched.read_text(encoding="utf-8")
                old, new = (EDIT_FROM, EDIT_TO) if EDIT_FROM in text else (EDIT_TO, EDIT_FROM)
                start = time.perf_counter()
                self.watched.write_text(text.replace(old, new), encoding="utf-8")
                if not self._wait(lambda: all(self._identity(p) != b for p, b in zip(outputs, before)), proc, 120,
                                  step=0.002):
                    scenario.failed = f"the outputs were not replaced: {tail(log, 6)}"
                    return
                scenario.samples.append(Sample(time.perf_counter() - start, 0.0, 0))
                # The next edit only once this build is complete: its manifest names the edited file.
                digest = hashlib.sha256(self.watched.read_bytes()).hexdigest()
                self._wait(lambda: digest in (folder / "manifest.json").read_text(errors="replace"), proc, 60)
        finally:
            proc.send_signal(signal.SIGTERM)  # as a service manager stops it (SIGINT may be ignored in a background job)
            try:
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = os.waitstatus_to_exitcode(status)
                for sample in scenario.samples:  # one process for every run: its peak is every run's
                    sample.peak_mib = usage.ru_maxrss / 1024
            except ChildProcessError:
                pass
        if not scenario.failed and f"{self.watched.name}: built" not in log.read_text(errors="replace"):
            scenario.failed = f"expected rebuilds in the output, got: {tail(log, 6)}"

    @staticmethod
    def _identity(path: Path) -> tuple[int, int] | None:
        """A renamed-in file has a new inode (and modification time), so this changes when the file is replaced."""
        try:
            stat = path.stat()
        except OSError:
            return None
        return stat.st_ino, stat.st_mtime_ns

    @staticmethod
    def _wait(done, proc: subprocess.Popen, timeout: float, step: float = 0.05) -> bool:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            try:
                if done():
                    return True
            except OSError:
                pass
            if proc.poll() is not None:
                return False
            time.sleep(step)
        return False

    def run_many(self) -> None:
        n = len(self.many)
        one = self.scenario("jobs1", f"{n} files, --jobs 1 (cold)", files=n)
        two = self.scenario("jobs2", f"{n} files, --jobs 2 (cold)", files=n)
        expect = f"{n} built, 0 up to date, 0 failed"
        for i in range(self.args.runs):  # interleaved for the same reason as the cold builds
            for scenario, jobs in ((one, "1"), (two, "2")):
                if scenario.failed:
                    continue
                self.say(f"{n} files --jobs {jobs}, run {i + 1}/{self.args.runs}")
                out = self.fresh(f"jobs{jobs}")
                log = self.log(f"jobs{jobs}")
                self.record(scenario, measure(self.build(self.many, out, "--jobs", jobs), ROOT, log), log, expect)

    def run_x10(self) -> None:
        scenario = self.scenario("x10", "cold build, 10 x the evidence")
        for i in range(self.args.runs):
            self.say(f"ten times the evidence, run {i + 1}/{self.args.runs}")
            out = self.fresh("x10")
            log = self.log("x10")
            if not self.record(scenario, measure(self.build([self.x10], out), ROOT, log), log, expect="built"):
                return

    def run(self) -> None:
        self.our_charts = 0
        self.setup()
        self.run_cold_and_baseline()
        self.run_unchanged()
        self.run_edit()
        self.run_watch()
        self.run_x10()
        self.run_many()


# ------------------------------------------------------------------------------ reporting
def verdicts(results: dict[str, Scenario]) -> list[dict]:
    """Each target with the measured value, or 'n/a' when a side of its ratio could not be measured."""
    r = results
    base = r.get("baseline")
    rows = []

    def add(name: str, text: str, value: float | None, limit: float, higher_is_better: bool = False) -> None:
        if value is None:
            rows.append({"target": name, "text": text, "value": None, "limit": limit, "verdict": "n/a"})
            return
        ok = value >= limit if higher_is_better else value <= limit
        rows.append({"target": name, "text": text, "value": value, "limit": limit, "verdict": "PASS" if ok else "FAIL"})

    have_base = base is not None and base.ok
    cold_ok = r["cold"].ok
    add("cold", f"cold build <= {TARGETS['cold']} x baseline",
        r["cold"].median() / base.median() if have_base and cold_ok else None, TARGETS["cold"])
    add("unchanged", f"unchanged rebuild <= {TARGETS['unchanged']} x baseline",
        r["unchanged"].median() / base.median() if have_base and r["unchanged"].ok else None, TARGETS["unchanged"])
    add("watch", f"--watch one-word edit <= {TARGETS['watch']} x baseline",
        r["watch"].median() / base.median() if have_base and r["watch"].ok else None, TARGETS["watch"])
    add("jobs", f"--jobs 2 throughput >= {TARGETS['jobs_speedup']} x --jobs 1",
        r["jobs1"].median() / r["jobs2"].median() if r["jobs1"].ok and r["jobs2"].ok else None,
        TARGETS["jobs_speedup"], higher_is_better=True)
    add("x10", f"10 x evidence <= {TARGETS['x10']:g} x the time",
        r["x10"].median() / r["cold"].median() if r["x10"].ok and cold_ok else None, TARGETS["x10"])
    add("peak", f"peak memory of one build <= {TARGETS['peak_mib']:g} MiB",
        r["cold"].peak() if cold_ok else None, TARGETS["peak_mib"])
    return rows


def table(bench: Bench) -> str:
    r = bench.results
    base = r.get("baseline")
    base_s = base.median() if base is not None and base.ok else None
    lines = [f"{'scenario':48s} {'median s':>9s} {'min s':>7s} {'max s':>7s} {'peak MiB':>9s} "
             f"{'x baseline':>10s}  notes"]
    lines.append("-" * len(lines[0]))

    def row(s: Scenario, note: str = "") -> None:
        if not s.ok:
            lines.append(f"{s.label:48s} {'failed':>9s}  {s.failed.splitlines()[0] if s.failed else 'not run'}")
            return
        times = [x.seconds for x in s.samples]
        # Only the scenarios with the baseline's content (the bundled file, once) compare with it.
        same_content = s.name in ("baseline", "cold", "unchanged", "edit", "watch")
        ratio = f"{s.median() / base_s:.2f}" if base_s and same_content else "-"
        lines.append(f"{s.label:48s} {s.median():9.2f} {min(times):7.2f} {max(times):7.2f} {s.peak():9.0f} "
                     f"{ratio:>10s}  {note}")

    if base is not None:
        if base.ok:
            row(base, f"{bench.base_charts} charts; n={len(base.samples)}")
            for step, label in (("charts", "  python charts.py (Matplotlib)"), ("pptx", "  pandoc in.md -o out.pptx"),
                                ("typst", "  pandoc in.md -t typst"), ("pdf", "  typst.compile -> PDF")):
                lines.append(f"{label:48s} {base.step_median(step):9.2f}")
        else:
            row(base)
    cold = r["cold"]
    row(cold, f"{bench.our_charts} charts; n={len(cold.samples)}")
    for key, note in (("unchanged", ""), ("edit", "; a new process, no target"), ("watch", "; charts reused")):
        row(r[key], f"n={len(r[key].samples)}{note}")
    x10 = r["x10"]
    row(x10, f"{x10.median() / cold.median():.2f} x the bundled cold build" if x10.ok and cold.ok else "")
    for key in ("jobs1", "jobs2"):
        s = r[key]
        row(s, f"{s.files / s.median():.2f} files/s" if s.ok else "")
    if r["jobs1"].ok and r["jobs2"].ok:
        lines.append(f"{'  ratio jobs2/jobs1 throughput':48s} {r['jobs1'].median() / r['jobs2'].median():9.2f}")
    lines.append("")
    lines.append("targets (ratios from this run; PASS/FAIL):")
    for v in verdicts(r):
        value = "-" if v["value"] is None else f"{v['value']:.2f}"
        lines.append(f"  {v['verdict']:4s}  {v['text']:44s} measured {value}")
    if base is not None and base.ok and cold.ok and bench.our_charts != bench.base_charts:
        lines.append(f"note: build-report drew {bench.our_charts} charts, the baseline {bench.base_charts}; "
                     "align benchmarks/baseline/make_inputs.py chart_specs() with report_builder/charts")
    return "\n".join(lines)


def code_digest() -> str:
    """A hash of report_builder's code and the templates: did the measured code change during the run?"""
    import hashlib

    digest = hashlib.sha256()
    for folder in (ROOT / "report_builder", ROOT / "templates"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def environment() -> dict:
    def version(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "unknown"

    pandoc = pandoc_binary()
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "commit": version(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "pandoc": version([pandoc, "--version"]) if pandoc else "missing",
        "typst": version([PYTHON, "-c", "import importlib.metadata as m; print(m.version('typst'))"]),
        "command": " ".join(build_report_command()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None, help="runs per scenario (default 5; --quick: 2)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 runs, 8 files")
    parser.add_argument("--files", type=int, default=None, help="files of the --jobs scenario (default 50; --quick: 8)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also save the results as JSON here")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false",
                        help="skip the pandoc/Typst baseline (its ratios become n/a)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary workspace (outputs and logs)")
    args = parser.parse_args(argv)
    args.runs = args.runs or (2 if args.quick else 5)
    args.files = args.files or (8 if args.quick else 50)
    if args.runs < 5 and not args.quick:
        print("note: fewer than 5 runs; the targets ask for the median of at least 5", file=sys.stderr)
    if args.baseline:
        missing = missing_baseline_tools()
        if missing:
            print(f"The baseline needs {', '.join(missing)}. Install them into this venv:\n"
                  f"    {PYTHON} -m pip install -r {BENCH / 'requirements.txt'}\n"
                  "or run with --no-baseline.", file=sys.stderr)
            return 2

    bench = Bench(args)
    started = time.perf_counter()
    env = environment()  # before the runs: the commit and code that were measured
    env["code"] = code_digest()
    load_before = os.getloadavg()
    if load_before[0] > 0.5:
        print(f"note: load average {load_before[0]:.1f} before starting; other work on this machine "
              "slows both sides and makes the --jobs ratio unreliable", file=sys.stderr)
    try:
        bench.run()
        env["code_changed_during_run"] = code_digest() != env["code"]
        env["loadavg_before"] = round(load_before[0], 2)
        env["loadavg_after"] = round(os.getloadavg()[0], 2)
        if env["code_changed_during_run"]:
            print("WARNING: report_builder's code or templates changed during the benchmark; the runs mix versions",
                  file=sys.stderr)
        changed = ", CHANGED during the run" if env["code_changed_during_run"] else ""
        print(f"build-report benchmark: {env['commit']} (code {env['code']}{changed}), Python {env['python']}, "
              f"{env['cpus']} CPUs, {env['platform']}; {env['pandoc']}, typst (PyPI) {env['typst']}")
        print(f"median of {args.runs} runs{' (--quick)' if args.quick else ''}; wall time of whole processes; "
              "peak = largest ru_maxrss over the runs; "
              f"1-min load average {env['loadavg_before']} before, {env['loadavg_after']} after")
        print(table(bench))
        print(f"(benchmark took {time.perf_counter() - started:.0f} s)")
        if args.json:
            args.json.write_text(json.dumps({
                "environment": env,
                "runs": args.runs,
                "quick": args.quick,
                "targets": verdicts(bench.results),
                "baseline_charts": getattr(bench, "base_charts", None),
                "our_charts": bench.our_charts,
                "scenarios": {k: asdict(v) | ({"median": v.median(), "peak_mib": v.peak()} if v.ok else {})
                              for k, v in bench.results.items()},
            }, indent=2) + "\n", encoding="utf-8")
    finally:
        if args.keep:
            print(f"workspace kept: {bench.ws}", file=sys.stderr)
        else:
            shutil.rmtree(bench.ws, ignore_errors=True)
    return 0 if all(v["verdict"] == "PASS" for v in verdicts(bench.results)) else 1


if __name__ == "__main__":
    raise SystemExit(main())
