"""The trial sections of the PDF: Summary of Findings, one section per study, the cross-study comparison, safety."""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from reportlab.platypus import CondPageBreak, Spacer, TableStyle

from report_builder.analysis import formatting as fmt
from report_builder.analysis.cohorts import repeats, same_patients, shown_once
from report_builder.builders.pdf.context import Context, Footnotes, escape
from report_builder.builders.pdf.style import Para, SplitTable, TableWithNotes, callout, heading, table
from report_builder.analysis.arms import arm_keys, arm_label, ordered_arms, single_arm
from report_builder.inputs.evidence_schema import POOLED, BinaryOutcome, Study, TimeToEventOutcome
from report_builder.analysis.report import ae_key, all_in_base_key

if TYPE_CHECKING:
    from report_builder.analysis.arms import Comparison
    from report_builder.inputs.evidence_schema import AdverseEvent, BinaryArmResult, Landmark, OutcomeBase
    from report_builder.analysis.report import BinaryEffect

#: GRADE's certainty marks. The open mark is U+25CB, which DejaVu draws about the size of ⊕; U+25EF (◯), also
#: seen in GRADE tables, is a "large circle" half as tall again, which made "⊕⊕◯◯" look uneven.
GRADE_SYMBOLS = {"high": "⊕⊕⊕⊕", "moderate": "⊕⊕⊕○", "low": "⊕⊕○○", "very low": "⊕○○○"}
NONE = "—"  # an empty cell that reads as deliberate, not as missing data


# ------------------------------------------------------------------------------------------ cells
def small(ctx: Context, markup_text: str) -> str:
    return f'<font size="7" color="{ctx.theme.colors["muted"]}">{markup_text}</font>'


def lines(*parts: str) -> str:
    return "<br/>".join(p for p in parts if p)


def nb(text: str) -> str:
    """Escaped plain text whose words never part: a CI wraps as a whole, not after "95%"."""
    return escape(text).replace(" ", "\u00a0")


def phrases(*parts: str, sep: str = " ") -> str:
    """Parts that share a line in a wide column and wrap between (never inside) them in a narrow one."""
    return sep.join(p for p in parts if p)


def binary_arm(ctx: Context, study: Study, key: str, arm: str, result: "BinaryArmResult | None",
               exact: bool = True, inline: bool = False, notes: "Footnotes | None" = None, name: str = "") -> str:
    """n/N (%) as published and one interval: the reported CI, else the exact CI derived from the counts.

    With both, the exact CI goes to one footnote of the table (under `name`, markup) when it differs
    from the reported one at the reported precision. Inline (one flowing line) in a wide single-arm
    column; one figure per line in narrow columns, so that arms side by side line up.
    """
    if result is None or not result.reported:
        return missing(ctx, result)
    out = [nb(fmt.binary_result(result, with_ci=False))]
    proportion = ctx.report.proportion(study, key, arm) if exact else None
    if result.ci:
        out.append(small(ctx, nb(fmt.reported_ci(result.ci, result.ci_level))))
        if proportion is not None and notes is not None and _differs(result.ci, proportion):
            label = f"{name}, {escape(arm_label(study, arm, ctx.labels['pooled']))}" if name else \
                escape(arm_label(study, arm, ctx.labels["pooled"]))
            out[-1] += notes.collect("exact", ctx.words("footnotes/exact_differs_lead"),
                                     f"{label} {nb(fmt.exact_ci(proportion))}")
    elif proportion is not None:
        out.append(small(ctx, labelled(ctx.labels["exact"], fmt.exact_ci(proportion))))
    return phrases(*out) if inline else lines(*out)


def _differs(ci, proportion) -> bool:
    """Whether the exact CI, rounded as the reported CI is written, gives other bounds."""
    for reported, derived in zip(ci, (proportion.low, proportion.high)):
        places = len(reported.text.partition(".")[2])
        if f"{100 * derived:.{places}f}" != f"{float(reported.text):.{places}f}":
            return True
    return False


def missing(ctx: Context, result) -> str:
    """An arm's figure the file does not hold ("not in this summary") or the source did not report."""
    return small(ctx, escape(ctx.labels["not_in_summary" if result is None else "not_reported"]))


def conditional_arm(ctx: Context, study: Study, outcome: BinaryOutcome, arm: str, compact: bool = False) -> str | None:
    """Randomized first: the reported events over all the base outcome analysed, then the responder-only figure
    (compact: the responder-only figure is left to the table's footnote, see responders_only).

    None when the base outcome gives no denominator for this arm.
    """
    derived = ctx.report.proportion(study, all_in_base_key(outcome.id), arm)
    result = outcome.arms.get(arm)
    base = next(o for o in study.outcomes if o.id == outcome.conditional_on)
    if derived is None or result is None:
        return None
    head = nb(f"{derived.events}/{derived.total} ({derived.percent:.1f}%)")
    if compact:
        return lines(head, small(ctx, labelled(ctx.labels["exact"], fmt.exact_ci(derived))))
    return lines(head, small(ctx, escape(ctx.text("phrases/all_in_base", base=base))),
                 small(ctx, labelled(ctx.labels["exact"], fmt.exact_ci(derived))),
                 small(ctx, nb(fmt.binary_result(result, with_ci=False)) + " " +
                       escape(ctx.text("phrases/responders_only", base=base))))


def responders_only(ctx: Context, study: Study, outcome: BinaryOutcome, arms: tuple[str, ...]) -> str:
    """"InO 69/88 (78.4%), SoC 9/32 (28.1%)" (plain text for wording): a conditional outcome's figures as
    reported, among responders."""
    return ", ".join(f"{arm_label(study, a, ctx.labels['pooled'])} {fmt.binary_result(outcome.arms[a], with_ci=False)}"
                     for a in arms if a in outcome.arms)


def labelled(label: str, value: str) -> str:
    """"exact 95% CI 72.5–87.6": may break after the label and before the bounds, never inside them (a narrow
    column once split "53.5" / "–72.3")."""
    level, _, bounds = value.rpartition(" ")
    return f"{escape(label)} {nb(level)} {nb(bounds)}" if level else f"{escape(label)} {nb(value)}"


def landmark(lm: "Landmark", unit: str) -> str:
    text = nb(f"{lm.label or fmt.number(lm.time) + ' ' + unit}: {fmt.number(lm.percent)}%")
    return phrases(text, nb(f"({fmt.reported_ci(lm.ci, lm.ci_level)})") if lm.ci else "")


def tte_arm(ctx: Context, outcome: TimeToEventOutcome, arm: str, inline: bool = False, landmarks: bool = True) -> str:
    result = outcome.arms.get(arm)
    if result is None or not result.reported:
        return missing(ctx, result)
    if result.median is not None:
        out = [f"{escape(ctx.labels['median'])} {nb(fmt.number(result.median) + ' ' + outcome.unit)}"]
        if result.ci:
            out.append(small(ctx, nb(fmt.reported_ci(result.ci, result.ci_level))))
    else:
        out = [nb(fmt.median(result, outcome.unit))]
    if landmarks:
        out += [small(ctx, landmark(lm, outcome.unit)) for lm in result.landmarks]
    return phrases(*out) if inline else lines(*out)


def p_text(ctx: Context, study: Study, outcome: "OutcomeBase", notes: "Footnotes | None" = None) -> str:
    """The reported P with its sidedness, whether it crossed a prespecified boundary (with the boundary's
    sidedness), and the analysis status of a result after the prespecified analysis. A P whose sidedness the
    file does not hold says so: in a footnote of a table (notes), else in words."""
    parts = []
    if outcome.p is not None:
        text = escape(fmt.outcome_p(outcome))
        if outcome.p_sided is None:
            text += notes.mark(ctx.words("footnotes/unsided")) if notes is not None \
                else f" ({ctx.words('phrases/unsided')})"
        if outcome.p_boundary is not None:
            crossed = ctx.report.crossed_boundary(study, outcome.id)
            text += "; " + ctx.words("phrases/boundary", crossed=crossed, boundary=fmt.boundary(outcome),
                                     p=fmt.outcome_p(outcome))
        parts.append(text)
    return "; ".join(parts + [analysis_text(ctx, outcome)] if outcome.analysis else parts)


def analysis_text(ctx: Context, outcome: "OutcomeBase") -> str:
    return f"<b>{ctx.words('phrases/analysis', analysis=outcome.analysis)}</b>"


def risk_ratio(effect: "BinaryEffect") -> str:
    s = effect.stats
    text = f"RR {fmt.ratio(s.risk_ratio)}"
    ci = fmt.ratio_ci(s.rr_low, s.rr_high, s.level)
    return escape(f"{text} ({ci})" if ci else text)


def risk_difference(ctx: Context, effect: "BinaryEffect") -> str:
    s = effect.stats
    return ctx.words("phrases/risk_difference", rd=fmt.percentage_points(float(s.risk_difference)),
                     level=f"{100 * s.level:g}% CI", low=fmt.percentage_points(s.rd_low),
                     high=fmt.percentage_points(s.rd_high))


def number_needed(ctx: Context, study: Study, effect: "BinaryEffect", notes: Footnotes, name: str,
                  unrounded: bool = True) -> str:
    """"NNT 2 (95% CI 2 to 3)", rounded up; the unrounded 1/RD goes to one footnote shared by the table,
    under `name` (markup: the outcome or event), with the comparison when the study has several
    (not on page 1, whose general note says NNTs are rounded up)."""
    values = fmt.number_needed_values(effect.nnt, effect.number_needed_label, effect.stats.level)
    text = ctx.words("phrases/number_needed", **values)
    # Bold draws the eye: only to a number needed whose interval excludes no difference ("NNH 33 (95% CI NNTB
    # 1077 to ∞ to NNTH 15)" is noise, set plainly).
    shown = f"<b>{text}</b>" if values["value"] is not None and not values["crosses"] else text
    if values["value"] is None or not unrounded:
        return shown
    if len(ctx.report.comparisons(study)) > 1:
        name = f"{name}, {versus(ctx, effect.comparison)}"
    return shown + notes.collect("unrounded", ctx.words("footnotes/number_needed_lead"),
                                            f"{name}: {ctx.words('footnotes/number_needed', **values)}")


def risk_ratio_marked(ctx: Context, effect: "BinaryEffect", notes: Footnotes) -> str:
    """The RR, footnoted where 0.5 was added to every cell."""
    rr = risk_ratio(effect)
    if effect.stats.continuity_corrected:
        rr += notes.mark(ctx.words("footnotes/continuity"))
    return rr


def cell(ctx: Context, markup_text: str, bold: bool = False) -> Para:
    return Para(markup_text, ctx.styles.cell_bold if bold else ctx.styles.cell)


def header(ctx: Context, *labels: str) -> list[Para]:
    return [Para(text, ctx.styles.header_cell) for text in labels]


def widths(ctx: Context, *fractions: float) -> list[float]:
    total = sum(fractions)
    return [ctx.width * f / total for f in fractions]


def outcome_notes(ctx: Context, study_index: int, outcome: "OutcomeBase", notes: Footnotes,
                  with_note: bool, with_population: bool = False) -> str:
    """Footnote marks for what the reader must know about an outcome's figures."""
    texts = []
    if with_note and outcome.definition:
        texts.append(ctx.md(outcome.definition))
    if with_population and outcome.population:  # the same population shares one note
        texts.append(ctx.words("footnotes/population", population=outcome.population))
    if outcome.source_note:
        texts.append(ctx.words("footnotes/source_note", note=confirmation(ctx, outcome)))
    if with_note and outcome.note:
        texts.append(ctx.md(outcome.note))
    study = ctx.evidence.studies[study_index]
    if with_note:
        texts += arm_notes(ctx, study, outcome.arms)
    index = next(k for k, o in enumerate(study.outcomes) if o is outcome)
    texts += [ctx.waiver_text(w) for w in ctx.report.waivers_under(f"studies[{study_index}].outcomes[{index}]")]
    return notes.marks(texts)


def confirmation(ctx: Context, item) -> str:
    """The source note, headed "not confirmed:" when the figures could not be checked against the source."""
    return item.source_note if item.confirmed else f"{ctx.label('not_confirmed')}: {item.source_note}"


def arm_notes(ctx: Context, study: Study, results: dict) -> list[str]:
    """Each arm's own note, named by its arm."""
    return [f"{escape(arm_label(study, key, ctx.labels['pooled']))}: {ctx.md(result.note)}"
            for key, result in results.items() if result.note]


def binary_gaps(ctx: Context, study: Study, outcome: BinaryOutcome, arms: list[str], notes: Footnotes) -> str:
    """Why a binary outcome has no derived comparison: conditional on response, or percentages only."""
    if outcome.conditional_on:
        base = next((o for o in study.outcomes if o.id == outcome.conditional_on), None)
        if base is not None:
            return notes.mark(ctx.words("footnotes/conditional", base=base))
    if any(outcome.arms[a].events is None for a in arms if a in outcome.arms):
        return notes.mark(ctx.words("footnotes/reported_only"))
    return ""


# ------------------------------------------------------------------------------------------ SoF
def summary_of_findings(ctx: Context, key: str, title: str) -> list[Any]:
    """GRADE-style table of the randomized comparisons' outcomes marked in_summary: a row per comparison."""
    out: list[Any] = [heading(ctx.md(title), title, key, 0, ctx.styles.h1)]
    studies = [(i, s) for i, s in enumerate(ctx.evidence.studies) if summarised(ctx, s)]
    items = [(i, s, o, c) for i, s in studies for o in s.outcomes if o.in_summary for c in ctx.report.comparisons(s)]
    if not items:
        return out + (single_arm_findings(ctx) or [ctx.para(ctx.words("sof/none"))])
    pairs = {(c.experimental.short_name, c.reference.short_name) for _, s, _, c in items}
    arm_labels = next(iter(pairs)) if len(pairs) == 1 else (ctx.labels["intervention"], ctx.labels["comparison"])
    notes = Footnotes(ctx)
    rows: list[list[Any]] = [header(ctx, ctx.label("outcome"), escape(arm_labels[0]), escape(arm_labels[1]),
                                    ctx.label("relative_effect"), ctx.label("absolute_effect"),
                                    ctx.label("participants"), ctx.label("certainty"))]
    for i, study, outcome, comparison in items:
        exp, ref = comparison.arm_ids
        arm_n = {a.id: a.n for a in study.arms}
        # Page 1 stays short: the definition and population of each outcome go to its footnote.
        name = f"<b>{ctx.md(outcome.name)}</b> {ctx.cite([outcome.source])}"
        name += outcome_notes(ctx, i, outcome, notes, with_note=True, with_population=True)
        if len(pairs) > 1:  # the header cannot name the arms: each row does
            name = phrases(name, small(ctx, versus(ctx, comparison)))
        if isinstance(outcome, BinaryOutcome):
            per_arm = [binary_arm(ctx, study, outcome.id, a, outcome.arms.get(a), notes=notes,
                                  name=ctx.md(outcome.name)) for a in (exp, ref)]
            effect = ctx.report.effect(study, outcome.id, exp)
            derived = ctx.report.effect(study, all_in_base_key(outcome.id), exp) if outcome.conditional_on else None
            if derived is not None:
                per_arm = [conditional_arm(ctx, study, outcome, a, compact=True) or per_arm[k]
                           for k, a in enumerate((exp, ref))]
                base = next(o for o in study.outcomes if o.id == outcome.conditional_on)
                per_arm[0] += notes.mark(ctx.words("footnotes/all_in_base_compact", outcome=outcome, base=base,
                                                   randomized=study.randomized,
                                                   responders=responders_only(ctx, study, outcome, (exp, ref))))
                effect = derived
            if effect is not None:
                p = p_text(ctx, study, outcome, notes)
                if derived is not None and p:  # the reported P compares the responders, not the derived rates
                    p += " " + escape(ctx.text("phrases/responders_only", base=base))
                relative = lines(risk_ratio_marked(ctx, effect, notes), small(ctx, p))
                absolute = phrases(risk_difference(ctx, effect),
                                   number_needed(ctx, study, effect, notes, ctx.md(outcome.name), unrounded=False),
                                   sep=" · ")
            else:
                relative = lines(NONE + binary_gaps(ctx, study, outcome, [exp, ref], notes),
                                 small(ctx, p_text(ctx, study, outcome, notes)))
                absolute = NONE
            totals = [outcome.arms[a].total if a in outcome.arms else None for a in (exp, ref)]
            if derived is not None:
                totals = [derived.stats.experimental.total, derived.stats.reference.total]
            participants = sum(totals) if all(t is not None for t in totals) else _sum(arm_n[exp], arm_n[ref])
        else:
            per_arm = [tte_arm(ctx, outcome, a) for a in (exp, ref)]
            hr = hazard_ratio_of(ctx, study, outcome, comparison)
            # The P value goes with the hazard ratio it was reported with; without one it is the outcome's.
            p = p_text(ctx, study, outcome, notes) if hr is not None or outcome.hazard_ratio is None else ""
            relative = lines(escape(fmt.hazard_ratio(hr)) if hr else NONE, small(ctx, p))
            absolute = NONE
            participants = _sum(arm_n[exp], arm_n[ref])
        count = ctx.text("sof/participants", participants=participants if participants is not None else NONE,
                         studies=1)
        rows.append([cell(ctx, name), cell(ctx, per_arm[0]), cell(ctx, per_arm[1]), cell(ctx, relative),
                     cell(ctx, absolute), cell(ctx, participants_cell(count)), cell(ctx, certainty(ctx, outcome, notes))])
    rows += harm_rows(ctx, studies, notes, several=len(pairs) > 1)
    t = table(rows, widths(ctx, 16.5, 14, 14, 19.5, 16, 9, 11), ctx.theme, ctx.fonts)
    tail = [ctx.para(ctx.words("footnotes/exact"), ctx.styles.footnote)]
    last = spelled_out(ctx, arm_labels if len(pairs) == 1 else ())
    return out + [TableWithNotes([t, Spacer(1, 3), *notes.flowables(tail=tail, last=last)])]


def spelled_out(ctx: Context, labels: Iterable[str]) -> list[Any]:
    """The arm names a Summary of findings' header shows ("InO", "SoC"), spelled out from the file's
    abbreviations under its notes: page 1 uses them long before the appendix's Abbreviations section."""
    arms = [{"label": label, "meaning": ctx.evidence.abbreviations[label]}
            for label in labels if label in ctx.evidence.abbreviations]
    return [ctx.para(ctx.words("footnotes/arm_abbreviations", arms=arms), ctx.styles.footnote)] if arms else []


def single_arm_findings(ctx: Context) -> list[Any]:
    """Without a randomized comparison: each single-arm study's outcomes and harms marked in_summary, as the
    arm's own result (its counts, interval and P), set against nothing; [] when there are none."""
    rows: list[list[Any]] = []
    notes = Footnotes(ctx)
    found = [(i, s, single_arm(s)) for i, s in enumerate(ctx.evidence.studies) if single_arm(s) is not None]
    for i, study, arm in found:
        named = escape(f"{study.short_name}, {arm.short_name}") if len(found) > 1 else ""
        for outcome in study.outcomes:
            if not outcome.in_summary or arm.id not in outcome.arms:
                continue
            name = phrases(f"<b>{ctx.md(outcome.name)}</b> {ctx.cite([outcome.source])}"
                           + outcome_notes(ctx, i, outcome, notes, with_note=True, with_population=True),
                           small(ctx, named))
            if isinstance(outcome, BinaryOutcome):
                # Randomized or not, an outcome among responders is first shown over everyone analysed.
                result = (conditional_arm(ctx, study, outcome, arm.id, compact=True) if outcome.conditional_on
                          else None) or binary_arm(ctx, study, outcome.id, arm.id, outcome.arms[arm.id], notes=notes,
                                                   name=ctx.md(outcome.name))
            else:
                result = tte_arm(ctx, outcome, arm.id)
            rows.append([cell(ctx, name), cell(ctx, lines(result, small(ctx, p_text(ctx, study, outcome, notes)))),
                         cell(ctx, certainty(ctx, outcome, notes))])
        for k, event in enumerate(study.adverse_events):
            if not event.in_summary or arm.id not in event.arms:
                continue
            # A single arm's harm has no comparison to share its population with: it is said in a footnote.
            name = phrases(harm_name(ctx, event, notes, with_population=True), small(ctx, named))
            result = binary_arm(ctx, study, ae_key(k), arm.id, event.arms[arm.id], notes=notes, name=ctx.md(event.term))
            rows.append([cell(ctx, name), cell(ctx, result), cell(ctx, small(ctx, ctx.label("not_rated")))])
    if not rows:
        return []
    arm_label_text = escape(found[0][2].short_name) if len(found) == 1 else ctx.label("intervention")
    t = table([header(ctx, ctx.label("outcome"), arm_label_text, ctx.label("certainty")), *rows],
              widths(ctx, 50, 32, 18), ctx.theme, ctx.fonts)
    tail = [ctx.para(ctx.words("footnotes/exact_single_arm"), ctx.styles.footnote)]
    last = spelled_out(ctx, [found[0][2].short_name] if len(found) == 1 else [])
    return [ctx.para(ctx.words("sof/single_arm")),
            TableWithNotes([t, Spacer(1, 3), *notes.flowables(tail=tail, last=last)])]


def participants_cell(count: str) -> str:
    """"218 (1 RCT)" that wraps before the parenthesis, never inside it, in its narrow column."""
    head, sep, rest = count.partition(" (")
    return escape(head) + (" " + nb("(" + rest) if sep else "")


def harm_rows(ctx: Context, studies: list[tuple[int, Study]], notes: Footnotes, several: bool) -> list[list[Any]]:
    """The Summary of findings' rows for the adverse events marked in_summary: the key harms beside the benefits."""
    rows: list[list[Any]] = []
    for i, study in studies:
        for k, event in enumerate(study.adverse_events):
            if not event.in_summary:
                continue
            for comparison in ctx.report.comparisons(study):
                exp, ref = comparison.arm_ids
                name = harm_name(ctx, event, notes)
                if several:
                    name = phrases(name, small(ctx, versus(ctx, comparison)))
                per_arm = [binary_arm(ctx, study, ae_key(k), a, event.arms.get(a), notes=notes,
                                      name=ctx.md(event.term)) for a in (exp, ref)]
                effect = ctx.report.effect(study, ae_key(k), exp)
                relative = risk_ratio_marked(ctx, effect, notes) if effect else NONE
                absolute = phrases(risk_difference(ctx, effect),
                                   number_needed(ctx, study, effect, notes, ctx.md(event.term), unrounded=False),
                                   sep=" · ") if effect else NONE
                totals = [event.arms[a].total if a in event.arms else None for a in (exp, ref)]
                participants = _sum(*totals)
                count = ctx.text("sof/participants", participants=participants if participants is not None else NONE,
                                 studies=1)
                rows.append([cell(ctx, name), cell(ctx, per_arm[0]), cell(ctx, per_arm[1]), cell(ctx, relative),
                             cell(ctx, absolute), cell(ctx, participants_cell(count)),
                             cell(ctx, small(ctx, ctx.label("not_rated")))])
    return rows


def harm_name(ctx: Context, event: "AdverseEvent", notes: Footnotes, with_population: bool = False) -> str:
    """"Harm: VOD/SOS, any grade [2]" with its footnote marks, as the Summary of findings names a key harm."""
    marks = [ctx.words("footnotes/population", population=event.population)] \
        if with_population and event.population else []
    marks += [ctx.words("footnotes/source_note", note=event.source_note)] if event.source_note else []
    marks += [ctx.md(event.note)] if event.note else []
    return (f'<font color="{ctx.theme.colors["warning"]}"><b>{ctx.label("key_harm")}:</b></font> '
            f"<b>{ctx.md(event.term)}</b>, {escape(fmt.grade(event.grade))} {ctx.cite([event.source])}"
            f"{notes.marks(marks)}")


def summarised(ctx: Context, study: Study) -> bool:
    """A randomized study whose comparisons take in every arm: the Summary of Findings can hold its results."""
    return ctx.report.in_summary_of_findings(study)


def versus(ctx: Context, comparison: "Comparison") -> str:
    return ctx.words("phrases/comparison", experimental=comparison.experimental.short_name,
                     reference=comparison.reference.short_name)


def hazard_ratio_of(ctx: Context, study: Study, outcome: TimeToEventOutcome, comparison: "Comparison"):
    """The outcome's reported hazard ratio if it compares these two arms (in either direction), else None."""
    compared = ctx.report.ratio_comparison(study, outcome.id)
    if compared is None or set(compared.arm_ids) != set(comparison.arm_ids):
        return None
    return outcome.hazard_ratio


def _sum(*values: int | None) -> int | None:
    return None if any(v is None for v in values) else sum(values)  # type: ignore[arg-type]


def certainty(ctx: Context, outcome: "OutcomeBase", notes: Footnotes) -> str:
    """The GRADE symbols and level; the reasons for rating down are footnotes, as in GRADE's own tables."""
    if outcome.certainty is None:
        return small(ctx, ctx.label("not_rated"))
    level = outcome.certainty.level
    reasons = notes.mark(ctx.words("footnotes/certainty", reasons=list(outcome.certainty.reasons),
                                   outcome=outcome)) if outcome.certainty.reasons else ""
    return lines(GRADE_SYMBOLS[level], f'<b>{ctx.label("certainty_" + level.replace(" ", "_"))}</b>{reasons}')


# ------------------------------------------------------------------------------------------ studies
def studies(ctx: Context, key: str, title: str) -> list[Any]:
    """One block per study; a block never starts in the last quarter of a page (its heading and design
    would sit apart from its results)."""
    quarter = CondPageBreak(ctx.frame_height / 4)
    out: list[Any] = [quarter, heading(ctx.md(title), title, key, 0, ctx.styles.h1)]
    for index, study in enumerate(ctx.evidence.studies):
        if index:
            out.append(CondPageBreak(ctx.frame_height / 4))
        out += study_section(ctx, index, study)
    return out


def study_section(ctx: Context, index: int, study: Study) -> list[Any]:
    st = ctx.styles
    title = ctx.text("titles/study", study=study)
    out: list[Any] = [heading(ctx.md(title), title, f"study-{study.id}", 1, st.h2)]
    facts = ctx.words("studies/facts", study=study, labels=ctx.labels)
    if study.registry:
        url = f"https://clinicaltrials.gov/study/{study.registry}" if study.registry.startswith("NCT") else None
        registry = ctx.link(url, study.registry) if url else escape(study.registry)
        facts += f" · <b>{ctx.label('registry')}:</b> {registry}"
    facts += f" · <b>{ctx.label('sources')}:</b> {ctx.cite(study.sources)}"
    out.append(ctx.para(facts, st.body_tight))
    out.append(ctx.para(f"<b>{ctx.label('population')}:</b> {ctx.md(study.population)}"))
    if study.follow_up:
        out.append(ctx.para(f"<b>{ctx.label('follow_up')}:</b> {follow_up_text(ctx, study.follow_up)}"))
    out += arms_lines(ctx, study)
    out += [ctx.para(text) for text in extends_texts(ctx, study)]
    if study.cohorts:
        cohorts = "; ".join(f"{ctx.md(c.name)} (n={c.n}{', ' + ctx.md(c.dose) if c.dose else ''})"
                            for c in study.cohorts)
        out.append(ctx.para(f"<b>{ctx.label('cohorts')}:</b> {cohorts}"))
    charts = [c for c in ctx.charts if c.study_id == study.id]
    flow_charts = [c for c in charts if c.kind == "flow"]
    if flow_charts:
        out += ctx.figures(flow_charts)  # the diagram carries the same counts as the table would
    elif study.flow:
        out += flow_table(ctx, study)
    out += results_table(ctx, index, study)
    out += points(ctx, study)
    placed_elsewhere = {"adverse_events"} if "safety" in ctx.template.pdf_sections else set()
    if "forest" in ctx.template.pdf_sections:
        placed_elsewhere.add("forest")
    # Each chart appears once: a study's adverse-event charts go with the safety section when there is
    # one, its forest plot with the forest section.
    charts = [c for c in charts if c.kind not in placed_elsewhere | {"flow"}]
    out += ctx.figures(sorted(charts, key=lambda c: _CHART_ORDER.get(c.kind, 9)))
    return out


_CHART_ORDER = {"flow": 0, "forest": 1, "time_to_event": 2, "adverse_events": 3}


def arms_lines(ctx: Context, study: Study) -> list[Any]:
    """One line per arm: short name, size, full name and regimen (a table header would cost more than it says)."""
    out = []
    for arm in ordered_arms(study):
        size = f" (n={arm.n})" if arm.n is not None else ""
        text = f"<b>{ctx.md(arm.short_name)}</b>{size}: {ctx.md(arm.name)}"
        if arm.regimen:
            text += f"; {ctx.md(arm.regimen)}"
        if arm.follow_up:
            text += f"; {ctx.label('follow_up').lower()} {follow_up_text(ctx, arm.follow_up)}"
        out.append(Para(text, ctx.styles.bullet, bulletText="•"))
    return out


def follow_up_text(ctx: Context, items) -> str:
    """"16.4 months [1]; 7.1 months (responders) [2]": each median follow-up with its note and source."""
    return "; ".join(escape(fmt.follow_up(f)) + (f", {ctx.md(f.note)}" if f.note else "") + f" {ctx.cite([f.source])}"
                     for f in items)


def extends_texts(ctx: Context, study: Study) -> list[str]:
    """"Same patients: ..." for a study, or each arm, that follows another study's participants longer."""
    return [ctx.words("studies/extends", arm=same.arm, original=same.original, original_arm=same.original_arm,
                      note=same.extends.note or "") for same in same_patients(ctx.evidence, study)]


def flow_table(ctx: Context, study: Study) -> list[Any]:
    arms = _arm_columns(ctx, study, [dict(s.counts) for s in study.flow])
    rows: list[list[Any]] = [header(ctx, ctx.label("flow"), *(escape(label) for _, label in arms),
                                    ctx.label("source"))]
    for stage in study.flow:
        note = f"<br/>{small(ctx, ctx.md(stage.note))}" if stage.note else ""
        rows.append([cell(ctx, ctx.md(stage.stage) + note),
                     *(cell(ctx, str(stage.counts[a]) if a in stage.counts else NONE) for a, _ in arms),
                     cell(ctx, ctx.cite([stage.source]))])
    fractions = [52] + [36 / len(arms)] * len(arms) + [12]
    return [table(rows, widths(ctx, *fractions), ctx.theme, ctx.fonts), Spacer(1, 5)]


def _arm_columns(ctx: Context, study: Study, dicts: list[dict]) -> list[tuple[str, str]]:
    """The study's arms that appear in any of the results, in arm order, then the pooled column."""
    used = {k for d in dicts for k in d}
    return [(k, arm_label(study, k, ctx.labels["pooled"])) for k in arm_keys(study, used)]


def in_summary_table(ctx: Context, study: Study, outcome: "OutcomeBase") -> bool:
    """Whether the Summary of Findings prints this outcome (then the study table need not repeat it)."""
    return "summary_of_findings" in ctx.template.pdf_sections and outcome.in_summary and summarised(ctx, study)


def results_table(ctx: Context, index: int, study: Study) -> list[Any]:
    shown = [o for o in study.outcomes if not in_summary_table(ctx, study, o)]
    elsewhere = [o for o in study.outcomes if o not in shown]
    out: list[Any] = []
    if elsewhere:
        out.append(ctx.para(ctx.words("studies/in_summary", outcomes=[o.name for o in elsewhere]), ctx.styles.small))
    if not shown:
        return out
    arms = _arm_columns(ctx, study, [dict(o.arms) for o in shown])
    notes = Footnotes(ctx)
    # A single arm's last column holds its P value (against a prespecified rate) and its analysis status:
    # it is not headed "Comparison".
    last = ctx.label("single_arm_test" if single_arm(study) else "comparison")
    rows: list[list[Any]] = [header(ctx, ctx.label("outcome"), *(escape(label) for _, label in arms), last)]
    comparisons: list[str] = []
    for outcome in shown:
        name = f"<b>{ctx.md(outcome.name)}</b> {ctx.cite([outcome.source])}"
        name += outcome_notes(ctx, index, outcome, notes, with_note=True)
        extra = []
        if outcome.primary:
            extra.append(ctx.label("primary"))
        if outcome.analysis:
            extra.append(ctx.words("phrases/analysis", analysis=outcome.analysis))
        if outcome.population:
            extra.append(ctx.md(outcome.population))
        name = phrases(name, small(ctx, "; ".join(extra)) if extra else "")
        if isinstance(outcome, BinaryOutcome):
            per_arm = [binary_arm(ctx, study, outcome.id, a, outcome.arms.get(a), inline=len(arms) == 1,
                                  notes=notes, name=ctx.md(outcome.name)) for a, _ in arms]
            effects = ctx.report.effects_of(study, outcome.id)
            if outcome.conditional_on:
                derived_cells = [conditional_arm(ctx, study, outcome, a) for a, _ in arms]
                if any(derived_cells):
                    per_arm = [d or c for d, c in zip(derived_cells, per_arm)]
                    base = next(o for o in study.outcomes if o.id == outcome.conditional_on)
                    per_arm[0] += notes.mark(ctx.words("footnotes/all_in_base", outcome=outcome, base=base,
                                                       randomized=study.randomized))
                    effects = ctx.report.effects_of(study, all_in_base_key(outcome.id))
            if effects:
                named = len(ctx.report.comparisons(study)) > 1
                comparison = lines(*(lines(f"<b>{versus(ctx, e.comparison)}</b>" if named else "",
                                           risk_ratio_marked(ctx, e, notes), risk_difference(ctx, e),
                                           number_needed(ctx, study, e, notes, ctx.md(outcome.name)))
                                     for e in effects), p_text(ctx, study, outcome, notes))
            else:
                gap = binary_gaps(ctx, study, outcome, list(outcome.arms), notes) if len(outcome.arms) > 1 else ""
                comparison = lines(p_text(ctx, study, outcome, notes)) or NONE
                comparison += gap
        else:
            per_arm = [tte_arm(ctx, outcome, a, inline=len(arms) == 1) for a, _ in arms]
            hr = outcome.hazard_ratio
            compared = ctx.report.ratio_comparison(study, outcome.id)
            named = hr is not None and compared is not None and len(ctx.report.comparisons(study)) > 1
            comparison = lines(f"<b>{versus(ctx, compared)}</b>" if named else "",
                               escape(fmt.hazard_ratio(hr)) if hr else "", p_text(ctx, study, outcome, notes)) or NONE
        rows.append([cell(ctx, name), *(cell(ctx, c) for c in per_arm), cell(ctx, comparison)])
        comparisons.append(comparison)
    if all(c == NONE for c in comparisons):
        rows = [row[:-1] for row in rows]  # a column of dashes says nothing
        fractions = [30] + [70 / len(arms)] * len(arms)
    else:
        comparative = bool(ctx.report.comparisons(study))
        fractions = [27] + [(45 if comparative else 52) / len(arms)] * len(arms) + [28 if comparative else 21]
    results = table(rows, widths(ctx, *fractions), ctx.theme, ctx.fonts)
    out.append(Para(ctx.label("results"), ctx.styles.h3))
    flow_waivers = [w for w in ctx.report.waivers_under(f"studies[{index}]")
                    if (w.path, w.check) not in ctx.shown_waivers and ".outcomes[" not in w.path
                    and ".adverse_events[" not in w.path]
    for waiver in flow_waivers:
        notes.mark(ctx.waiver_text(waiver))
    return out + [TableWithNotes([results, Spacer(1, 2), *notes.flowables()])]


def points(ctx: Context, study: Study) -> list[Any]:
    """Key points and limitations side by side: they are read against each other.

    Each list is one column, its bullets one under the other whatever the other column holds (one row per
    pair of bullets left gaps beside the longer bullets, and a page break left a heading over an empty
    column). The two columns move to the next page together; only lists taller than SplitTable.TALL_ROW
    are cut, both at the same height.
    """
    st = ctx.styles
    lists = [(label, items) for label, items in (("key_points", study.key_points), ("limitations", study.limitations))
             if items]
    if not lists:
        return []
    columns = [[Para(ctx.label(label), st.h3)] + [Para(ctx.md(t), st.cell_bullet, bulletText="•") for t in items]
               for label, items in lists]
    if len(columns) == 1:
        return [Spacer(1, 3), *columns[0]]
    gap = 10
    half = (ctx.width - gap) / 2
    t = SplitTable([columns], colWidths=[half + gap / 2, half + gap / 2], hAlign="LEFT")
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), ctx.fonts.regular),
                           ("LEFTPADDING", (0, 0), (0, -1), 0), ("RIGHTPADDING", (0, 0), (0, -1), gap / 2),
                           ("LEFTPADDING", (1, 0), (1, -1), gap / 2), ("RIGHTPADDING", (1, 0), (1, -1), 0),
                           ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return [Spacer(1, 3), t]


# ------------------------------------------------------------------------------------------ cross-study
def cross_study(ctx: Context, key: str, title: str) -> list[Any]:
    studies = ctx.evidence.studies
    if len(studies) < 2:
        return []  # a comparison across studies needs two
    out: list[Any] = [heading(ctx.md(title), title, key, 0, ctx.styles.h1)]
    out.append(ctx.para(ctx.words("cross_study/intro", randomized=sum(s.randomized for s in studies),
                                  non_randomized=sum(not s.randomized for s in studies)), ctx.styles.intro))
    out += ctx.figures([c for c in ctx.charts if c.study_id is None and c.kind not in ("timeline", "adverse_events")])
    rows: list[list[Any]] = [header(ctx, ctx.label("study"), ctx.label("phase"), ctx.label("n"),
                                    ctx.label("response"), ctx.label("survival"))]
    for study in ctx.evidence.studies:
        binary = [o for o in study.outcomes if isinstance(o, BinaryOutcome)]
        primary = next((o for o in binary if o.primary), binary[0] if binary else None)
        response = NONE
        if primary is not None:
            shown = shown_once(ctx.evidence, study, arm_keys(study, primary.arms))
            marked = f" {small(ctx, ctx.label('primary'))}" if primary.primary else ""
            # The figure never parts ("44/48 (9" / "2%)" once); a long arm name wraps at its spaces.
            response = lines(f"<b>{ctx.md(primary.name)}</b>{marked} {ctx.cite([primary.source])}", phrases(
                *(f"{escape(arm_label(study, a, ctx.labels['pooled']))}: "
                  f"{nb(fmt.binary_result(primary.arms[a], with_ci=False))}" for a in shown),
                sep=" · ")) if shown else NONE
        survival = [o for o in study.outcomes if isinstance(o, TimeToEventOutcome) and o.in_summary]
        # A study the file holds no survival figure for says so, in the words the deck uses: a dash read as
        # "nothing reported" (the 2012 phase 2's cell).
        times = lines(*(survival_line(ctx, study, o) for o in survival)) or missing(ctx, None)
        design = ctx.label("randomized" if study.randomized else "non_randomized")
        rows.append([cell(ctx, f"<b>{ctx.md(study.short_name)}</b>"),
                     cell(ctx, lines(ctx.md(study.phase), small(ctx, design))),
                     cell(ctx, str(study.enrolled)), cell(ctx, response), cell(ctx, times)])
    out.append(table(rows, widths(ctx, 16, 13, 6, 36, 29), ctx.theme, ctx.fonts))
    repeated = repeats_context(ctx.evidence, ctx.labels["pooled"])
    if repeated:
        out.append(ctx.para(ctx.words("cross_study/repeats", repeats=repeated), ctx.styles.footnote))
    return out


def repeats_context(evidence, pooled_label: str) -> list[dict]:
    """The wording's view of the cohorts a cross-study display shows once."""
    out = []
    for r in repeats(evidence):
        arm = next((a.short_name for a in r.study.arms if a.id == r.arm_id), None)
        out.append({"study": r.study.short_name, "arm": arm, "pooled": r.arm_id == POOLED,
                    "original": r.original.short_name})
    return out


def survival_line(ctx: Context, study: Study, outcome: TimeToEventOutcome) -> str:
    """"OS: InO 7.7 · SoC 6.7 months": the outcome's abbreviation from the evidence file when it has one."""
    name = next((abbr for abbr, meaning in ctx.evidence.abbreviations.items()
                 if meaning.lower() == outcome.name.lower()), outcome.name)
    values = []
    for arm in shown_once(ctx.evidence, study, arm_keys(study, outcome.arms)):
        result = outcome.arms[arm]
        # The unit goes with each number, so "not reported" never reads "not reported months".
        # A number keeps its unit on its line ("1.8" / "months" once).
        value = nb(f"{fmt.number(result.median)} {outcome.unit}") if result.median is not None else \
            escape(fmt.median(result, outcome.unit))
        values.append(value if len(outcome.arms) == 1 else
                      f"{escape(arm_label(study, arm, ctx.labels['pooled']))} {value}")
    if not values:
        return ""
    return f"<b>{ctx.md(name)}</b>: {' · '.join(values)}"


# ------------------------------------------------------------------------------------------ safety
def safety(ctx: Context, key: str, title: str) -> list[Any]:
    st = ctx.styles
    out: list[Any] = [heading(ctx.md(title), title, key, 0, st.h1)]
    warning = ctx.evidence.boxed_warning
    if warning is not None:
        title_markup = ctx.words("safety/boxed_warning_title", warning=warning) + " " + ctx.cite([warning.source])
        body = [Para(title_markup, st.warning_title)]
        body += [Para(ctx.md(p), st.box_body, bulletText="•") for p in warning.points]
        if warning.source_note:
            body.append(Para(ctx.md(warning.source_note), st.footnote))
        out += [callout(body, ctx.width, ctx.theme, ctx.fonts, tone="warning"), Spacer(1, 6)]
    for index, study in enumerate(ctx.evidence.studies):
        if study.adverse_events:
            out += adverse_event_table(ctx, index, study)
    out += ctx.figures([c for c in ctx.charts if c.kind == "adverse_events"])
    return out


def adverse_event_table(ctx: Context, index: int, study: Study) -> list[Any]:
    arms = _arm_columns(ctx, study, [dict(e.arms) for e in study.adverse_events])
    effects = [ctx.report.effects_of(study, ae_key(k)) for k in range(len(study.adverse_events))]
    comparative = any(effects)
    named = len(ctx.report.comparisons(study)) > 1
    notes = Footnotes(ctx)
    head = [ctx.label("event"), ctx.label("grade"), *(escape(label) for _, label in arms)]
    rows: list[list[Any]] = [header(ctx, *head, *([ctx.label("difference")] if comparative else []))]
    for k, (event, found) in enumerate(zip(study.adverse_events, effects)):
        marks = []
        if event.population:
            marks.append(f"{ctx.label('safety_population')}: {ctx.md(event.population)}")
        if event.source_note:
            marks.append(ctx.words("footnotes/source_note", note=confirmation(ctx, event)))
        if event.note:
            marks.append(ctx.md(event.note))
        marks += arm_notes(ctx, study, event.arms)
        marks += [ctx.waiver_text(w) for w in ctx.report.waivers_under(f"studies[{index}].adverse_events[{k}]")]
        name = f"<b>{ctx.md(event.term)}</b> {ctx.cite([event.source])}{notes.marks(marks)}"
        if event.serious:
            name = phrases(name, small(ctx, ctx.label("serious")))
        row = [cell(ctx, name), cell(ctx, escape(fmt.grade(event.grade)))]
        row += [cell(ctx, binary_arm(ctx, study, ae_key(k), a, event.arms.get(a), exact=False)) for a, _ in arms]
        if comparative:
            # Only the RD is shown here, and it is never continuity-corrected (the RR alone is).
            term = f"{ctx.md(event.term)}, {escape(fmt.grade(event.grade))}"
            diff = lines(*(lines(f"<b>{versus(ctx, e.comparison)}</b>" if named else "",
                                 phrases(risk_difference(ctx, e), number_needed(ctx, study, e, notes, term),
                                         sep=" · ")) for e in found)) or NONE
            row.append(cell(ctx, diff))
        rows.append(row)
    fractions = [24, 9] + [(36 if comparative else 67) / len(arms)] * len(arms) + ([31] if comparative else [])
    events = table(rows, widths(ctx, *fractions), ctx.theme, ctx.fonts)
    return [Para(ctx.md(study.name), ctx.styles.h3), TableWithNotes([events, Spacer(1, 2), *notes.flowables()]),
            Spacer(1, 4)]
