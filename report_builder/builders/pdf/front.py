"""The handout's front pages: the bottom line as key numbers, the forest plot, the appraisal in brief, the appendix divider."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reportlab.platypus import PageBreak, TableStyle

from report_builder.analysis import formatting as fmt
from report_builder.analysis.report import ae_key
from report_builder.inputs.markup import cited_keys
from report_builder.builders.pdf.context import Context, escape
from report_builder.builders.pdf.style import Para, color, heading, mix
from report_builder.builders.pdf.studies import p_text, risk_difference, risk_ratio, summarised
from report_builder.builders.pdf.tagging import TaggedTable
from report_builder.inputs.evidence_schema import BinaryOutcome, TimeToEventOutcome

if TYPE_CHECKING:
    from report_builder.analysis.report import BinaryEffect
    from report_builder.inputs.evidence_schema import Study

MAX_KEY_NUMBERS = 4


@dataclass(frozen=True)
class KeyNumber:
    """One box of the bottom line: what was measured, the two arms' figures, and their honest status."""

    name: str  #: markup
    figures: str  #: markup, e.g. "80.7% vs 29.4%"
    arms: str  #: markup, e.g. "InO vs SoC"
    status: str  #: markup: effect with its CI, P with sidedness, boundary, NNT/NNH
    harm: bool


def key_numbers_of(ctx: Context) -> list[KeyNumber]:
    """The primary outcomes of each randomized study the Summary of findings holds, then its harms marked
    in_summary: the benefit, the survival result against its boundary, the defining harm with its NNH."""
    found: list[KeyNumber] = []
    for study in ctx.evidence.studies:
        if not summarised(ctx, study):
            continue
        comparison = ctx.report.comparisons(study)[0]
        exp, ref = comparison.arm_ids
        arms = ctx.words("phrases/comparison", experimental=comparison.experimental.short_name,
                         reference=comparison.reference.short_name)
        for outcome in study.outcomes:
            if not (outcome.primary and outcome.in_summary) or outcome.conditional_on:
                continue
            if isinstance(outcome, BinaryOutcome):
                figures = _versus(ctx, *(fmt.percent_label(outcome.arms[a]) if a in outcome.arms else "" for a in (exp, ref)))
                effect = ctx.report.effect(study, outcome.id, exp)
                status = [risk_ratio(effect), _number_needed(ctx, effect)] if effect else []
                status.append(p_text(ctx, study, outcome))
            else:
                medians = [_median(outcome, a) for a in (exp, ref)]
                unit = f" {outcome.unit}"
                if all(m.endswith(unit) for m in medians):  # "7.7 vs 6.7 months": the unit once
                    figures = _versus(ctx, medians[0][:-len(unit)], medians[1])
                else:
                    figures = _versus(ctx, *medians)
                status = [escape(fmt.hazard_ratio(outcome.hazard_ratio)) if outcome.hazard_ratio else "",
                          p_text(ctx, study, outcome)]
            found.append(KeyNumber(f"{ctx.md(outcome.name)} {ctx.cite([outcome.source])}", figures, arms,
                                   "; ".join(s for s in status if s), harm=False))
        for k, event in enumerate(study.adverse_events):
            if not event.in_summary:
                continue
            figures = _versus(ctx, *(fmt.percent_label(event.arms[a]) if a in event.arms else "" for a in (exp, ref)))
            effect = ctx.report.effect(study, ae_key(k), exp)
            status = [risk_difference(ctx, effect), _number_needed(ctx, effect)] if effect else []
            found.append(KeyNumber(f"{ctx.md(event.term)} {ctx.cite([event.source])}", figures, arms,
                                   "; ".join(status), harm=True))
    return (found or _single_arm_numbers(ctx))[:MAX_KEY_NUMBERS]


def _single_arm_numbers(ctx: Context) -> list[KeyNumber]:
    """Without a randomized comparison (a single-arm pivotal study): the first single-arm study's primary
    outcomes and its harms marked in_summary, each as the arm's own figure with its counts and interval,
    never set against anything."""
    from report_builder.analysis.arms import single_arm

    for study in ctx.evidence.studies:
        arm = single_arm(study)
        if arm is None:
            continue
        label = escape(arm.short_name)
        found: list[KeyNumber] = []
        for outcome in study.outcomes:
            result = outcome.arms.get(arm.id)
            if not (outcome.primary and outcome.in_summary) or outcome.conditional_on or result is None:
                continue
            if not result.reported:
                continue
            if isinstance(outcome, BinaryOutcome):
                figures = _own_figure(result)
                status = [escape(fmt.binary_result(result)), p_text(ctx, study, outcome)]
            else:
                figures = escape(_median(outcome, arm.id))
                status = [escape(fmt.reported_ci(result.ci, result.ci_level)) if result.ci else "",
                          p_text(ctx, study, outcome)]
            found.append(KeyNumber(f"{ctx.md(outcome.name)} {ctx.cite([outcome.source])}", figures, label,
                                   "; ".join(s for s in status if s), harm=False))
        for event in study.adverse_events:
            result = event.arms.get(arm.id)
            if not event.in_summary or result is None or not result.reported:
                continue
            name = f"{ctx.md(event.term)}, {escape(fmt.grade(event.grade))}" if event.grade else ctx.md(event.term)
            # A harm is often counted in another population than the benefit beside it (ZUMA-3: 78 treated in
            # phases 1 and 2, against 55 in phase 2): the card says which.
            status = escape(fmt.binary_result(result))
            if event.population:
                status += "; " + ctx.words("footnotes/population", population=event.population).rstrip(".")
            found.append(KeyNumber(f"{name} {ctx.cite([event.source])}", _own_figure(result), label, status, harm=True))
        return found
    return []


def _unbroken_dose(dose: Any) -> str:
    """The dose with what its unit counts and its maximum; its number never parts from its unit ("0.5" / "mg/m²")."""
    amount = fmt.dose_amount(dose, route=False)
    main = f"{fmt.number(dose.dose)} {fmt.dose_unit(dose.unit)}"
    return main.replace(" ", "\u00a0") + amount[len(main):]


def _same_dose_days(ctx: Context, doses: Any) -> list[dict[str, Any]]:
    """Neighbouring days that take the same dose, as one entry: "25 mg/m² on days −4, −3 and −2" reads at a
    glance where "day −4 25 mg/m², day −3 25 mg/m², day −2 25 mg/m²" did not."""
    groups: list[tuple[str, list[Any]]] = []
    for dose in doses:
        text = _unbroken_dose(dose)
        if groups and groups[-1][0] == text:
            groups[-1][1].append(dose)
        else:
            groups.append((text, [dose]))
    return [{"day": ctx.text("phrases/series", items=[fmt.dose_days(x) for x in days]).strip(),
             "range": len(days) > 1 or days[0].days is not None, "dose": text} for text, days in groups]


def _own_figure(result: Any) -> str:
    """One arm's binary result as its big figure: the percentage, or the counts when there is none."""
    return fmt.percent_label(result) or escape(fmt.binary_result(result, with_ci=False))


def _versus(ctx: Context, experimental: str, reference: str) -> str:
    return ctx.words("phrases/comparison", experimental=experimental or ctx.labels["not_in_summary"],
                     reference=reference or ctx.labels["not_in_summary"])


def _median(outcome: TimeToEventOutcome, arm: str) -> str:
    result = outcome.arms.get(arm)
    if result is None:
        return ""
    if result.median is not None:
        return f"{fmt.number(result.median)} {outcome.unit}"
    return fmt.median(result, outcome.unit)


def _number_needed(ctx: Context, effect: "BinaryEffect") -> str:
    values = fmt.number_needed_values(effect.nnt, effect.number_needed_label, effect.stats.level)
    return f"<b>{ctx.words('phrases/number_needed', **values)}</b>"


def key_numbers(ctx: Context, key: str, title_text: str) -> list[Any]:
    """A row of boxes, one per key number; a harm's box is edged in the warning colour (and says so in words)."""
    items = key_numbers_of(ctx)
    if not items:
        return []
    st = ctx.styles
    gap = 6
    width = (ctx.width - gap * (len(items) - 1)) / len(items)
    cells = []
    for item in items:
        label = ctx.label("key_harm" if item.harm else "key_benefit")
        cells.append([Para(f"{label}: {item.name}", st.key_label),
                      Para(item.figures, st.key_number), Para(f"{item.arms}: {item.status}", st.key_status)])
    row: list[Any] = []
    widths: list[float] = []
    for n, content in enumerate(cells):
        if n:
            row.append("")
            widths.append(gap)
        row.append(content)
        widths.append(width)
    t = TaggedTable([row], colWidths=widths, hAlign="LEFT")
    commands: list[tuple] = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), ctx.fonts.regular),
                             ("LEFTPADDING", (0, 0), (-1, -1), 6), ("RIGHTPADDING", (0, 0), (-1, -1), 5),
                             ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]
    for n, item in enumerate(items):
        col = 2 * n
        edge = color(ctx.theme.colors["warning" if item.harm else "primary"])
        commands += [("BACKGROUND", (col, 0), (col, 0), mix(ctx.theme.colors["warning" if item.harm else "primary"], 0.92)),
                     ("LINEABOVE", (col, 0), (col, 0), 3, edge)]
    t.setStyle(TableStyle(commands))
    return [heading(ctx.md(title_text), title_text, key, 0, st.h1), t]


def forest(ctx: Context, key: str, title_text: str) -> list[Any]:
    """The forest plot of each randomized study, at full width: the effects at a glance, intervals drawn."""
    charts = [c for c in ctx.charts if c.kind == "forest"]
    if not charts:
        return []
    return [heading(ctx.md(title_text), title_text, key, 0, ctx.styles.h1)] + ctx.figures(charts)


def appraisal_brief(ctx: Context, key: str, title_text: str) -> list[Any]:
    """Per appraised study, how many questions were answered yes, then each concern on a line of its own,
    its answer first (run together in one sentence they read as a wall of questions). The reasons are in
    the full appraisal of the appendix."""
    if not ctx.evidence.appraisal:
        return []
    st = ctx.styles
    out: list[Any] = [heading(ctx.md(title_text), title_text, key, 0, st.h1)]
    for a in ctx.evidence.appraisal:
        study: "Study" = ctx.evidence.study(a.study)
        concerns = [{"question": item.question, "answer": ctx.labels[_ANSWERS[item.answer]]}
                    for item in a.items if item.answer != "yes"]
        out.append(Para(ctx.words("appraisal/brief", appraisal=a, study=study, total=len(a.items),
                                  yes=len(a.items) - len(concerns), concerns=concerns), st.body))
        out += [Para(ctx.words("appraisal/concern", **concern), st.bullet, bulletText="•") for concern in concerns]
    return out


def dosing_brief(ctx: Context, key: str, title_text: str) -> list[Any]:
    """One line per schedule, and the rules the template puts up front (wording/pdf/dosing/on_front.j2:
    by default the rules about transplant); the full dosing section belongs in the appendix."""
    d = ctx.evidence.dosing
    if d is None:
        return []
    st = ctx.styles
    out: list[Any] = [heading(ctx.md(title_text), title_text, key, 0, st.h1)]
    for schedule in d.schedules:
        # What the unit counts and the maximum stay with the dose ("1 × 10⁶ cells/kg" alone hides both); the
        # route is in the appendix's table.
        doses = ctx.words("dosing/doses", schedule=schedule, doses=_same_dose_days(ctx, schedule.doses),
                          total=fmt.cycle_total(schedule))
        # A schedule whose note names where its doses come from ("As in the trial [@kite_design]") cites that.
        sources = cited_keys(schedule.note) if schedule.note else []
        out.append(Para(f"{doses} {ctx.cite(sources or [d.source])}", st.bullet, bulletText="•"))
    for rule in d.rules:
        if not ctx.text("dosing/on_front", rule=rule).strip():
            continue
        text = f"<b>{ctx.md(rule.topic)}:</b> {ctx.md(rule.text)} {ctx.cite([rule.source])}"
        if rule.source_note:
            text += f' <font size="{st.footnote.fontSize}" color="{ctx.theme.colors["muted"]}">' \
                    f'({ctx.md(rule.source_note)})</font>'
        out.append(Para(text, st.bullet, bulletText="•"))
    return out


_ANSWERS = {"yes": "answer_yes", "no": "answer_no", "can't tell": "answer_cant_tell"}


def appendix(ctx: Context, key: str, title_text: str) -> list[Any]:
    """A new page and the appendix title: the sections listed after `appendix` are its detail."""
    return [PageBreak(), heading(ctx.md(title_text), title_text, key, 0, ctx.styles.appendix_title)]


def new_page(ctx: Context) -> list[Any]:
    return [PageBreak()]
