"""The deck's evidence slides: the pivotal trial, the supporting studies, the forest plot and safety."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from report_builder.analysis import formatting
from report_builder.analysis.arms import arm_keys, comparator_ids, ordered_arms
from report_builder.analysis.cohorts import repeats, same_patients, shown_once
from report_builder.analysis.report import all_in_base_key
from report_builder.builders.pptx.numbers import Column, Figure, FigureRow, figure_grid
from report_builder.builders.pptx.results import (
    ArmText, ResultRow, adverse_finding, adverse_rows, arm_colour, arm_label, bar_label, binary_arm, binary_finding,
    chart_rows, event_name, median_text, outcome_rows, p_phrase, survival_finding,
)
from report_builder.builders.pptx.shapes import Cell, Series, add_bar_chart, add_picture, add_text
from report_builder.builders.pptx.text import (
    EMU_PER_INCH, EMU_PER_PT, INSET_X_PT, INSET_Y_PT, Box, Para, fit_size, labelled, paginate, para, plain_spans,
)
from report_builder.inputs.evidence_schema import POOLED, BinaryOutcome, Study, TimeToEventOutcome

if TYPE_CHECKING:
    from report_builder.builders.pptx.deck import Deck, SlideHandle

AE_PER_CHART = 6  #: rows of a native adverse-event chart; the rest are in the notes and the handout
GRID_ROWS = 6  #: outcomes on a big-number slide at most ("about six rows"): the rest go to the notes
CAPTION_PT = 16.0  #: captions are secondary text: never below 14 pt


def pivotal_study(deck: "Deck") -> Study | None:
    """The trial the deck is built around: the first randomized study with a comparison, else the first study."""
    studies = deck.evidence.studies
    return next((s for s in studies if s.randomized and deck.report.comparisons(s)), studies[0] if studies else None)


def supporting_studies(deck: "Deck") -> list[Study]:
    pivotal = pivotal_study(deck)
    return [s for s in deck.evidence.studies if s is not pivotal]


def columns_of(deck: "Deck", study: Study, keys) -> list[Column]:
    return [Column(arm_label(deck, study, k), arm_colour(deck, study, k)) for k in keys]


def arm_figure(deck: "Deck", arm: ArmText | None, small: str = "") -> Figure:
    """A figure cell: the reported percentage big, counts and interval small; missing values as words."""
    if arm is None:
        return Figure(deck.say("phrases/not_in_summary"), missing=True)
    if arm.bar_label is None:
        return Figure(arm.text, missing=True)
    # The counts (and the reported CI) under the percentage: "88/109; 95% CI 72.1–87.7".
    detail = re.sub(r"\s*\([^()]*\)", "", arm.text, count=1)
    detail = "" if detail == arm.bar_label else detail.split(";")[0] if "(" in detail else detail
    return Figure(arm.bar_label, small or detail.strip(" ;"))


# ------------------------------------------------------------------------------------------ the pivotal trial
def pivotal(deck: "Deck") -> None:
    """Design and flow, the primary result as big numbers, the forest plot, survival: one message each."""
    study = pivotal_study(deck)
    if study is None:
        return
    rows = outcome_rows(deck, study)
    design(deck, study)
    key_results(deck, study, rows)
    for chart in deck.charts.of_kind("forest", study.id):
        forest_slide(deck, study, chart, rows)
    survival(deck, study, rows)


def studies(deck: "Deck") -> None:
    """The pivotal trial's slides, then one slide per supporting study."""
    pivotal(deck)
    supporting(deck)


def follow_up_text(deck: "Deck", items) -> str:
    """"16.4 months [1]; 7.1 months (responders) [2]": each median follow-up with its note and source."""
    return "; ".join(formatting.follow_up(f) + (f", {deck.plain(f.note)}" if f.note else "") + f" {deck.cite(f.source)}"
                     for f in items)


def design(deck: "Deck", study: Study) -> None:
    n = deck.numbers
    facts = [labelled(deck.label("design"), study.design, n, space_before=0),
             labelled(deck.label("population"), study.population, n, space_before=0.5)]
    if study.follow_up:
        facts.append(labelled(deck.label("follow_up"), follow_up_text(deck, study.follow_up), n, space_before=0.5))
    if study.registry:
        facts.append(labelled(deck.label("registry"), study.registry, n, space_before=0.5))
    facts += [Para(plain_spans(text), space_before=0.5) for text in extends_texts(deck, study)]
    facts.append(Para(plain_spans(f"{deck.label('sources')}: {sources(deck, study)}"), space_before=0.5,
                      colour=deck.colors["muted"], scale=0.8, floor=16))
    flow = [{"stage": deck.plain(f.stage),
             "counts": [(arm_label(deck, study, k), f.counts[k]) for k in arm_keys(study, f.counts)],
             "source": deck.short_ref(f.source)} for f in study.flow]
    same = extends_texts(deck, study)
    notes = deck.say("notes/study_design", study=study, sources=sources(deck, study), flow=flow, same=same,
                     population=deck.plain(study.population), design=deck.plain(study.design),
                     follow_up=follow_up_text(deck, study.follow_up) if study.follow_up else "",
                     limitations=[deck.plain(t) for t in study.limitations],
                     arms=[{"name": a.name, "n": a.n, "regimen": deck.plain(a.regimen) if a.regimen else ""}
                           for a in ordered_arms(study)])
    title = deck.say("titles/study_design", study=study,
                     arms=[arm_label(deck, study, a.id) for a in ordered_arms(study)])
    handle = deck.new_slide("studies", "title_only", title)
    area = deck.content_area(handle)
    left, right = area.split_h(0.48, int(0.3 * EMU_PER_INCH))
    # The flow (or, without one, the arms with their sizes) as a short table: a stage per row, an arm per column.
    keys = [a.id for a in ordered_arms(study)]
    header = [Cell((Para(plain_spans(deck.label("stage"))),))] + [
        Cell((Para(plain_spans(arm_label(deck, study, k)), align="ctr"),)) for k in keys]
    body = []
    if study.flow:
        for stage in study.flow[:5]:
            body.append([Cell((para(stage.stage, n),))] + [
                Cell((Para(plain_spans(str(stage.counts[k]) if k in stage.counts else "–"), align="ctr", bold=True),))
                for k in keys])
    else:
        body.append([Cell((Para(plain_spans(deck.label("enrolled"))),))] + [
            Cell((Para(plain_spans(str(a.n) if a.n is not None else deck.say("phrases/not_in_summary")),
                       align="ctr", bold=True),)) for a in ordered_arms(study)])
    frame = deck.table(handle, right, header, body, [2.2] + [1.0] * len(keys),
                       deck.say("phrases/table_alt", what=title))
    table_bottom = frame.top + frame.height + int(0.2 * EMU_PER_INCH)
    under = Box(right.left, table_bottom, right.width, max(0, right.bottom - table_bottom))
    beside, below = _design_columns(deck, facts, left, under)
    add_text(handle.slide, left, beside, fit_size(deck.metrics, beside, left, 24, 20) or 20, deck.family,
             name="Body 1", colour=deck.colors["text"])
    if below:
        add_text(handle.slide, under, below, 20, deck.family, name="Body 2", colour=deck.colors["text"])
    deck.finish(handle, notes)


def _design_columns(deck: "Deck", facts: list[Para], left: Box, under: Box) -> tuple[list[Para], list[Para]]:
    """The study's facts beside the flow table at 20-24 pt; those that do not fit there (a long population,
    follow-up of several analyses) go on under the table at 20 pt, where a short flow leaves room, and
    any left over to the speaker notes and the handout (the slide says so) rather than off the slide."""
    if fit_size(deck.metrics, facts, left, 24, 20) is not None:
        return facts, []

    def fits(paragraphs: list[Para], box: Box) -> bool:
        return fit_size(deck.metrics, paragraphs, box, 20, 20) is not None

    columns: list[list[Para]] = [[], []]
    waiting = list(facts)
    for column, box in zip(columns, (left, under)):
        while waiting:
            candidate = waiting[0] if column else replace(waiting[0], space_before=0)  # a column starts flush
            if not fits([*column, candidate], box):
                break
            column.append(candidate)
            waiting.pop(0)
    if waiting:
        more = deck.more_in_notes()
        column, box = (columns[1], under) if columns[1] else (columns[0], left)
        while column and not fits([*column, more], box):
            column.pop()
        column.append(more)
    return columns[0], columns[1]


def extends_texts(deck: "Deck", study: Study) -> list[str]:
    """"Same patients: ..." for a study, or each arm, that follows another study's participants longer."""
    return [deck.say("phrases/extends", arm=same.arm, original=same.original, original_arm=same.original_arm,
                     note=deck.plain(same.extends.note) if same.extends.note else "")
            for same in same_patients(deck.evidence, study)]


def result_rows(deck: "Deck", study: Study, rows: list[ResultRow]) -> list[ResultRow]:
    """What a results slide shows: the summary binary outcomes (responders-only ones over all analysed), primary first."""
    shown = [r for r in rows if r.kind == "binary" and r.in_summary and not r.conditional
             and any(a.value is not None for a in r.arms)]
    return shown[:GRID_ROWS]


def key_results(deck: "Deck", study: Study, rows: list[ResultRow]) -> None:
    shown = result_rows(deck, study, rows)
    if not shown:
        return
    keys = arm_keys(study, {a.key for r in shown for a in r.arms})
    grid = []
    for r in shown:
        by_key = {a.key: a for a in r.arms}
        grid.append(FigureRow(_with_source(deck, r), unconfirmed(deck, r.confirmed, short_effect(deck, study, r)),
                              tuple(arm_figure(deck, by_key.get(k)) for k in keys)))
    # A responder-only outcome is shown over all analysed: its effect line says so (phrases/effect_short).
    primary = primary_binary(study)
    finding = binary_finding(deck, study, primary) if primary is not None else None
    lead = shown[0]
    title = deck.say("titles/study_results", study=study, finding=finding.context() if finding else None,
                     outcome=lead.name, arms=[{"label": a.label, "value": a.bar_label or a.text} for a in lead.arms])
    handle = deck.new_slide("studies", "title_only", title)
    figure_grid(deck, handle, deck.content_area(handle), columns_of(deck, study, keys), grid)
    deck.finish(handle, deck.say("notes/study_results", study=study, rows=rows, sources=sources(deck, study),
                                 key_points=[deck.plain(p) for p in study.key_points]))


def unconfirmed(deck: "Deck", confirmed: bool, detail: str) -> str:
    """The line under an outcome's name, headed "not confirmed" when its figures could not be checked against
    the source (the speaker notes say why)."""
    return detail if confirmed else "; ".join(x for x in (deck.label("not_confirmed"), detail) if x)


def _with_source(deck: "Deck", row: ResultRow) -> str:
    """The row's name and source; a responder-only outcome shown over all analysed says so in its name, where
    the room reads it: "MRD below 0.01% among CR/CRi" over 63.3% (69/109 analysed) read as a responder rate."""
    name = deck.say("phrases/all_in_base_name", name=row.name, base=row.extra["base"]) \
        if row.extra.get("all_in_base") else row.name
    return f"{name} {row.source}" if row.source else name


def short_effect(deck: "Deck", study: Study, row: ResultRow) -> str:
    """The slide's one-line effect: RR and NNT, or the HR, from the model; the full phrase is in the notes."""
    outcome = next((o for o in study.outcomes if deck.plain(o.name) == row.name), None)
    if isinstance(outcome, BinaryOutcome):
        finding = binary_finding(deck, study, outcome)
        effects = deck.report.effects_of(study, all_in_base_key(outcome.id) if row.extra.get("all_in_base")
                                         else outcome.id)
        if finding is None or not effects:
            return deck.say("phrases/all_in_base_short") if row.extra.get("all_in_base") else ""
        from report_builder.builders.pptx.results import number_needed_phrase

        if len(deck.report.comparisons(study)) > 1:
            # Several comparisons: each risk ratio named by its arms (the NNTs are in the notes).
            return "; ".join(deck.say("phrases/comparison", experimental=e.experimental.short_name,
                                      reference=e.reference.short_name,
                                      effect=f"RR {formatting.ratio(e.stats.risk_ratio)}") for e in effects)
        return deck.say("phrases/effect_short", finding=finding.context(),
                        nn=number_needed_phrase(deck, effects[0]), all_in_base=row.extra.get("all_in_base", False))
    if isinstance(outcome, TimeToEventOutcome):
        finding = survival_finding(deck, study, outcome)
        return deck.say("phrases/effect_short", finding=finding.context(), nn="", all_in_base=False) if finding else ""
    return ""


def forest_slide(deck: "Deck", study: Study, chart, rows: list[ResultRow]) -> None:
    """The forest plot, titled with the lesson of its prespecified boundary when an outcome has one."""
    bounded = []
    for outcome in study.outcomes:
        if outcome.p is None or outcome.p_boundary is None or not isinstance(outcome, TimeToEventOutcome):
            continue
        finding = survival_finding(deck, study, outcome)
        if finding is not None:
            bounded.append({"finding": finding.context(), "p": formatting.outcome_p(outcome),
                            "boundary": formatting.boundary(outcome), "after_final": bool(outcome.analysis)})
    title = deck.say("titles/forest", study=study, chart=chart, bounded=bounded)
    deck.shown.add(chart.id)
    picture_slide(deck, "forest", title, chart,
                  deck.say("notes/forest", study=study, chart=chart, rows=[r for r in rows if r.effect]))


def median_figure(deck: "Deck", result, unit: str) -> Figure:
    """A median as a big number that says it is a median ("7.4" over "median, months; 95% CI 5.7–9.2"): a
    bare "7.4 months" reads as how long patients lived. "not reached" is a result set in words."""
    ci = f"; {formatting.reported_ci(result.ci, result.ci_level)}" if result is not None and result.ci else ""
    text = median_text(deck, result, unit)
    if result is not None and result.reported and result.median_not_reached:
        return Figure(text, deck.label("median") + ci, words=True)
    if result is None or not result.reported or result.median is None:
        return Figure(text, missing=True)
    return Figure(formatting.number(result.median), f"{deck.label('median')}, {unit}{ci}")


def survival(deck: "Deck", study: Study, rows: list[ResultRow]) -> None:
    """Medians and landmarks of the summary time-to-event outcomes as big numbers, titled with the primary one's HR."""
    outcomes = [o for o in study.outcomes if isinstance(o, TimeToEventOutcome) and o.in_summary]
    if not outcomes:
        return
    keys = arm_keys(study, {k for o in outcomes for k in o.arms})
    grid = []
    for outcome in outcomes:
        finding = survival_finding(deck, study, outcome)
        detail = deck.say("phrases/effect_short", finding=finding.context(), nn="", all_in_base=False) \
            if finding else p_phrase(deck, outcome)
        detail = unconfirmed(deck, outcome.confirmed, detail)
        figures = tuple(median_figure(deck, outcome.arms.get(k), outcome.unit) for k in keys)
        grid.append(FigureRow(f"{deck.plain(outcome.name)} {deck.cite(outcome.source)}", detail, figures))
        labels = {l.label or formatting.number(l.time) for k in keys if k in outcome.arms
                  for l in outcome.arms[k].landmarks}
        for label in sorted(labels):
            cells = []
            for k in keys:
                result = outcome.arms.get(k)
                mark = next((l for l in (result.landmarks if result else ()) if (l.label or formatting.number(l.time)) == label), None)
                cells.append(Figure(f"{formatting.number(mark.percent)}%",
                                    formatting.reported_ci(mark.ci, mark.ci_level) if mark.ci else "")
                             if mark else Figure(deck.say("phrases/not_in_summary"), missing=True))
            grid.append(FigureRow(deck.plain(label), "", tuple(cells)))
    primary = next((o for o in outcomes if o.primary and o.hazard_ratio is not None),
                   next((o for o in outcomes if o.hazard_ratio is not None), None))
    finding = survival_finding(deck, study, primary) if primary is not None else None
    title = deck.say("titles/study_survival", study=study, finding=finding.context() if finding else None,
                     p=p_phrase(deck, primary) if primary is not None else "",
                     outcome=grid[0].name.rsplit(" [", 1)[0],
                     arms=[{"label": c.label, "value": f.big, "unit": "" if f.missing or f.words else outcomes[0].unit}
                           for c, f in zip(columns_of(deck, study, keys), grid[0].figures)])
    handle = deck.new_slide("studies", "title_only", title)
    figure_grid(deck, handle, deck.content_area(handle), columns_of(deck, study, keys), grid[:GRID_ROWS])
    deck.finish(handle, deck.say("notes/survival", study=study, chart=None, sources=sources(deck, study),
                                 rows=[r for r in rows if r.kind == "time_to_event"]))


# ------------------------------------------------------------------------------------------ supporting studies
def supporting(deck: "Deck") -> None:
    """One slide per supporting study: its primary response and survival per arm, as big numbers."""
    for study in supporting_studies(deck):
        rows = outcome_rows(deck, study)
        shown = result_rows(deck, study, rows)[:2]
        outcome = survival_outcome(study)
        keys = arm_keys(study, {a.key for r in shown for a in r.arms} | (set(outcome.arms) if outcome else set()))
        grid = []
        for r in shown:
            by_key = {a.key: a for a in r.arms}
            # A responder-only outcome is shown over all analysed: the line under it says so.
            detail = unconfirmed(deck, r.confirmed, short_effect(deck, study, r) if r.extra.get("all_in_base") else "")
            grid.append(FigureRow(_with_source(deck, r), detail, tuple(arm_figure(deck, by_key.get(k)) for k in keys)))
        if outcome is not None:
            grid.append(FigureRow(f"{deck.plain(outcome.name)} {deck.cite(outcome.source)}",
                                  unconfirmed(deck, outcome.confirmed, ""),
                                  tuple(median_figure(deck, outcome.arms.get(k), outcome.unit) for k in keys)))
        if not grid:
            continue
        lead = shown[0] if shown else None
        title = deck.say("titles/supporting", study=study, outcome=lead.name if lead else "",
                         arms=[{"label": a.label, "value": a.bar_label or a.text} for a in (lead.arms if lead else ())])
        handle = deck.new_slide("studies", "title_only", title)
        area = deck.content_area(handle)
        design_line = [Para(plain_spans(f"{deck.plain(study.design)}; n={study.enrolled}. "
                                        + " ".join(extends_texts(deck, study))), space_before=0)]
        size = fit_size(deck.metrics, design_line, Box(area.left, area.top, area.width, int(1.1 * EMU_PER_INCH)),
                        22, 20) or 20
        height = int((deck.metrics.height(design_line, area.inner_width_pt(), size) + 12) * EMU_PER_PT)
        add_text(handle.slide, Box(area.left, area.top, area.width, height), design_line, size, deck.family,
                 name="Body 1", colour=deck.colors["text"])
        grid_box = Box(area.left, area.top + height, area.width, area.height - height)
        figure_grid(deck, handle, grid_box, columns_of(deck, study, keys), grid)
        deck.finish(handle, deck.say("notes/study_results", study=study, rows=rows, sources=sources(deck, study),
                                     key_points=[deck.plain(p) for p in study.key_points]))


def cross_study(deck: "Deck") -> None:
    """The supporting studies on one slide: patients, primary response and survival, each study once."""
    studies_ = supporting_studies(deck)
    if not studies_:
        return
    from report_builder.builders.pptx.results import survival_text

    header = [Cell((Para(plain_spans(deck.label(k))),)) for k in ("study", "enrolled", "primary_response", "survival")]
    rows, notes_rows, values = [], [], []
    for study in studies_[:GRID_ROWS]:
        outcome = primary_binary(study)
        response: list[Para] = []
        arms_text = []
        if outcome is not None:
            response.append(Para(plain_spans(deck.plain(outcome.name)), bold=True))
            for key in arm_keys(study, shown_once(deck.evidence, study, outcome.arms)):
                arm = binary_arm(deck, study, outcome.id, key, outcome.arms[key])
                value = arm.bar_label or arm.text
                response.append(Para(plain_spans(f"{arm.label}: {value}"), space_before=0.1))
                arms_text.append(f"{arm.label} {arm.text}")
                if arm.bar_label:
                    values.append(arm.value)
        outcome_os = survival_outcome(study)
        surv: list[Para] = []
        if outcome_os is not None:
            for key in arm_keys(study, shown_once(deck.evidence, study, outcome_os.arms)):
                surv.append(Para(plain_spans(f"{arm_label(deck, study, key)}: "
                                             f"{median_text(deck, outcome_os.arms[key], outcome_os.unit)}"),
                                 space_before=0.1))
        missing = Para(plain_spans(deck.say("phrases/not_in_summary")), italic=True, colour=deck.colors["muted"])
        rows.append([Cell((Para(plain_spans(study.short_name), bold=True),
                           Para(plain_spans(deck.cite(*study.sources)), colour=deck.colors["muted"]))),
                     Cell((Para(plain_spans(str(study.enrolled))),)),
                     Cell(tuple(response) or (missing,)), Cell(tuple(surv) or (missing,))])
        notes_rows.append({"study": study, "outcome": deck.plain(outcome.name) if outcome else "",
                           "arms": arms_text, "sources": sources(deck, study)})
    values = [v for v in values if v is not None]
    title = deck.say("titles/cross_study", count=len(studies_), randomized=sum(s.randomized for s in studies_),
                     low=f"{min(values):g}%" if values else "", high=f"{max(values):g}%" if values else "")
    repeated = [{"study": r.study.short_name, "pooled": r.arm_id == POOLED, "original": r.original.short_name,
                 "arm": next((a.short_name for a in r.study.arms if a.id == r.arm_id), None)}
                for r in repeats(deck.evidence)]
    repeat_text = deck.say("phrases/repeats", repeats=repeated) if repeated else ""
    notes = deck.say("notes/cross_study", rows=notes_rows, repeats=repeat_text)
    handle = deck.new_slide("cross_study", "title_only", title)
    deck.table(handle, deck.content_area(handle), header, rows, [2.2, 1.2, 3.6, 2.6],
               deck.say("phrases/table_alt", what=title))
    deck.finish(handle, notes)


# ------------------------------------------------------------------------------------------ forest
def forest(deck: "Deck") -> None:
    """Forest plots not already shown with their trial."""
    for chart in deck.charts.of_kind("forest"):
        if chart.id in deck.shown:
            continue
        study = deck.evidence.study(chart.study_id) if chart.study_id else None
        if study is not None:
            forest_slide(deck, study, chart, outcome_rows(deck, study))


# ------------------------------------------------------------------------------------------ safety
def focus_rows(study: Study) -> list[int]:
    """The adverse events of the study's first-listed harm (its first term, before any qualifier), in file order:
    the harm the evidence file puts first gets its own slide."""
    if not study.adverse_events:
        return []
    base = study.adverse_events[0].term.split(",")[0].split("(")[0].strip()
    return [i for i, e in enumerate(study.adverse_events) if e.term.startswith(base)][:GRID_ROWS]


def safety(deck: "Deck") -> None:
    """The boxed warning, one slide on the defining harm, one chart of the other adverse events."""
    if deck.evidence.boxed_warning is not None:
        boxed_warning(deck)
    study = pivotal_study(deck)
    if study is None or not study.adverse_events:
        return
    all_rows = adverse_rows(deck, study)
    focus = focus_rows(study)
    keys = [a.id for a in ordered_arms(study)]
    grid = []
    for index in focus:
        row = all_rows[index]
        by_key = {a.key: a for a in row.arms}
        # The population an event was counted in stands under it: ZUMA-3's 92% and 26% were counted in the 78
        # treated at the approved dose, not in the 55 of its headline benefit.
        population = study.adverse_events[index].population
        grid.append(FigureRow(f"{row.name} {row.source}",
                              unconfirmed(deck, row.confirmed, deck.plain(population) if population else ""),
                              tuple(arm_figure(deck, by_key.get(k)) for k in keys)))
    findings = [f for f in (adverse_finding(deck, study, i) for i in focus) if f is not None]
    lead = _largest(deck, study, focus, findings)
    title = deck.say("titles/safety_focus", study=study, finding=lead.context() if lead else None,
                     term=all_rows[focus[0]].name if focus else "",
                     rates=single_arm_rates([all_rows[i] for i in focus]))
    handle = deck.new_slide("safety", "title_only", title)
    figure_grid(deck, handle, deck.content_area(handle), columns_of(deck, study, keys), grid)
    deck.finish(handle, deck.say("notes/safety_chart", study=study, rows=[all_rows[i] for i in focus],
                                 charted=len(focus), bars=False, page=1, pages=1))
    # Two-arm events are charted side by side; a single-arm study's events by themselves.
    needed = min(2, len(keys))
    others = [i for i, r in enumerate(all_rows) if i not in focus
              and sum(a.value is not None for a in r.arms) >= needed]
    if not others:
        return
    charted = others[:AE_PER_CHART]
    page = [all_rows[i] for i in charted]
    findings = [f for f in (adverse_finding(deck, study, i) for i in charted) if f is not None]
    lead = _largest(deck, study, charted, findings)
    rates = single_arm_rates(page)
    title = deck.say("titles/safety_chart", study=study, finding=lead.context() if lead else None,
                     largest=max(rates, key=lambda r: r["value"]) if rates else None)
    categories, series = rate_series(deck, study, page)
    handle = deck.new_slide("safety", "title_only", title)
    # The categories say what a bar is not: a figure not confirmed in its source, a derived all-analysed rate.
    native_chart(deck, handle, deck.content_area(handle), title,
                 [f"{name} {r.source}" for name, r in zip(categories, page)], series, deck.label("ae_axis"))
    rest = [r for i, r in enumerate(all_rows) if i not in focus and i not in charted]
    deck.finish(handle, deck.say("notes/safety_chart", study=study, rows=page + rest, charted=len(page), bars=True,
                                 page=1, pages=1))


def single_arm_rates(rows: list[ResultRow]) -> list[dict[str, object]]:
    """A single arm's events as {term, grade, percent, value} for a title that states them (no comparison to
    state); [] when a row has more than one arm or no rate to show."""
    rates = []
    for row in rows:
        if len(row.arms) != 1 or row.arms[0].value is None or not row.arms[0].bar_label:
            return []
        rates.append({"term": row.extra["term"], "grade": row.extra["grade"], "percent": row.arms[0].bar_label,
                      "value": row.arms[0].value})
    return rates


def _largest(deck: "Deck", study: Study, indices: list[int], findings) -> object | None:
    """The finding of the two-arm event with the most patients behind it (the largest denominators)."""
    def patients(i: int) -> int:
        return sum(a.total or 0 for a in study.adverse_events[i].arms.values())

    by_name = {f.outcome: f for f in findings}
    ranked = sorted(indices, key=patients, reverse=True)
    for i in ranked:
        name = event_name(deck, study.adverse_events[i])
        if name in by_name:
            return by_name[name]
    return None


def sources(deck: "Deck", study: Study) -> str:
    return "; ".join(deck.short_ref(s) for s in study.sources)



def rate_series(deck: "Deck", study: Study, rows: list[ResultRow]) -> tuple[list[str], list[Series]]:
    keys = arm_keys(study, {a.key for r in rows for a in r.arms if a.value is not None})
    series = []
    for key in keys:
        found = [next((a for a in r.arms if a.key == key), None) for r in rows]
        series.append(Series(arm_label(deck, study, key), tuple(a.value if a else None for a in found),
                             tuple(a.bar_label if a else None for a in found), arm_colour(deck, study, key)))
    # A derived all-analysed figure says so on the axis, next to the rates as reported.
    names = [f"{r.name} ({deck.say('phrases/all_in_base_short')})" if r.extra.get("all_in_base") else r.name
             for r in rows]
    names = [n if r.confirmed else f"{n} ({deck.label('not_confirmed')})" for n, r in zip(names, rows)]
    return names, series



def chart_alt(deck: "Deck", title: str, categories: list[str], series: list[Series]) -> str:
    items = [{"name": c, "results": [{"arm": s.name, "label": s.labels[i]} for s in series if s.labels[i]]}
             for i, c in enumerate(categories)]
    return deck.say("phrases/chart_alt", title=title, categories=items)



def native_chart(deck: "Deck", handle: "SlideHandle", box: Box, title: str, categories: list[str],
                 series: list[Series], axis: str):
    return add_bar_chart(
        handle.slide, box, categories, series, family=deck.family, text_colour=deck.colors["text"],
        grid_colour=deck.colors["light"] if deck.colors["light"].upper() != "#FFFFFF" else deck.colors["muted"],
        horizontal=True, axis_title=axis, alt_text=chart_alt(deck, title, categories, series), name=title,
        font_size=16,  # tick labels 2 pt smaller: nothing below 14 pt where it is projected
    )



def picture_slide(deck: "Deck", kind: str, title: str, chart, notes: str, side: list[Para] | None = None) -> None:
    """A Matplotlib chart drawn for the slide; a tall chart leaves room at its right for its numbers in slide text."""
    handle = deck.new_slide(kind, "title_only", title)
    area = deck.content_area(handle)
    picture_box = area  # the caption is in the speaker notes: the picture takes the whole area
    if side:
        scale = min(picture_box.width / (chart.width_in * EMU_PER_INCH), picture_box.height / (chart.height_in * EMU_PER_INCH))
        width = int(chart.width_in * EMU_PER_INCH * scale)
        text_box = Box(picture_box.left + width + int(0.3 * EMU_PER_INCH), picture_box.top,
                       picture_box.width - width - int(0.3 * EMU_PER_INCH), picture_box.height)
        size = fit_size(deck.metrics, side, text_box, 20, 14) if text_box.width > 0.28 * picture_box.width else None
        if size is not None:
            add_text(handle.slide, text_box, side, size, deck.family, name="Numbers", colour=deck.colors["text"])
            picture_box = Box(picture_box.left, picture_box.top, width, picture_box.height)
    add_picture(handle.slide, chart, picture_box)
    deck.finish(handle, notes)



def primary_binary(study: Study) -> BinaryOutcome | None:
    binaries = [o for o in study.outcomes if isinstance(o, BinaryOutcome) and not o.conditional_on]
    return next((o for o in binaries if o.primary), binaries[0] if binaries else None)



def survival_outcome(study: Study) -> TimeToEventOutcome | None:
    tte = [o for o in study.outcomes if isinstance(o, TimeToEventOutcome) and o.in_summary]
    named = [o for o in tte if o.name.lower().startswith("overall survival")]
    return (named or [o for o in tte if o.primary] or tte or [None])[0]



#: Text on the boxed warning's white box: dark whatever the master (a dark master's text colour is light).
WARNING_TEXT = "#1A1A1A"


def boxed_warning(deck: "Deck") -> None:
    """The points in a framed white box at a size the room can read; points that do not fit (a 4:3 master) continue
    in a box on the next slide rather than run out of the box."""
    warning = deck.evidence.boxed_warning
    title = deck.say("titles/safety_warning", warning_title=deck.plain(warning.title))
    first = deck.new_slide("safety", "title_only", title)
    area = deck.content_area(first)
    paragraphs = [para(p, deck.numbers, bullet="•", space_before=0.35 if i else 0)
                  for i, p in enumerate(warning.points)]
    # The source and its note are in the speaker notes: the points keep a size the room can read.
    inset = int(0.15 * EMU_PER_INCH)
    # Measured in the frame's text area: its margins are `inset`, not the insets a Box takes off.
    pad_x, pad_y = inset - int(INSET_X_PT * EMU_PER_PT), inset - int(INSET_Y_PT * EMU_PER_PT)
    inner = Box(area.left + pad_x, area.top + pad_y, area.width - 2 * pad_x, area.height - 2 * pad_y)
    fit = paginate(deck.metrics, paragraphs, inner, 24, 20, 20)
    handles = [first] + [deck.new_slide("safety", "title_only", deck.continued(title)) for _ in fit.pages[1:]]
    notes = deck.say("notes/safety_warning", title=deck.plain(warning.title),
                     points=[deck.plain(p) for p in warning.points], source=deck.short_ref(warning.source),
                     source_note=deck.plain(warning.source_note) if warning.source_note else "")
    for handle, page in zip(handles, fit.pages):
        height = int(deck.metrics.height(page, inner.inner_width_pt(), fit.size) * EMU_PER_PT) + 2 * inset + int(
            0.15 * EMU_PER_INCH)
        box = Box(area.left, area.top, area.width, min(area.height, height))
        text_box = add_text(handle.slide, box, page, fit.size, deck.family, name="Boxed warning",
                            colour=WARNING_TEXT, fill="#FFFFFF", line=deck.colors["warning"], line_width_pt=3)
        text_box.text_frame.margin_left = text_box.text_frame.margin_right = inset
        text_box.text_frame.margin_top = text_box.text_frame.margin_bottom = inset
        deck.finish(handle, notes)




__all__ = ["cross_study", "forest", "pivotal", "safety", "studies", "supporting"]
