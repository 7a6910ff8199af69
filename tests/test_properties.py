"""Property-based tests: a mutated file fails with a located user error, never a crash; valid files always build.

The default profile keeps the suite short; HYPOTHESIS_PROFILE=long runs for about two minutes.
"""
from __future__ import annotations

import copy
import datetime as dt
import os
import re
import tempfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from report_builder.errors import ReportBuilderError

from conftest import EXAMPLE

settings.register_profile("default", max_examples=25, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("long", max_examples=450, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
#: Full builds take seconds each; they get a fifth of the examples, at least three.
#: Shrinking repeats whole builds for many minutes; an unshrunk failure is still readable here.
BUILD_PROFILE = settings(PROFILE, max_examples=max(3, PROFILE.max_examples // 25),
                         phases=[Phase.explicit, Phase.reuse, Phase.generate])

BUNDLED_TEXT = EXAMPLE.read_text(encoding="utf-8")
BUNDLED = yaml.safe_load(BUNDLED_TEXT)


def load_or_user_error(path: Path) -> Any:
    """The only acceptable outcomes: a report, or a ReportBuilderError that names the file."""
    from report_builder.analysis.report import load_report

    try:
        return load_report(path)
    except ReportBuilderError as exc:
        text = str(exc)
        assert str(path) in text, text
        for problem in exc.problems:
            assert Path(problem.file) == path, problem
            assert problem.line is None or problem.line >= 1
        return None


# ------------------------------------------------------------------------------------------ (a) mutations
def paths_in(value: Any, path: tuple = ()) -> list[tuple]:
    """Every path into the plain YAML data, to mappings, lists and scalars alike."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths_in(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths_in(item, path + (index,))
    return found


PATHS = paths_in(BUNDLED)[1:]


def get(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


def put(data: Any, path: tuple, value: Any) -> None:
    get(data, path[:-1])[path[-1]] = value


TEXT_PATHS = [p for p in PATHS if isinstance(get(BUNDLED, p), str)]
NUMBER_PATHS = [p for p in PATHS if isinstance(get(BUNDLED, p), (int, float)) and not isinstance(get(BUNDLED, p), bool)]
KEY_PATHS = [p for p in PATHS if isinstance(p[-1], str)]
LIST_ITEM_PATHS = [p for p in PATHS if isinstance(p[-1], int)]

NASTY = [
    "\x00", "\x07", "\x0b", "\x1b[31m", "\x7f", "\ufeff", "\u2028", "\u202e", "<b>", "</para>", "<font size=80>",
    "&", "&amp;", "&#0;", "{{ 7*7 }}", "{% for x in y %}", "{#", "**", "*", "^", "~", "[@", "]", "mg/m2", "%s",
    "{0}", "$\\frac{1}{0}$", "$", "\\", "\n", "\t", "🧪", "x" * 500, " ",
]

scalars = st.one_of(
    st.integers(min_value=-10**6, max_value=10**6),
    st.integers(min_value=-10**30, max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(places=3, allow_nan=False, allow_infinity=False).map(float),
    st.text(max_size=30),
    st.sampled_from(NASTY),
    st.booleans(),
    st.none(),
    st.dates(min_value=dt.date(1, 1, 1)),
    st.lists(st.integers(min_value=-5, max_value=500), max_size=3),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=2),
)


@st.composite
def mutation(draw, data: Any) -> str:
    """Change data in place in one of the ways a hurried author might, and say how (for the failure report).

    An earlier mutation may have removed or retyped what a path leads to: then this one does nothing.
    """
    kind = draw(st.sampled_from(["delete", "replace", "duplicate", "swap", "insert", "nudge"]))
    try:
        if kind == "delete":
            path = draw(st.sampled_from(KEY_PATHS))
            del get(data, path[:-1])[path[-1]]
        elif kind == "replace":
            path = draw(st.sampled_from(PATHS))
            put(data, path, draw(scalars))
        elif kind == "duplicate":
            path = draw(st.sampled_from(LIST_ITEM_PATHS))
            items = get(data, path[:-1])
            items.insert(path[-1], copy.deepcopy(items[path[-1]]))
        elif kind == "swap":
            path = (draw(st.sampled_from(PATHS)), draw(st.sampled_from(PATHS)))
            a, b = copy.deepcopy(get(data, path[0])), copy.deepcopy(get(data, path[1]))
            put(data, path[0], b)
            put(data, path[1], a)
        elif kind == "insert":
            path = draw(st.sampled_from(TEXT_PATHS))
            snippet = draw(st.one_of(st.sampled_from(NASTY), st.text(min_size=1, max_size=10)))
            text = get(data, path)
            at = draw(st.integers(min_value=0, max_value=len(text)))
            put(data, path, text[:at] + snippet + text[at:])
        else:
            path = draw(st.sampled_from(NUMBER_PATHS))
            value = get(data, path)
            change = draw(st.sampled_from([lambda v: v + 1, lambda v: v - 1, lambda v: -v, lambda v: 0,
                                           lambda v: v * 10, lambda v: v / 3, lambda v: v + 0.05]))
            put(data, path, change(value))
    except (KeyError, IndexError, TypeError, AttributeError):
        return f"{kind}: nothing to change any more"
    return f"{kind} at {path}"


@PROFILE
@given(st.data())
def test_mutated_bundled_file_loads_or_fails_with_a_located_user_error(data):
    evidence = copy.deepcopy(BUNDLED)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        note(data.draw(mutation(evidence)))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mutated.yaml"
        path.write_text(yaml.safe_dump(evidence, allow_unicode=True, sort_keys=False), encoding="utf-8")
        load_or_user_error(path)


TEXT_SNIPPETS = NASTY + [": ", "- ", "? ", "&anchor ", "*anchor", "!!python/object/apply:os.system ['true']",
                         "!!binary", "---\n", "...\n", "\"", "'", "[", "{", "#", "|\n", ">\n", "  ", "\r", "0x1F",
                         "010", "1:30", ".nan", ".inf", "~", "null", "yes", "2026-02-30", "\xe9"]


@PROFILE
@given(st.data())
def test_text_edits_of_the_bundled_file_load_or_fail_with_a_located_user_error(data):
    text = BUNDLED_TEXT
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        at = data.draw(st.integers(min_value=0, max_value=len(text)))
        kind = data.draw(st.sampled_from(["insert", "delete", "duplicate-line"]))
        if kind == "insert":
            snippet = data.draw(st.one_of(st.sampled_from(TEXT_SNIPPETS), st.text(max_size=8)))
            text = text[:at] + snippet + text[at:]
        elif kind == "delete":
            length = data.draw(st.integers(min_value=1, max_value=40))
            text = text[:at] + text[at + length:]
        else:
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at)
            end = len(text) if end < 0 else end + 1
            text = text[:end] + text[start:end] + text[end:]
        note(f"{kind} at {at}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "edited.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        load_or_user_error(path)


# ------------------------------------------------------------------------------------------ (b) valid files build
CITE = re.compile(r"\[@")
def _visible(text: str) -> bool:
    import unicodedata

    return any(not c.isspace() and unicodedata.category(c) not in ("Cc", "Cf", "Zs") for c in text)


plain_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60,
).filter(lambda s: s.strip() and not CITE.search(s)).filter(_visible)  # names of invisible characters alone are refused
texts = st.one_of(plain_text, st.sampled_from([s for s in NASTY if s.strip() and not CITE.search(s) and _visible(s)]),
                  st.lists(st.sampled_from(NASTY + ["word", "Drug X", "mg/m2", "≥3", "µg"]), min_size=1, max_size=8)
                  .map("".join).filter(lambda s: s.strip() and not CITE.search(s)).filter(_visible))
ids = st.from_regex(r"\A[a-z][a-z0-9_]{0,6}\Z")


def percent_of(events: int, total: int) -> float:
    """The percentage as a paper prints it, to one decimal, rounded half up."""
    return float((Decimal(100 * events) / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@st.composite
def binary_result(draw, n: int) -> dict:
    total = draw(st.integers(min_value=1, max_value=n))
    events = draw(st.integers(min_value=0, max_value=total))
    result: dict[str, Any] = {"events": events, "total": total}
    if draw(st.booleans()):
        result["percent"] = percent_of(events, total)
    if draw(st.booleans()):
        result["note"] = draw(texts)
    return result


@st.composite
def tte_result(draw) -> dict:
    choice = draw(st.sampled_from(["median", "ci", "not_reached", "landmark"]))
    if choice == "not_reached":
        return {"median_not_reached": True}
    if choice == "landmark":
        return {"landmarks": [{"time": draw(st.integers(min_value=1, max_value=60)),
                               "percent": draw(st.integers(min_value=0, max_value=1000)) / 10}]}
    median = draw(st.integers(min_value=1, max_value=1000))
    result: dict[str, Any] = {"median": median / 10}
    if choice == "ci":
        low = draw(st.integers(min_value=0, max_value=median))
        high = draw(st.integers(min_value=median, max_value=2000))
        result["ci"] = [low / 10, high / 10]
    return result


@st.composite
def study(draw, index: int, refs: list[str]) -> dict:
    randomized = draw(st.booleans())
    arm_ids = draw(st.lists(ids.filter(lambda s: s != "all"), min_size=2, max_size=2, unique=True))
    sizes = [draw(st.integers(min_value=1, max_value=400)) for _ in range(2)]
    if randomized:
        arms = [{"id": arm_ids[0], "name": draw(texts), "short_name": draw(texts), "role": "intervention",
                 "n": sizes[0]},
                {"id": arm_ids[1], "name": draw(texts), "short_name": draw(texts), "role": "control", "n": sizes[1]}]
    else:
        arms = [{"id": arm_ids[0], "name": draw(texts), "short_name": draw(texts), "role": "single", "n": sizes[0]}]
    enrolled = sum(a["n"] for a in arms)
    keys = [a["id"] for a in arms] + ([] if randomized else ["all"])
    outcome_ids = draw(st.lists(ids, min_size=0, max_size=4, unique=True))
    outcomes = []
    for k, outcome_id in enumerate(outcome_ids):
        base = {"id": outcome_id, "name": draw(texts), "source": draw(st.sampled_from(refs))}
        if draw(st.booleans()):
            base["p"] = draw(st.sampled_from(["<0.001", 0.04, 0.5, "0.0208"]))
        if k % 2 == 0:
            chosen = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=len(keys), unique=True))
            sizes_by_key = {a["id"]: a["n"] for a in arms} | {"all": enrolled}
            outcomes.append(base | {"kind": "binary", "favourable": draw(st.sampled_from(["higher", "lower"])),
                                    "arms": {key: draw(binary_result(sizes_by_key[key])) for key in chosen}})
        else:
            chosen = draw(st.lists(st.sampled_from([a["id"] for a in arms]), min_size=1, max_size=len(arms),
                                   unique=True))
            outcome = base | {"kind": "time_to_event", "unit": draw(st.sampled_from(["days", "weeks", "months",
                                                                                     "years"])),
                              "arms": {key: draw(tte_result()) for key in chosen}}
            if randomized and draw(st.booleans()):
                estimate = draw(st.integers(min_value=10, max_value=500))
                low = draw(st.integers(min_value=max(1, estimate // 2), max_value=estimate))
                high = draw(st.integers(min_value=estimate, max_value=estimate * 2))
                outcome["hazard_ratio"] = {"estimate": estimate / 100, "ci": [low / 100, high / 100],
                                           "ci_level": draw(st.sampled_from([95, 97.5]))}
            outcomes.append(outcome)
    events = []
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        chosen = draw(st.lists(st.sampled_from([a["id"] for a in arms]), min_size=1, max_size=len(arms), unique=True))
        events.append({"term": draw(texts), "grade": draw(st.sampled_from(["any", "1-2", "3-4", ">=3", "5"])),
                       "source": draw(st.sampled_from(refs)),
                       "arms": {key: draw(binary_result(next(a["n"] for a in arms if a["id"] == key)))
                                for key in chosen}})
    result = {
        "id": f"s{index}", "name": draw(texts), "short_name": draw(texts), "design": draw(texts), "phase": "2",
        "randomized": randomized, "population": draw(texts), "enrolled": enrolled,
        "sources": [draw(st.sampled_from(refs))], "arms": arms, "outcomes": outcomes, "adverse_events": events,
        "key_points": draw(st.lists(texts, max_size=3)), "limitations": draw(st.lists(texts, max_size=2)),
    }
    if draw(st.booleans()):
        result["flow"] = [{"stage": draw(texts), "source": refs[0],
                           "counts": {a["id"]: draw(st.integers(min_value=0, max_value=a["n"])) for a in arms}}]
    return result


@st.composite
def evidence(draw) -> dict:
    refs = [f"ref{i}" for i in range(draw(st.integers(min_value=1, max_value=4)))]
    studies = [draw(study(i, refs)) for i in range(draw(st.integers(min_value=1, max_value=3)))]
    doc: dict[str, Any] = {
        "format_version": 1,
        "meta": {"title": draw(texts), "date": draw(st.dates(min_value=dt.date(1990, 1, 1),
                                                             max_value=dt.date(2100, 1, 1))), "version": "1"},
        "drug": {"name": draw(texts), "abbreviation": draw(texts)},
        "question": {"population": draw(texts), "intervention": draw(texts), "comparison": draw(texts),
                     "outcomes": draw(st.lists(texts, min_size=1, max_size=3))},
        "background": [draw(texts) + " [@" + "; @".join(refs) + "]"],
        "studies": studies,
        "bottom_line": draw(st.lists(texts, min_size=1, max_size=3)),
        "teaching_points": draw(st.lists(texts, max_size=3)),
        "discussion_questions": draw(st.lists(texts, max_size=2)),
        "abbreviations": draw(st.dictionaries(texts, texts, max_size=3)),
        "references": [{"id": ref, "authors": [draw(texts)], "title": draw(texts), "year": 2020} for ref in refs],
    }
    if draw(st.booleans()):
        dates = sorted(draw(st.lists(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 1, 1)),
                                     min_size=1, max_size=4)))
        doc["regulatory"] = [{"date": d, "region": draw(texts), "event": draw(texts), "source": refs[0]} for d in dates]
    if draw(st.booleans()):
        doses = [{"day": day, "dose": draw(st.integers(min_value=1, max_value=20)) / 10, "unit": "mg/m2"}
                 for day in sorted(draw(st.lists(st.integers(min_value=1, max_value=28), min_size=1, max_size=3,
                                                 unique=True)))]
        total = sum(Decimal(str(d["dose"])) for d in doses)
        doc["dosing"] = {"source": refs[0], "schedules": [{"name": draw(texts), "cycle_length": "28 days",
                                                           "doses": doses, "total_per_cycle": float(total)}]}
    if draw(st.booleans()):
        options = draw(st.lists(texts, min_size=2, max_size=4))
        doc["quiz"] = [{"question": draw(texts), "options": options,
                        "answer": draw(st.integers(min_value=1, max_value=len(options))), "explanation": draw(texts)}]
    if draw(st.booleans()):
        doc["boxed_warning"] = {"title": draw(texts), "points": draw(st.lists(texts, min_size=1, max_size=3)),
                                "source": refs[0]}
    return doc


@pytest.fixture(scope="module")
def default_template():
    from report_builder.theme.template import load_template

    return load_template("default")


@BUILD_PROFILE
@given(doc=evidence())
def test_every_evidence_file_the_schema_accepts_builds(doc, default_template):
    from pptx import Presentation

    from report_builder.builders import get_builders
    from report_builder.charts.draw import draw_charts
    from report_builder.analysis.report import load_report

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "generated.yaml"
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
        try:
            report = load_report(path)
        except ReportBuilderError as exc:  # the generator's promise is a valid file: a failure here is a bug
            pytest.fail(f"generated evidence was refused:\n{exc}")
        charts = draw_charts(report, default_template)
        outputs = {builder.extension: builder.build(report, charts, default_template) for builder in get_builders()}
    assert outputs[".pdf"].startswith(b"%PDF-")
    import io

    assert len(Presentation(io.BytesIO(outputs[".pptx"])).slides) > 3


def test_medians_not_reached_in_every_arm_draws_its_chart(tmp_path, default_template):
    """Found by the property above: no numeric median in any arm once crashed the time-to-event chart."""
    from report_builder.charts.draw import draw_charts
    from report_builder.analysis.report import load_report

    base = (Path(__file__).parent / "corpus" / "base.yaml").read_text(encoding="utf-8")
    path = tmp_path / "not-reached.yaml"
    path.write_text(base.replace("dx: {median: 9.5, ci: [7.1, 11.0]}", "dx: {median_not_reached: true}")
                        .replace("chemo: {median: 6.0, ci: [4.8, 7.7]}", "chemo: {median_not_reached: true}"))
    draw_charts(load_report(path), default_template)
