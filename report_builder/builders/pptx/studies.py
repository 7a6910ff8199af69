"""The deck's evidence slides: each study, the cross-study comparison, the forest plot and safety."""
from __future__ import annotations

from typing import TYPE_CHECKING

from report_builder.analysis import formatting
from report_builder.analysis.arms import arm_keys, comparator_ids, ordered_arms
from report_builder.builders.pptx.results import (
    ResultRow, adverse_rows, arm_colour, arm_label, binary_arm, chart_rows, outcome_rows,
)
from report_builder.builders.pptx.shapes import Cell, Series, add_bar_chart, add_picture, add_text
from report_builder.builders.pptx.text import (
    EMU_PER_INCH, EMU_PER_PT, Box, Para, bullets, fit_size, labelled, para, plain_spans,
)
from report_builder.analysis.cohorts import repeats, shown_once
from report_builder.inputs.evidence_schema import POOLED, BinaryOutcome, Study, TimeToEventOutcome

if TYPE_CHECKING:
    from report_builder.builders.pptx.deck import Deck, SlideHandle

AE_PER_CHART = 5
CAPTION_PT = 14.0  #: captions are body text too: nothing on a slide below 14 pt outside tables and charts


def studies(deck: "Deck") -> None:
    for study in deck.evidence.studies:
        rows = outcome_rows(deck, study)
        design(deck, study)
        key_results(deck, study, rows)
        results_table(deck, study, rows)
        for chart in deck.charts.of_kind("flow", study.id):
            picture_slide(deck, "studies", deck.say("titles/study_flow", study=study, chart=chart), chart,
                          deck.say("notes/figure", study=study, chart=chart, sources=sources(deck, study)))
        for chart in deck.charts.of_kind("time_to_event", study.id):
            picture_slide(deck, "studies", deck.say("titles/study_survival", study=study, chart=chart), chart,
                          deck.say("notes/survival", study=study, chart=chart, sources=sources(deck, study),
                                   rows=[r for r in rows if r.kind == "time_to_event"]),
                          survival_side(deck, [r for r in rows if r.kind == "time_to_event" and r.in_summary]))


def follow_up_text(deck: "Deck", items) -> str:
    """"16.4 months [1]; 7.1 months (responders) [2]": each median follow-up with its note and source."""
    return "; ".join(formatting.follow_up(f) + (f", {deck.plain(f.note)}" if f.note else "") + f" {deck.cite(f.source)}"
                     for f in items)


def sources(deck: "Deck", study: Study) -> str:
    return "; ".join(deck.short_ref(s) for s in study.sources)


def design(deck: "Deck", study: Study) -> None:
    n = deck.numbers
    paragraphs = [labelled(deck.label("design"), study.design, n, space_before=0)]
    paragraphs.append(labelled(deck.label("population"), study.population, n, space_before=0.4))
    enrolled = str(study.enrolled)
    if study.median_age:
        enrolled += f"; {deck.label('median_age').lower()} {study.median_age}"
    paragraphs.append(labelled(deck.label("enrolled"), enrolled, n, space_before=0.4))
    if study.follow_up:
        paragraphs.append(labelled(deck.label("follow_up"), follow_up_text(deck, study.follow_up), n, space_before=0.4))
    paragraphs.append(Para(plain_spans(deck.label("arms"), bold=True), space_before=0.4, keep_with_next=True))
    for arm in ordered_arms(study):
        size = f" (n={arm.n})" if arm.n is not None else ""
        spans = plain_spans(arm.name, bold=False) + plain_spans(size + (": " if arm.regimen else ""))
        if arm.regimen:
            spans += tuple(para(arm.regimen, n).spans)
        if arm.follow_up:
            spans += plain_spans(f"; {deck.label('follow_up').lower()} {follow_up_text(deck, arm.follow_up)}")
        paragraphs.append(Para(spans, bullet="•", space_before=0.2))
    same = extends_texts(deck, study)
    paragraphs += [Para(plain_spans(text), space_before=0.4) for text in same]
    if study.cohorts:
        paragraphs.append(Para(plain_spans(deck.label("cohorts"), bold=True), space_before=0.4, keep_with_next=True))
        for cohort in study.cohorts:
            paragraphs.append(Para(plain_spans(f"{cohort.name}: n={cohort.n}"), bullet="•", space_before=0.2))
    if study.registry:
        paragraphs.append(labelled(deck.label("registry"), study.registry, n, space_before=0.4))
    paragraphs.append(Para(plain_spans(deck.label("sources") + ": ", bold=True) + plain_spans(sources(deck, study)),
                           space_before=0.4))
    if study.limitations:
        paragraphs.append(Para(plain_spans(deck.label("limitations"), bold=True), space_before=0.4,
                               keep_with_next=True))
        paragraphs += [para(t, n, bullet="•", space_before=0.2) for t in study.limitations]
    flow = [{"stage": deck.plain(f.stage),
             "counts": [(arm_label(deck, study, k), f.counts[k]) for k in arm_keys(study, f.counts)],
             "source": deck.short_ref(f.source)} for f in study.flow]
    notes = deck.say("notes/study_design", study=study, sources=sources(deck, study), flow=flow, same=same,
                     limitations=[deck.plain(t) for t in study.limitations],
                     arms=[{"name": a.name, "n": a.n, "regimen": deck.plain(a.regimen) if a.regimen else ""}
                           for a in ordered_arms(study)])
    deck.text_slides("studies", "content", deck.say("titles/study_design", study=study), paragraphs, notes,
                     largest=22)


def extends_texts(deck: "Deck", study: Study) -> list[str]:
    """"Same patients: ..." for a study, or each arm, that follows another study's participants longer."""
    out = []
    for arm, link in [(None, study.extends)] + [(a, a.extends) for a in study.arms]:
        if link is None:
            continue
        original = deck.evidence.study(link.study)
        original_arm = next((a for a in original.arms if a.id == link.arm), None) if link.arm else None
        out.append(deck.say("phrases/extends", arm=arm, original=original, original_arm=original_arm,
                            note=deck.plain(link.note) if link.note else ""))
    return out


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
        font_size=14 if len(categories) * max(len(series), 1) <= 8 else 13,
    )


def key_results(deck: "Deck", study: Study, rows: list[ResultRow]) -> None:
    title = deck.say("titles/study_results", study=study)
    points = bullets(study.key_points, deck.numbers) if study.key_points else [
        Para(plain_spans(f"{r.name}: " + "; ".join(f"{a.label} {a.text}" for a in r.arms)), bullet="•")
        for r in rows[:4]]
    notes = deck.say("notes/study_results", study=study, rows=rows, sources=sources(deck, study),
                     key_points=[deck.plain(p) for p in study.key_points])
    charted = chart_rows(rows)
    if not charted:
        deck.text_slides("studies", "content", title, points, notes)
        return
    categories, series = rate_series(deck, study, charted)
    handle = deck.new_slide("studies", "two_content", title)
    left, right = deck.body_box(handle, 0, 2), deck.body_box(handle, 1, 2)
    size = fit_size(deck.metrics, points, left, 20, 14)
    if size is None:
        # The key points need the whole slide: chart on its own slide, points on (continued) text slides.
        deck.discard(handle)
        handle = deck.new_slide("studies", "title_only", title)
        native_chart(deck, handle, deck.content_area(handle), title, categories, series, deck.label("chart_axis"))
        deck.finish(handle, notes)
        deck.text_slides("studies", "content", deck.continued(title), points, notes)
        return
    deck.fill_body(handle, points, size, 0, columns=2)
    native_chart(deck, handle, right, title, categories, series, deck.label("chart_axis"))
    deck.finish(handle, notes)


def results_table(deck: "Deck", study: Study, rows: list[ResultRow]) -> None:
    if not rows:
        return
    keys = arm_keys(study, {a.key for r in rows for a in r.arms})
    with_effect = any(r.effect for r in rows)
    header = [Cell((Para(plain_spans(deck.label("outcome"))),))]
    header += [Cell((Para(plain_spans(arm_label(deck, study, k))),)) for k in keys]
    if with_effect:
        header.append(Cell((Para(plain_spans(deck.label("effect"))),)))
    header.append(Cell((Para(plain_spans(deck.label("source"))),)))
    outcomes = {deck.plain(o.name): o for o in study.outcomes}
    table_rows = []
    for row in rows:
        outcome = outcomes.get(row.name)
        name = [Para(plain_spans(row.name), bold=True)]
        if outcome is not None and outcome.population:
            name.append(para(outcome.population, deck.numbers, scale=0.85, colour=deck.colors["muted"],
                             space_before=0.15))
        if outcome is not None and outcome.source_note:
            name.append(para(outcome.source_note, deck.numbers, scale=0.85, italic=True, colour=deck.colors["muted"],
                             space_before=0.15))
        cells = [Cell(tuple(name))]
        by_key = {a.key: a for a in row.arms}
        cells += [Cell((Para(plain_spans(by_key[k].text if k in by_key else deck.say("phrases/not_in_summary"))),))
                  for k in keys]
        if with_effect:
            cells.append(Cell((Para(plain_spans(row.effect[:1].upper() + row.effect[1:])),)))
        cells.append(Cell((Para(plain_spans(row.source)),)))
        table_rows.append(cells)
    weights = [2.6] + [2.2] * len(keys) + ([3.0] if with_effect else []) + [0.95]
    title = deck.say("titles/study_table", study=study)
    deck.table_slides(
        "studies", title, header, table_rows, weights,
        lambda i, n: deck.say("notes/study_table", study=study, rows=rows, page=i + 1, pages=n,
                              sources=sources(deck, study)),
        deck.say("phrases/table_alt", what=title),
    )


def picture_slide(deck: "Deck", kind: str, title: str, chart, notes: str, side: list[Para] | None = None) -> None:
    """A Matplotlib chart with its caption; a tall chart leaves room at its right for its numbers in slide text."""
    handle = deck.new_slide(kind, "title_only", title)
    area = deck.content_area(handle)
    caption = [Para(plain_spans(chart.caption), colour=deck.colors["muted"])] if chart.caption else []
    picture_box = area
    if caption:
        size = CAPTION_PT
        height = int((deck.metrics.height(caption, area.inner_width_pt(), size) + 10) * EMU_PER_PT)
        gap = int(0.08 * EMU_PER_INCH)
        picture_box, caption_box = area.split_v(area.height - height - gap, gap)
        add_text(handle.slide, caption_box, caption, size, deck.family, name="Caption")
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


def survival_side(deck: "Deck", rows: list[ResultRow]) -> list[Para]:
    """The time-to-event numbers next to their chart: per outcome, each arm, then the effect."""
    out: list[Para] = []
    for row in rows:
        out.append(Para(plain_spans(f"{row.name} {row.source}"), bold=True, space_before=0.6 if out else 0,
                        keep_with_next=True))
        out += [Para(plain_spans(f"{a.label}: {a.text}"), bullet="•", space_before=0.15) for a in row.arms]
        if row.effect:
            out.append(Para(plain_spans(row.effect[:1].upper() + row.effect[1:]), space_before=0.15,
                            colour=deck.colors["muted"], scale=0.9, floor=14))
    return out


# ------------------------------------------------------------------------------------------ cross-study
def primary_binary(study: Study) -> BinaryOutcome | None:
    binaries = [o for o in study.outcomes if isinstance(o, BinaryOutcome) and not o.conditional_on]
    return next((o for o in binaries if o.primary), binaries[0] if binaries else None)


def survival_outcome(study: Study) -> TimeToEventOutcome | None:
    tte = [o for o in study.outcomes if isinstance(o, TimeToEventOutcome) and o.in_summary]
    named = [o for o in tte if o.name.lower().startswith("overall survival")]
    return (named or [o for o in tte if o.primary] or tte or [None])[0]


def cross_study(deck: "Deck") -> None:
    from report_builder.builders.pptx.results import survival_text

    if len(deck.evidence.studies) < 2:
        return  # a comparison across studies needs two

    header = [Cell((Para(plain_spans(deck.label(k))),)) for k in
              ("study", "design", "enrolled", "primary_response", "survival", "source")]
    rows, notes_rows, categories, values, labels, colours = [], [], [], [], [], []
    for study in deck.evidence.studies:
        outcome = primary_binary(study)
        response: list[Para] = []
        arms_text = []
        if outcome is not None:
            primary = f" ({deck.label('primary')})" if outcome.primary else ""
            response.append(Para(plain_spans(deck.plain(outcome.name) + primary), bold=True))
            for key in arm_keys(study, shown_once(deck.evidence, study, outcome.arms)):
                arm = binary_arm(deck, study, outcome.id, key, outcome.arms[key])
                response.append(Para(plain_spans(f"{arm.label}: {arm.text}"), space_before=0.15))
                arms_text.append(f"{arm.label} {arm.text}")
                if arm.value is not None:
                    categories.append(f"{study.short_name}: {arm.label}")
                    values.append(arm.value)
                    labels.append(arm.bar_label)
                    colours.append(arm_colour(deck, study, key))
        survival = survival_outcome(study)
        surv: list[Para] = []
        if survival is not None:
            surv.append(Para(plain_spans(deck.plain(survival.name)), bold=True))
            for key in arm_keys(study, shown_once(deck.evidence, study, survival.arms)):
                surv.append(Para(plain_spans(f"{arm_label(deck, study, key)}: "
                                             f"{survival_text(deck, survival.arms[key], survival.unit)}"),
                                 space_before=0.15))
        refs = deck.cite(*study.sources)
        rows.append([Cell((Para(plain_spans(study.short_name), bold=True),)), Cell((para(study.design, deck.numbers),)),
                     Cell((Para(plain_spans(str(study.enrolled))),)), Cell(tuple(response) or (Para(plain_spans("–")),)),
                     Cell(tuple(surv) or (Para(plain_spans("–")),)), Cell((Para(plain_spans(refs)),))])
        notes_rows.append({"study": study, "outcome": deck.plain(outcome.name) if outcome else "",
                           "primary": bool(outcome and outcome.primary),
                           "exact_ci": bool(outcome and any(r.events is not None for r in outcome.arms.values())),
                           "arms": arms_text, "sources": sources(deck, study)})
    title = deck.say("titles/cross_study")
    repeated = [{"study": r.study.short_name, "pooled": r.arm_id == POOLED, "original": r.original.short_name,
                 "arm": next((a.short_name for a in r.study.arms if a.id == r.arm_id), None)}
                for r in repeats(deck.evidence)]
    repeat_text = deck.say("phrases/repeats", repeats=repeated) if repeated else ""
    notes = deck.say("notes/cross_study", rows=notes_rows, repeats=repeat_text)
    deck.table_slides("cross_study", title, header, rows, [1.7, 2.6, 1.15, 2.9, 2.6, 0.95],
                      notes, deck.say("phrases/table_alt", what=title))
    if values:
        chart_title = deck.say("titles/cross_study_chart")
        handle = deck.new_slide("cross_study", "title_only", chart_title)
        series = [Series(deck.label("primary_response"), tuple(values), tuple(labels), deck.palette[0], tuple(colours))]
        native_chart(deck, handle, deck.content_area(handle), chart_title, categories, series,
                     deck.label("chart_axis"))
        deck.finish(handle, deck.say("notes/cross_study_chart", rows=notes_rows, repeats=repeat_text,
                                     exact_ci=any(r["exact_ci"] for r in notes_rows)))


# ------------------------------------------------------------------------------------------ forest
def forest(deck: "Deck") -> None:
    charts = deck.charts.of_kind("forest")
    for chart in charts:
        study = deck.evidence.study(chart.study_id) if chart.study_id else None
        rows = [r for r in outcome_rows(deck, study) if r.effect] if study else []
        side: list[Para] = []
        for r in (x for x in rows if x.in_summary and x.comparative):
            side.append(Para(plain_spans(f"{r.name} {r.source}"), bold=True, space_before=0.5 if side else 0,
                             keep_with_next=True))
            side.append(Para(plain_spans(r.effect[:1].upper() + r.effect[1:]), space_before=0.15))
        picture_slide(deck, "forest", deck.say("titles/forest", study=study, chart=chart), chart,
                      deck.say("notes/forest", study=study, chart=chart, rows=rows), side)
    if charts:
        return
    # No forest plot drawn (e.g. no randomized study): the effects as a table, so the slide still teaches.
    for study in deck.evidence.studies:
        rows = [r for r in outcome_rows(deck, study) if r.effect and len(r.arms) > 1]
        if not rows:
            continue
        header = [Cell((Para(plain_spans(deck.label(k))),)) for k in ("outcome", "effect", "source")]
        body = [[Cell((Para(plain_spans(r.name), bold=True),)), Cell((Para(plain_spans(r.effect)),)),
                 Cell((Para(plain_spans(r.source)),))] for r in rows]
        title = deck.say("titles/forest", study=study, chart=None)
        deck.table_slides("forest", title, header, body, [3.0, 6.0, 0.95],
                          deck.say("notes/forest", study=study, chart=None, rows=rows),
                          deck.say("phrases/table_alt", what=title))


# ------------------------------------------------------------------------------------------ safety
def safety(deck: "Deck") -> None:
    ev = deck.evidence
    if ev.boxed_warning is not None:
        boxed_warning(deck)
    for study in ev.studies:
        rows = adverse_rows(deck, study)
        arms = {a.key for r in rows for a in r.arms if a.key != POOLED}
        if len(arms) < 2:
            continue
        pages = [rows[i:i + AE_PER_CHART] for i in range(0, len(rows), AE_PER_CHART)]
        title = deck.say("titles/safety_chart", study=study)
        for number, page in enumerate(pages):
            categories, series = rate_series(deck, study, page)
            handle = deck.new_slide("safety", "title_only", title if number == 0 else deck.continued(title))
            native_chart(deck, handle, deck.content_area(handle), title, categories, series, deck.label("ae_axis"))
            deck.finish(handle, deck.say("notes/safety_chart", study=study, rows=page, page=number + 1,
                                         pages=len(pages)))
    adverse_table(deck)


def boxed_warning(deck: "Deck") -> None:
    warning = deck.evidence.boxed_warning
    title = deck.say("titles/safety_warning")
    handle = deck.new_slide("safety", "title_only", title)
    area = deck.content_area(handle)
    paragraphs = [para(warning.title, deck.numbers, bold=True, colour=deck.colors["warning"], space_before=0)]
    paragraphs += [para(p, deck.numbers, bullet="•", space_before=0.5) for p in warning.points]
    paragraphs.append(Para(plain_spans(f"{deck.label('source')}: {deck.short_ref(warning.source)}"),
                           colour=deck.colors["muted"], scale=0.8, floor=14, space_before=0.6))
    if warning.source_note:
        paragraphs.append(para(warning.source_note, deck.numbers, colour=deck.colors["muted"], scale=0.8,
                               floor=14, space_before=0.2))
    inset = int(0.15 * EMU_PER_INCH)
    inner = Box(area.left + inset, area.top + inset, area.width - 2 * inset, area.height - 2 * inset)
    size = fit_size(deck.metrics, paragraphs, inner, 24, 14) or 14
    height = int(deck.metrics.height(paragraphs, inner.inner_width_pt(), size) * EMU_PER_PT) + 2 * inset + int(
        0.15 * EMU_PER_INCH)
    box = Box(area.left, area.top, area.width, min(area.height, height))
    text_box = add_text(handle.slide, box, paragraphs, size, deck.family, name="Boxed warning",
                        colour=deck.colors["text"], fill="#FFFFFF", line=deck.colors["warning"], line_width_pt=3)
    text_box.text_frame.margin_left = text_box.text_frame.margin_right = inset
    text_box.text_frame.margin_top = text_box.text_frame.margin_bottom = inset
    deck.finish(handle, deck.say("notes/safety_warning", title=deck.plain(warning.title),
                                 points=[deck.plain(p) for p in warning.points], source=deck.short_ref(warning.source),
                                 source_note=deck.plain(warning.source_note) if warning.source_note else ""))


def adverse_table(deck: "Deck") -> None:
    header = [Cell((Para(plain_spans(deck.label(k))),)) for k in
              ("study", "adverse_event", "intervention_arm", "comparator_arm", "source")]
    rows = []
    all_rows = []
    for study in deck.evidence.studies:
        controls = comparator_ids(study)
        for row in adverse_rows(deck, study):
            experimental = [a for a in row.arms if a.key not in controls]
            control = [a for a in row.arms if a.key in controls]

            def cell(arms) -> Cell:
                if not arms:
                    return Cell((Para(plain_spans("–")),))
                out = []
                for a in arms:
                    out.append(Para(plain_spans(a.label), scale=0.85, colour=deck.colors["muted"], space_before=0.15))
                    out.append(Para(plain_spans(a.text), space_before=0))
                return Cell(tuple(out))

            name = [Para(plain_spans(row.name), bold=True)] + [
                Para(plain_spans(n), scale=0.85, italic=True, colour=deck.colors["muted"], space_before=0.15)
                for n in row.notes]
            rows.append([Cell((Para(plain_spans(study.short_name)),)), Cell(tuple(name)), cell(experimental),
                         cell(control), Cell((Para(plain_spans(row.source)),))])
            all_rows.append({"study": study.short_name, "row": row})
    if not rows:
        return
    shown = [s for s in deck.evidence.studies if s.adverse_events]
    title = deck.say("titles/safety_table", studies=shown)
    deck.table_slides("safety", title, header, rows, [1.6, 3.4, 2.1, 2.1, 0.95],
                      lambda i, n: deck.say("notes/safety_table", rows=all_rows, page=i + 1, pages=n,
                                            studies=shown),
                      deck.say("phrases/table_alt", what=title))


__all__ = ["cross_study", "forest", "safety", "studies"]
