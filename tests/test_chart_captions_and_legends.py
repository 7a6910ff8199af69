"""Charts say only what they show: captions and axis titles name what is drawn, every timeline mark is in its
legend with the same marker, and text drawn in an arm's colour reads at 4.5:1 while its marks keep the colour."""
from __future__ import annotations

import json
import re
import textwrap

import pytest

from report_builder.charts import PRINT

from conftest import EXAMPLE, SMALL_EXAMPLE

WHITE = "#FFFFFF"


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two "#RRGGBB" colours, worked out here rather than taken from the code under test."""
    def luminance(colour: str) -> float:
        r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def plans(evidence, template_name: str = "default") -> dict:
    """Every chart plan of a file (no drawing), by chart id."""
    from report_builder.analysis.report import load_report
    from report_builder.charts.draw import plan_charts
    from report_builder.theme.template import load_template

    return {p.id: p for p in plan_charts(load_report(evidence), load_template(template_name), PRINT)}


def recorded(plan) -> list[list]:
    """The drawing operations the PDF replays (charts.record)."""
    from report_builder.charts.draw import render

    forms, _ = render(plan)
    return json.loads(forms["ops"])["ops"]


def hex_colour(rgba: list[float]) -> str:
    return "#" + "".join(f"{round(c * 255):02X}" for c in rgba[:3])


def evidence_file(write_evidence, studies: str) -> object:
    """A small evidence file around the given `studies:` entries (indented as list items)."""
    return write_evidence(textwrap.dedent("""\
        format_version: 1
        meta: {title: Caption test, date: 2026-01-01, version: "0.1"}
        drug: {name: Examplumab, abbreviation: EXM}
        question:
          population: Adults with a test disease
          intervention: Examplumab
          comparison: Placebo
          outcomes: [Overall survival]
        background: ["A synthetic evidence file [@ref1]."]
        studies:
        """) + textwrap.indent(textwrap.dedent(studies), "  ") + textwrap.dedent("""\
        bottom_line: ["Synthetic."]
        references:
          - {id: ref1, authors: [Doe J], title: A synthetic trial, journal: Test J, year: 2020}
        """))


SINGLE_ARM = """\
- id: {id}
  name: {id} study
  short_name: {id}
  design: Single-arm phase 2 trial
  phase: "2"
  randomized: false
  population: Adults
  enrolled: 40
  sources: [ref1]
  arms:
    - {{id: exm, name: Examplumab, short_name: EXM, role: single, n: 40}}
  outcomes:
{outcomes}"""


# ------------------------------------------------------------------------------------------- 1. captions
@pytest.fixture(scope="module")
def example_plans():
    return {name: plans(EXAMPLE, name) for name in ("default", "northbridge")}


@pytest.mark.parametrize("template_name", ["default", "northbridge"])
def test_a_chart_of_medians_without_intervals_claims_neither_landmarks_nor_intervals(example_plans, template_name):
    """Single vs weekly (2013): dots only, every row 'CI not in this summary' (its caption once promised landmark
    survival and confidence intervals, and its axis '(CI as reported)')."""
    plan = example_plans[template_name]["time-to-event-weekly_2013"]
    assert plan.data["landmarks"] == [] and not any(r["low"] for g in plan.data["medians"] for r in g["rows"])
    assert plan.caption.startswith("Medians per arm as reported; their confidence intervals are not in this summary.")
    assert "landmark" not in plan.caption.lower() and "with their confidence intervals" not in plan.caption
    assert [p.xlabel for p in plan.draw["panels"]] == ["Median, months"]
    assert "landmark" not in plan.alt_text.lower() and "CI" not in plan.alt_text


@pytest.mark.parametrize("template_name", ["default", "northbridge"])
def test_a_chart_of_medians_with_intervals_names_its_intervals_and_no_landmarks(example_plans, template_name):
    """Study 1010: medians with their reported CIs and no landmark."""
    plan = example_plans[template_name]["time-to-event-study1010"]
    assert plan.caption.startswith("Medians per arm as reported, with their confidence intervals. Sources:")
    assert "landmark" not in plan.caption.lower()
    assert [p.xlabel for p in plan.draw["panels"]] == ["Median, months (CI as reported)"]


def test_a_chart_with_landmarks_and_some_intervals_says_so(example_plans):
    """INO-VATE: medians and landmarks; the final-report SoC median has no interval in this summary."""
    plan = example_plans["default"]["time-to-event-inovate"]
    assert plan.caption.startswith("Medians and landmark survival per arm as reported, with their confidence "
                                   "intervals where this summary has them.")
    assert "where the source gives them" not in plan.caption  # a CI missing here is not one the source lacks
    assert [p.xlabel for p in plan.draw["panels"]] == ["Median, months (CI as reported)",
                                                       "Patients event-free at the landmark, % (CI as reported)"]


def test_the_handout_captions_say_only_what_their_figures_show(example_build):
    """The PDF's figure captions come from the same wording (builders/pdf: chart/caption)."""
    from pypdf import PdfReader

    pdf = example_build() / f"{EXAMPLE.stem}.pdf"
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(pdf).pages))
    weekly = re.search(r"Single-dose and weekly schedules: time-to-event outcomes\. (.{0,120})", text).group(1)
    assert weekly.startswith("Medians per arm as reported; their confidence intervals are not in this summary.")
    study1010 = re.search(r"Study 1010, phase 1/2: time-to-event outcomes\. (.{0,80})", text).group(1)
    assert study1010.startswith("Medians per arm as reported, with their confidence intervals.")


def test_a_chart_of_landmarks_alone_names_no_median(write_evidence):
    outcomes = """\
    - id: os
      kind: time_to_event
      name: Overall survival
      source: ref1
      unit: months
      arms:
        exm: {landmarks: [{time: 6, percent: 80.2, label: 6-month OS}, {time: 12, percent: 61.5, label: 1-year OS},
                          {time: 18, percent: 50.4, label: 18-month OS}, {time: 24, percent: 41.0, label: 2-year OS}]}
"""
    # Four points: a chart of three or fewer without an interval is left to the table (not drawn at all).
    path = evidence_file(write_evidence, SINGLE_ARM.format(id="one", outcomes=textwrap.indent(outcomes, "  ")))
    plan = plans(path)["time-to-event-one"]
    assert plan.caption.startswith("Landmark survival per arm as reported; their confidence intervals are not "
                                   "in this summary.")
    assert [p.xlabel for p in plan.draw["panels"]] == ["Patients event-free at the landmark, %"]


def test_a_survival_curve_without_numbers_at_risk_does_not_promise_them(write_evidence):
    outcomes = """\
    - id: os
      kind: time_to_event
      name: Overall survival
      source: ref1
      unit: months
      arms:
        exm: {curve: [{time: 0, percent: 100}, {time: 12, percent: 60}]}
"""
    path = evidence_file(write_evidence, SINGLE_ARM.format(id="one", outcomes=textwrap.indent(outcomes, "  ")))
    caption = plans(path)["km-one-os"].caption
    assert caption.startswith("Step curve drawn through the digitised points in the evidence file. Source:")
    assert "at risk" not in caption


def test_a_response_chart_of_reported_percentages_only_claims_no_exact_interval(write_evidence):
    outcome = """\
    - id: orr
      kind: binary
      name: Overall response
      source: ref1
      primary: true
      arms:
        exm: {{percent: {percent}}}
"""
    studies = "".join(SINGLE_ARM.format(id=name, outcomes=textwrap.indent(outcome.format(percent=p), "  "))
                      for name, p in (("first", 40), ("second", 55)))
    plan = plans(evidence_file(write_evidence, studies))["response-rates"]
    assert plan.draw["panels"][0].xlabel == "Patients responding, %"
    assert "exact" not in plan.caption and "drawn without an interval" in plan.caption


def test_a_response_chart_with_counts_names_its_exact_intervals(example_plans):
    assert example_plans["default"]["response-rates"].draw["panels"][0].xlabel == "Patients responding, % (exact 95% CI)"


# ------------------------------------------------------------------------------------------- 2. timeline legend
def marks(ops: list[list], colours: set[str]) -> list[dict]:
    """The timeline's marks in the recording: filled or open diamonds and circles, and the bars across a month or
    year, in the two colours of its items, each with where it is (x, y) and how wide (points)."""
    found = []
    for op in ops:
        if op[0] != "path":
            continue
        _, segments, fill, stroke, _ = op
        colour = hex_colour(stroke) if stroke else None
        if colour not in colours:
            continue
        xs = [v for i, v in enumerate(segments) if isinstance(v, float) and _is_x(segments, i)]
        ys = [v for i, v in enumerate(segments) if isinstance(v, float) and not _is_x(segments, i)]
        if fill is None:  # a line: the bar across a month or year
            found.append({"shape": "bar", "open": False, "colour": colour, "x": min(xs), "y": ys[0],
                          "width": max(xs) - min(xs)})
        else:
            found.append({"shape": "circle" if "C" in segments else "diamond", "open": hex_colour(fill) == WHITE,
                          "colour": colour, "x": (min(xs) + max(xs)) / 2, "y": (min(ys) + max(ys)) / 2,
                          "width": max(xs) - min(xs)})
    return found


def _is_x(segments: list, index: int) -> bool:
    """Whether segments[index] is an x coordinate: numbers after each command letter alternate x, y."""
    start = max(i for i in range(index) if isinstance(segments[i], str))
    return (index - start) % 2 == 1


def timeline_marks(plan) -> tuple[list[dict], list[dict], list[list]]:
    """(marks in the plot, marks in the legend, the recording): the legend lies under the year axis."""
    ops = recorded(plan)
    look = plan.look
    axis_y = min(op[2] for op in ops if op[0] == "text" and re.fullmatch(r"\d{4}", op[7]))
    found = marks(ops, {look.primary.upper(), look.secondary.upper()})
    return [m for m in found if m["y"] > axis_y], [m for m in found if m["y"] < axis_y], ops


def kinds(found: list[dict]) -> set[tuple]:
    return {(m["shape"], m["open"], m["colour"]) for m in found}


@pytest.mark.parametrize("template_name", ["default", "northbridge"])
@pytest.mark.parametrize("evidence", [SMALL_EXAMPLE, EXAMPLE], ids=["zuma3", "inotuzumab"])
def test_every_mark_on_the_timeline_is_in_its_legend_drawn_the_same(evidence, template_name):
    """ZUMA-3's day-dated publications were circles that the legend ("◆ regulatory event", "▬ publication") never
    showed; the legend now draws a sample of each kind of mark drawn, and of no other."""
    plot, legend, _ = timeline_marks(plans(evidence, template_name)["timeline"])
    assert plot and kinds(plot) == kinds(legend)

    def sizes(found: list[dict]) -> set[tuple]:
        return {(m["shape"], m["open"], round(m["width"], 1)) for m in found if m["shape"] != "bar"}

    assert sizes(plot) == sizes(legend)  # the same size too: one drawing serves both


def test_the_zuma3_timeline_legend_names_each_kind_of_mark():
    plan = plans(SMALL_EXAMPLE)["timeline"]
    assert [(k["kind"], k["exact"], k["label"]) for k in plan.draw["legend"]] == [
        ("regulatory", True, "regulatory event"), ("regulatory", False, "regulatory event known to the month"),
        ("publication", True, "publication"), ("publication", False, "publication known to the year")]
    texts = [op[7] for op in recorded(plan) if op[0] == "text"]
    assert "regulatory event known to the month" in texts and "▬ publication" not in texts
    assert any(t.startswith("An open mark stands for a date known only to its month or year") for t in texts)


def test_a_regulatory_event_known_to_the_month_is_a_diamond_as_large_as_the_others():
    """ZUMA-3's EU marketing authorisation (Sep 2022) was a bar one month long: a speck, not a diamond."""
    plan = plans(SMALL_EXAMPLE)["timeline"]
    events = plan.data["events"]
    assert [e["precision"] for e in events].count("month") == 1
    plot, _, ops = timeline_marks(plan)
    diamonds = [m for m in plot if m["shape"] == "diamond"]
    assert len(diamonds) == len(events) == 5
    assert [m for m in diamonds if m["open"]] and all(m["colour"] == plan.look.primary.upper() for m in diamonds)
    # Each on its own row, the one dated as its event is; as large as a day's diamond.
    rows = {op[7]: op[2] for op in ops if op[0] == "text"}
    drawn = {e["when"]: min(diamonds, key=lambda m: abs(m["y"] - rows[e["when"]])) for e in events}
    assert len({id(m) for m in drawn.values()}) == len(events)
    month = drawn["Sep 2022"]
    assert month["open"] and not any(m["open"] for when, m in drawn.items() if when != "Sep 2022")
    assert month["width"] >= max(m["width"] for m in drawn.values() if not m["open"])
    # Within September 2022 on the year axis (mapped through two day-dated diamonds).
    (year_a, x_a), (year_b, x_b) = [(e["x"], drawn[e["when"]]["x"]) for e in events if e["precision"] == "day"][:2]
    per_year = (x_b - x_a) / (year_b - year_a)
    september = next(e for e in events if e["when"] == "Sep 2022")
    assert x_a + (september["x"] - year_a) * per_year < month["x"] < x_a + (september["x_end"] - year_a) * per_year


# ------------------------------------------------------------------------------------------- 3. contrast
def test_a_text_colour_too_light_for_text_becomes_a_darker_shade_of_it():
    from report_builder.charts.style import Look

    look = Look(palette=(), colors={}, fonts={}, medium=PRINT)
    orange = "#E69F00"  # Okabe-Ito orange: 2.2:1 on white
    assert contrast(orange, WHITE) < 3
    shade = look.label_colour(orange)
    assert contrast(shade, WHITE) >= 4.5 and shade not in ("#000000", orange)
    red, green, blue = (int(shade[i:i + 2], 16) for i in (1, 3, 5))
    assert red > green > blue  # still an orange, only darker
    assert look.label_colour("#0072B2") == "#0072B2"  # dark enough already: kept


ARM_TEXT_CHARTS = ("response-rates", "time-to-event-inovate", "time-to-event-weekly_2013", "time-to-event-study1010",
                   "flow-inovate", "timeline")


@pytest.mark.parametrize("template_name", ["default", "northbridge"])
def test_every_chart_text_reads_at_4_5_to_1_and_arm_marks_keep_the_palette_colour(example_plans, template_name):
    """The Weekly arm's label was Okabe-Ito orange on white (2.2:1) in the response and time-to-event charts."""
    found = example_plans[template_name]
    weekly = next(r["colour"] for g in found["response-rates"].data["groups"] for r in g["rows"]
                  if r["label"] == "Weekly")
    for chart_id in ARM_TEXT_CHARTS:
        ops = recorded(found[chart_id])
        low = {(op[7], hex_colour(op[6])) for op in ops if op[0] == "text" and contrast(hex_colour(op[6]), WHITE) < 4.5}
        assert not low, (chart_id, low)
        if chart_id in ("response-rates", "time-to-event-weekly_2013"):
            drawn = {hex_colour(c) for op in ops if op[0] == "path" for c in (op[2], op[3]) if c}
            assert weekly.upper() in drawn  # the mark itself keeps the arm's colour
