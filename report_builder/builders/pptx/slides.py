"""The deck's framing slides: title, objectives, question, background, mechanism, and the closing run."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from report_builder.analysis import formatting
from report_builder.builders.pptx.shapes import Cell
from report_builder.builders.pptx.text import Para, bullets, labelled, para, plain_spans
from report_builder.builders.references import numbered_references
from report_builder.errors import TemplateError
from report_builder.inputs import markup

if TYPE_CHECKING:
    from report_builder.builders.pptx.deck import Deck
    from report_builder.builders.pptx.text import Metrics


def cover(deck: "Deck", kind: str, title: str, subtitle_lines: list[str], notes: str) -> None:
    handle = deck.new_slide(kind, kind if kind in ("title", "closing") else "title", title)
    paragraphs = [Para(plain_spans(line), space_before=0.3) for line in subtitle_lines if line]
    if paragraphs:
        from report_builder.builders.pptx.text import fit_size

        box = deck.body_box(handle)
        size = fit_size(deck.metrics, paragraphs, box, 24, 20) or 20
        deck.fill_body(handle, paragraphs, size)
    deck.finish(handle, notes)


def title_slide(deck: "Deck") -> None:
    meta = deck.evidence.meta
    date = formatting.long_date(meta.date)
    lines = deck.say("title_subtitle", date=date).splitlines()
    cover(deck, "title", deck.say("titles/title"), lines,
          deck.say("notes/title", date=date, objectives=len(deck.evidence.learning_objectives)))


def objectives(deck: "Deck") -> None:
    ev = deck.evidence
    if not ev.learning_objectives:
        return
    deck.text_slides("objectives", "content", deck.say("titles/objectives"),
                     bullets(ev.learning_objectives, deck.numbers, "1."),
                     deck.say("notes/objectives", objectives=[deck.plain(o) for o in ev.learning_objectives]))


def question(deck: "Deck") -> None:
    q = deck.evidence.question
    pico = [
        labelled(deck.label("population"), q.population, deck.numbers, space_before=0.4),
        labelled(deck.label("intervention"), q.intervention, deck.numbers, space_before=0.4),
        labelled(deck.label("comparison"), q.comparison, deck.numbers, space_before=0.4),
    ]  # the outcomes are read from the notes: the slide keeps P, I and C at a size the room can read
    notes = deck.say("notes/question", case=deck.plain(q.case) if q.case else "",
                     outcomes=[deck.plain(o) for o in q.outcomes])
    title = deck.say("titles/question")
    if not q.case:
        deck.text_slides("question", "content", title, pico, notes)
        return
    from report_builder.builders.pptx.text import fit_size

    case = [Para(plain_spans(deck.label("case"), bold=True)), para(q.case, deck.numbers, space_before=0.4)]
    handle = deck.new_slide("question", "two_content", title)
    left, right = deck.body_box(handle, 0, 2), deck.body_box(handle, 1, 2)
    # One size for both columns, so the slide reads as one text.
    size = min(fit_size(deck.metrics, case, left, 24, 20) or 0, fit_size(deck.metrics, pico, right, 24, 20) or 0)
    if size == 0:
        # Too long for two columns even at the smallest size: case first, then PICO, continued as needed.
        deck.discard(handle)
        deck.text_slides("question", "content", title, case + pico, notes)
        return
    deck.fill_body(handle, case, size, 0, columns=2)
    deck.fill_body(handle, pico, size, 1, columns=2)
    deck.finish(handle, notes)


def background(deck: "Deck") -> None:
    ev = deck.evidence
    deck.text_slides("background", "content", deck.say("titles/background"), bullets(ev.background, deck.numbers),
                     deck.say("notes/background", paragraphs=[deck.plain(p) for p in ev.background]))


def _room(metrics: "Metrics", paragraphs: list[Para], size: float) -> int:
    """The width in EMU a text box needs for its longest word at this size, insets included."""
    from report_builder.builders.pptx.text import EMU_PER_PT, INSET_X_PT, WIDTH_SLACK

    return math.ceil((metrics.widest_word(paragraphs, size) / WIDTH_SLACK + 2 * INSET_X_PT) * EMU_PER_PT)


def _shares(free: int, weights: list[float], least: list[int]) -> list[int]:
    """free split in proportion to weights, each share at least its least (when they all fit at all)."""
    if sum(least) >= free:
        return [int(free * n / sum(least)) for n in least]
    fixed: dict[int, int] = {}
    while True:
        rest = free - sum(fixed.values())
        flexible = sum(w for i, w in enumerate(weights) if i not in fixed)
        shares = [fixed.get(i, int(rest * w / flexible)) for i, w in enumerate(weights)]
        short = {i: least[i] for i, share in enumerate(shares) if i not in fixed and share < least[i]}
        if not short or len(fixed) + len(short) == len(weights):
            return [max(share, least[i]) for i, share in enumerate(shares)]
        fixed.update(short)


def mechanism(deck: "Deck") -> None:
    """A simple diagram (drug, its class, its target: boxes joined by arrows) above the mechanism in words."""
    ev = deck.evidence
    if not ev.mechanism:
        return
    from report_builder.builders.pptx.shapes import add_text
    from report_builder.builders.pptx.text import EMU_PER_INCH, Box, fit_size, sizes

    drug = ev.drug
    steps = [[Para(plain_spans(drug.name), bold=True, align="ctr", space_before=0),
              Para(plain_spans(f"({drug.abbreviation})" if drug.abbreviation else ""), align="ctr", space_before=0)]]
    if drug.drug_class:
        steps.append([Para(plain_spans(deck.label("drug_class")), bold=True, align="ctr", space_before=0),
                      para(drug.drug_class, deck.numbers, align="ctr", space_before=0)])
    if drug.target:
        steps.append([Para(plain_spans(deck.label("target")), bold=True, align="ctr", space_before=0),
                      para(drug.target, deck.numbers, align="ctr", space_before=0)])
    notes = deck.say("notes/mechanism", paragraphs=[deck.plain(p) for p in ev.mechanism])
    handle = deck.new_slide("mechanism", "title_only", deck.say("titles/mechanism"))
    area = deck.content_area(handle)
    arrow_w, gap = int(0.55 * EMU_PER_INCH), int(0.12 * EMU_PER_INCH)
    height = int(1.8 * EMU_PER_INCH)
    # Each box as wide as its text needs relative to the others (a class is a phrase, a target a word).
    weights = [max(1.0, min(2.0, deck.metrics.width(" ".join(s.text for p in step for s in p.spans), False, False, 20)
                            / 400)) for step in steps]
    free = area.width - (len(steps) - 1) * (arrow_w + 2 * gap)
    # ...and never narrower than its longest word (a drug's name): a renderer breaks a word wider than its box.
    widths = _shares(free, weights, [_room(deck.metrics, step, 16) for step in steps])

    boxes = [Box(0, 0, w, height) for w in widths]

    def fits(size: float) -> bool:
        return all(deck.metrics.height(step, box.inner_width_pt(), size) <= box.inner_height_pt()
                   and _room(deck.metrics, step, size) <= box.width for step, box in zip(steps, boxes))

    size = next((size for size in sizes(22, 16) if fits(size)), 16)
    left = area.left
    for i, (step, width) in enumerate(zip(steps, widths)):
        if i:
            left += widths[i - 1] + arrow_w + 2 * gap
        box = add_text(handle.slide, Box(left, area.top, width, height), step, size, deck.family,
                       name=f"Diagram step {i + 1}", colour=deck.colors["text"], fill=deck.colors["light"],
                       line=deck.colors["secondary"], anchor="ctr")
        box.name = f"Diagram step {i + 1}"
        if i < len(steps) - 1:
            arrow = handle.slide.shapes.add_shape(33, left + width + gap, area.top + height // 2 - arrow_w // 3,
                                                  arrow_w, 2 * arrow_w // 3)  # 33: right arrow
            arrow.name = "Diagram arrow"
            arrow.fill.solid()
            from report_builder.builders.pptx.shapes import rgb

            arrow.fill.fore_color.rgb = rgb(deck.colors["secondary"])
            arrow.line.fill.background()
            arrow.shadow.inherit = False
    # Below the diagram, the mechanism in words: what fits at body size; the rest is in the notes.
    below = Box(area.left, area.top + height + int(0.25 * EMU_PER_INCH), area.width,
                area.height - height - int(0.25 * EMU_PER_INCH))
    paragraphs = bullets(ev.mechanism, deck.numbers)
    shown = list(paragraphs)
    more = deck.more_in_notes()
    size = fit_size(deck.metrics, shown, below, 24, 20)
    while size is None and len(shown) > 1:
        shown.pop()
        size = fit_size(deck.metrics, shown + [more], below, 24, 20)
    if len(shown) < len(paragraphs):
        shown.append(more)
    add_text(handle.slide, below, shown, size or 20, deck.family, name="Body 1", colour=deck.colors["text"])
    deck.finish(handle, notes)


def dosing(deck: "Deck") -> None:
    dosing_ = deck.evidence.dosing
    if dosing_ is None:
        return
    days = sorted({formatting.dose_days(d) for s in dosing_.schedules for d in s.doses},
                  key=lambda text: int(text.replace("−", "-").split("–")[0]))
    # Four columns at most on a slide: the doses of a cycle as one cell, a line per day. A column no schedule
    # fills is left out (a single infusion has no cycle), its width given to the doses.
    columns = ["schedule", "doses"] + [c for c, shown in (
        ("total_per_cycle", any(s.total_per_cycle is not None for s in dosing_.schedules)),
        ("cycle_length", any(s.cycle_length for s in dosing_.schedules))) if shown]
    weights = {"schedule": 3.2, "doses": 2.4, "total_per_cycle": 1.6, "cycle_length": 1.6}
    weights["doses"] += sum(w for c, w in weights.items() if c not in columns)
    header = [Cell((Para(plain_spans(deck.label(k))),)) for k in columns]
    rows = []
    schedules = []
    for schedule in dosing_.schedules:
        by_day = {formatting.dose_days(d): formatting.dose_amount(d) for d in schedule.doses}
        total = formatting.cycle_total(schedule)
        in_order = [day for day in days if day in by_day]
        doses = tuple(Para(plain_spans(f"{deck.say('phrases/day', day=day)}: {by_day[day]}"), space_before=0.1)
                      for day in in_order)
        cycle = deck.plain(schedule.cycle_length) if schedule.cycle_length else ""  # "21–28 days", as printed
        cells = {"schedule": Cell((para(schedule.name, deck.numbers, bold=True),)), "doses": Cell(doses),
                 "total_per_cycle": Cell((Para(plain_spans(total or "–"), bold=True),)),
                 "cycle_length": Cell((Para(plain_spans(cycle or "–")),))}
        rows.append([cells[c] for c in columns])
        schedules.append({"name": deck.plain(schedule.name), "doses": [by_day[d] for d in in_order],
                          "days": in_order, "total": total, "cycle": cycle,
                          "note": deck.plain(schedule.note) if schedule.note else ""})
    below = []
    if dosing_.max_cycles:
        below.append(labelled(deck.label("max_cycles"), dosing_.max_cycles, deck.numbers))
    below += [para(n, deck.numbers, bullet="•", space_before=0.3) for n in dosing_.notes]
    below.append(Para(plain_spans(f"{deck.label('source')}: {deck.short_ref(dosing_.source)}"), space_before=0.3,
                      colour=deck.colors["muted"], scale=0.8, floor=16))
    rules = [{"topic": deck.plain(r.topic), "text": deck.plain(r.text), "source": deck.short_ref(r.source),
              "source_note": deck.plain(r.source_note) if r.source_note else ""} for r in dosing_.rules]
    # With a slide of their own, the rules' notes go with it: each slide's notes are about that slide.
    def dosing_notes(part: str) -> str:
        return deck.say("notes/dosing", schedules=schedules, max_cycles=dosing_.max_cycles or "", part=part,
                        notes=[deck.plain(n) for n in dosing_.notes], source=deck.short_ref(dosing_.source), rules=rules)

    notes = dosing_notes("schedules" if dosing_.rules else "all")
    deck.table_slides("dosing", deck.say("titles/dosing"), header, rows, [weights[c] for c in columns],
                      notes, deck.say("phrases/table_alt", what=deck.say("titles/dosing")), below=below,
                      largest=22, smallest=16)
    if dosing_.rules:
        # The rules of use (cycles before a transplant, stopping, premedication) get their own slide:
        # each is a sentence with its source, too long for the space under the dosing table.
        paragraphs = []
        for rule in dosing_.rules:
            paragraphs.append(Para(plain_spans(f"{deck.plain(rule.topic)}: ", bold=True)
                                   + tuple(para(rule.text, deck.numbers).spans)
                                   + plain_spans(f" {deck.cite(rule.source)}"), bullet="•", space_before=0.4))
        deck.text_slides("dosing", "title_only", deck.say("titles/dosing_rules"), paragraphs, dosing_notes("rules"),
                         largest=22, smallest=20)


def regulatory(deck: "Deck") -> None:
    events = deck.evidence.regulatory
    if not events:
        return
    rows_notes = [{"date": formatting.long_date(e.date), "region": e.region, "event": deck.plain(e.event),
                   "population": deck.plain(e.population) if e.population else "",
                   "detail": deck.plain(e.detail) if e.detail else "", "source": deck.short_ref(e.source),
                   "confirmed": e.confirmed, "note": deck.plain(e.note) if e.note else ""}
                  for e in events]
    notes = deck.say("notes/regulatory", events=rows_notes)
    title = deck.say("titles/regulatory")
    timeline = deck.charts.of_kind("timeline")
    if timeline:
        from report_builder.builders.pptx.shapes import add_picture

        handle = deck.new_slide("regulatory", "title_only", title)
        add_picture(handle.slide, timeline[0], deck.content_area(handle))
        deck.finish(handle, notes)
        return
    header = [Cell((Para(plain_spans(deck.label(k))),)) for k in ("date", "region", "event", "source")]
    rows = []
    for e in events:
        event = [para(e.event, deck.numbers, bold=True)]
        if e.population:
            event.append(para(e.population, deck.numbers, space_before=0.2, scale=0.9))
        if e.detail:
            event.append(para(e.detail, deck.numbers, space_before=0.2, scale=0.9))
        if e.note:
            prefix = "" if e.confirmed else f"{deck.label('not_confirmed')}: "
            event.append(para(prefix + e.note, deck.numbers, space_before=0.2, scale=0.9))
        rows.append([Cell((Para(plain_spans(formatting.long_date(e.date))),)), Cell((Para(plain_spans(e.region)),)),
                     Cell(tuple(event)), Cell((Para(plain_spans(deck.cite(e.source))),))])
    deck.table_slides("regulatory", title, header, rows, [1.6, 1.0, 5.0, 0.95], notes,
                      deck.say("phrases/table_alt", what=title), largest=20, smallest=16)


def answer_key(answer: str) -> str:
    """"can't tell" -> "answer_cant_tell" in labels.j2."""
    return "answer_" + answer.replace("'", "").replace(" ", "_")


def appraisal(deck: "Deck") -> None:
    """Per appraised study: the questions that raise a concern, with their reasons; every answer is in the notes."""
    for appraisal_ in deck.evidence.appraisal:
        study = deck.evidence.study(appraisal_.study)
        header = [Cell((Para(plain_spans(deck.label(k))),)) for k in ("question", "answer", "reason")]
        concerns = [item for item in appraisal_.items if item.answer != "yes"]
        rows = []
        for item in concerns[:6]:
            answer = deck.label(answer_key(item.answer))
            colour = deck.colors["warning"] if item.answer == "no" else None
            rows.append([Cell((para(item.question, deck.numbers),)),
                         Cell((Para(plain_spans(answer), bold=True, colour=colour),)),
                         Cell((para(item.reason, deck.numbers),))])
        items = [{"question": deck.plain(i.question), "answer": i.answer, "reason": deck.plain(i.reason),
                  "answer_label": deck.label(answer_key(i.answer))} for i in appraisal_.items]
        title = deck.say("titles/appraisal", study=study, checklist=appraisal_.checklist, total=len(appraisal_.items),
                         yes=len(appraisal_.items) - len(concerns), concerns=len(concerns))
        notes = deck.say("notes/appraisal", study=study, items=items, page=1, pages=1,
                         checklist=appraisal_.checklist)
        if not rows:
            deck.finish(deck.new_slide("appraisal", "title_only", title), notes)
            continue
        handle = deck.new_slide("appraisal", "title_only", title)
        deck.table(handle, deck.content_area(handle), header, rows, [3.4, 1.3, 5.7],
                   deck.say("phrases/table_alt", what=title))
        deck.finish(handle, notes)


def bottom_line(deck: "Deck") -> None:
    ev = deck.evidence
    deck.text_slides("bottom_line", "title_only", deck.say("titles/bottom_line"), bullets(ev.bottom_line, deck.numbers),
                     deck.say("notes/bottom_line", paragraphs=[deck.plain(p) for p in ev.bottom_line],
                              teaching_points=[deck.plain(p) for p in ev.teaching_points]))


def discussion(deck: "Deck") -> None:
    ev = deck.evidence
    if not ev.discussion_questions:
        return
    deck.text_slides("discussion", "content", deck.say("titles/discussion"),
                     bullets(ev.discussion_questions, deck.numbers, "1."),
                     deck.say("notes/discussion", questions=[deck.plain(q) for q in ev.discussion_questions],
                              case=deck.plain(ev.question.case) if ev.question.case else ""))


def quiz(deck: "Deck") -> None:
    """Each question on its own slide, its answer and explanation on the next: nothing given away before."""
    items = deck.evidence.quiz
    for number, item in enumerate(items, 1):
        letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[item.answer - 1]
        notes = deck.say("notes/quiz", number=number, count=len(items), letter=letter,
                         answer=deck.plain(item.options[item.answer - 1]), explanation=deck.plain(item.explanation),
                         question=deck.plain(item.question))
        paragraphs = [para(item.question, deck.numbers, bold=True, space_before=0)]
        paragraphs += [para(o, deck.numbers, bullet="A.", number=i, space_before=0.6)
                       for i, o in enumerate(item.options, 1)]
        deck.text_slides("quiz", "content", deck.say("titles/quiz", number=number, count=len(items)), paragraphs,
                         deck.say("notes/quiz_ask", number=number, count=len(items), question=deck.plain(item.question)),
                         largest=28, smallest=20)
        answer = [para(item.question, deck.numbers, space_before=0, colour=deck.colors["muted"])]
        answer += [para(o, deck.numbers, bullet="A.", number=i, space_before=0.4, bold=i == item.answer,
                        colour=None if i == item.answer else deck.colors["muted"])
                   for i, o in enumerate(item.options, 1)]
        answer.append(para(item.explanation, deck.numbers, space_before=0.8))
        deck.text_slides("quiz", "content", deck.say("titles/quiz_answer", number=number, count=len(items),
                                                     letter=letter, answer=deck.plain(item.options[item.answer - 1])),
                         answer, notes, largest=24, smallest=20)


def short_reference(ref) -> str:
    """First author, journal (or publisher) and year: what a slide can show at a readable size; the full
    entry, from the one reference formatter, is in the notes."""
    first = ref.authors[0]
    authors = first + (" et al" if len(ref.authors) > 1 and not first.endswith("et al") else "")
    venue = ref.journal or getattr(ref, "publisher", None)
    venue = venue if venue and venue not in ref.authors else ""
    where = " ".join(str(part) for part in (venue, ref.year) if part)
    return f"{authors}. {where}." if where else f"{authors}."


def references(deck: "Deck") -> None:
    numbered = numbered_references(deck.report, deck.template.citation_style)  # the PDF's list too
    # Each short entry opens the source: the first link (DOI, PMID, PMCID or address) the formatter gives it.
    paragraphs = [Para(plain_spans(short_reference(r), link=next((p.link for p in pieces if p.link), None)),
                       bullet="1.", number=deck.numbers[r.id], space_before=0.2) for r, pieces in numbered]
    title = deck.say("titles/references")
    full = [f"[{deck.numbers[r.id]}] " + markup.clean("".join(p.text for p in pieces)) for r, pieces in numbered]
    deck.text_slides("references", "content", title, paragraphs,
                     lambda i, n: deck.say("notes/references", count=len(numbered), page=i + 1, pages=n, full=full),
                     largest=22, smallest=18)


def closing(deck: "Deck") -> None:
    meta = deck.evidence.meta
    date = formatting.long_date(meta.date)
    lines = deck.say("closing_subtitle", date=date).splitlines()
    cover(deck, "closing", deck.say("titles/closing"), lines, deck.say("notes/closing", date=date))


def local(deck: "Deck", name: str) -> None:
    """An institution's own slide: wording/deck/local/<name>.j2, first line the title, then paragraphs."""
    key = f"local/{name}"
    if not deck.has(key):
        raise TemplateError(
            f"deck slide '{name}' is not a built-in slide and the template has no wording/deck/local/{name}.j2; "
            "built-in slides: " + ", ".join(sorted(BUILT_IN)))
    text = deck.say(key)
    lines = text.splitlines()
    title = lines[0].strip() if lines else name
    paragraphs: list[Para] = []
    block: list[str] = []

    def flush() -> None:
        if block:
            paragraphs.append(para(" ".join(block), deck.numbers, space_before=0.5))
            block.clear()

    for line in lines[1:]:
        stripped = line.strip()
        if not stripped:
            flush()
        elif stripped.startswith("- "):
            flush()
            paragraphs.append(para(stripped[2:], deck.numbers, bullet="•", space_before=0.4))
        else:
            block.append(stripped)
    flush()
    notes_key = f"local/{name}.notes"
    notes = deck.say(notes_key) if deck.has(notes_key) else deck.say("notes/local", name=name, title=title)
    if not paragraphs:
        handle = deck.new_slide(name, "title_only", title)
        deck.finish(handle, notes)
        return
    deck.text_slides(name, "content", title, paragraphs, notes)


BUILT_IN: dict = {}

#: The (kind, layout kind) pairs each deck.slides entry builds slides with: what `templates --show` lists (a test
#: builds decks and checks every slide against it). The pivotal trial's slides are "studies" slides and its forest
#: plot a "forest" slide; a local slide is text ("content") or, without text, "title_only".
LAYOUTS_USED = {
    "title": (("title", "title"),), "objectives": (("objectives", "content"),),
    "question": (("question", "two_content"), ("question", "content")), "background": (("background", "content"),),
    "mechanism": (("mechanism", "title_only"),), "pivotal": (("studies", "title_only"), ("forest", "title_only")),
    "supporting": (("studies", "title_only"),),
    "studies": (("studies", "title_only"), ("forest", "title_only")),
    "cross_study": (("cross_study", "title_only"),), "forest": (("forest", "title_only"),),
    "safety": (("safety", "title_only"),), "dosing": (("dosing", "title_only"),),
    "regulatory": (("regulatory", "title_only"),), "appraisal": (("appraisal", "title_only"),),
    "bottom_line": (("bottom_line", "title_only"),), "discussion": (("discussion", "content"),),
    "quiz": (("quiz", "content"),), "references": (("references", "content"),), "closing": (("closing", "closing"),),
}


def layouts_used(slide: str) -> tuple[tuple[str, str], ...]:
    """The (kind, layout kind) pairs of a deck.slides entry, a local slide's included."""
    return LAYOUTS_USED.get(slide, ((slide, "content"), (slide, "title_only")))


def layout_plan(template) -> list[tuple[str, str, str | None, str]]:
    """(deck.slides entry, layout kind, layout name or None, where it is) for every layout each slide of the deck
    will be built on, in deck order: what `build-report templates --show` prints."""
    from report_builder.builders.pptx.package import layout_name, master_name, open_master

    prs = open_master(template.deck_master)
    where: dict[str, str] = {}
    for master in prs.slide_masters:
        for layout in master.slide_layouts:
            where.setdefault(layout.name, master_name(prs, master))
    plan = []
    for slide in template.deck_slides:
        for kind, role in layouts_used(slide):
            name = layout_name(template.deck_layouts, slide, kind, role)
            found = where.get(name, f"not in {template.deck_master.name}") if name else "not mapped"
            plan.append((slide, role, name, found))
    return list(dict.fromkeys(plan))


def register() -> dict:
    from report_builder.builders.pptx import studies

    BUILT_IN.update({
        "title": title_slide, "objectives": objectives, "question": question, "background": background,
        "mechanism": mechanism, "studies": studies.studies, "cross_study": studies.cross_study,
        "pivotal": studies.pivotal, "supporting": studies.supporting,
        "forest": studies.forest, "safety": studies.safety, "dosing": dosing, "regulatory": regulatory,
        "appraisal": appraisal, "bottom_line": bottom_line, "discussion": discussion, "quiz": quiz,
        "references": references, "closing": closing,
    })
    return BUILT_IN
