"""Built-in chart wording; a template overrides any key with wording/charts/<key>.j2 (same context names)."""
from __future__ import annotations

#: str.format strings; the context names are those a wording/charts/<key>.j2 override receives.
DEFAULTS: dict[str, str] = {
    "pooled_arm": "All (pooled)",
    "no_counts": "reported %, no counts",
    "exact_prefix": "exact ",
    "not_reported": "not reported",
    "response_title": "Response across studies",
    "response_axis": "Patients responding, % (exact 95% CI)",
    "response_col_n": "n/N (%)",
    "response_col_ci": "Exact 95% CI",
    "response_open_marker": (
        "Open circles: a percentage reported without counts, so no confidence interval can be derived."
    ),
    "response_caption": (
        "Primary response outcome of each study by arm, with exact (Clopper–Pearson) 95% CIs derived from the "
        "reported counts. Sources: {sources}."
    ),
    "response_alt": "Dot-and-whisker chart of each study's primary response outcome by arm.",
    "not_estimable": "not estimable",
    "risk_ratio": "risk ratio",
    "hazard_ratio": "hazard ratio",
    "favours": "favours {arm}",
    "favouring": "favouring {arm}",
    "forest_title": "{study}: comparative effects",
    "forest_panel": "Below 1 favours {below}, above 1 favours {above}",
    "forest_col_estimate": "Estimate",
    "forest_col_ci": "CI (level as reported)",
    "forest_caption": (
        "Risk ratios (squares) are derived from the reported counts with 95% CIs; hazard ratios (diamonds) are "
        "shown as reported, each with its own confidence level. Log scale. Sources: {sources}."
    ),
    "forest_alt": "Forest plot of {study}.",
    "forest_scale_note": (
        "Log scale; dashed line: no difference (ratio 1). RR: risk ratio from counts; HR: hazard ratio as reported."
    ),
    "forest_boundary_note": (
        "{outcome}: {p} did not cross the prespecified significance boundary of P={boundary}, so the difference "
        "is not statistically significant."
    ),
    "forest_continuity_note": "0.5 added to every cell because an arm had no events (or all events).",
    "forest_skipped_conditional": (
        "Not shown, measured only in responders (not a randomized comparison): {outcomes}."
    ),
    "forest_skipped_no_counts": (
        "Not shown, reported as percentages without counts (no risk ratio can be derived): {outcomes}."
    ),
    "not_reached": "not reached",
    "no_ci": "no CI reported",
    "landmark": "at {time} {unit}",
    "tte_title": "{study}: time-to-event outcomes",
    "tte_caption": (
        "Medians and landmark survival per arm with their confidence intervals, as reported. Sources: {sources}."
    ),
    "tte_alt": "Time-to-event outcomes in {study}, as reported.",
    "median_alt": "{outcome}, median: {arms}.",
    "median_panel": "Median time to event",
    "median_axis": "Median, {unit} (CI as reported)",
    "median_col": "Median",
    "ci_col": "CI",
    "landmark_panel": "Landmark survival",
    "landmark_axis": "Patients event-free at the landmark, % (CI as reported)",
    "landmark_col": "Percent",
    "curve_title": "{study}: {outcome}",
    "curve_caption": (
        "Step curve drawn through the digitised points in the evidence file, with numbers at risk as reported. "
        "Source: {sources}."
    ),
    "curve_alt": "Survival curve of {outcome} in {study}, from digitised points.",
    "curve_alt_arm": "{arm}: {p0}% at {t0} {unit} to {p1}% at {t1} {unit}.",
    "curve_x": "Time, {unit}",
    "curve_y": "{outcome}, %",
    "at_risk": "Number at risk",
    "serious": "serious",
    "ae_title": "{study}: adverse events by arm",
    "ae_axis": "Patients with the event, %",
    "ae_caption": (
        "Adverse events with {experimental} (left) and {reference} (right): patients with the event out of those "
        "assessed, percentages from the counts where given. Sources: {sources}."
    ),
    "ae_alt": "Butterfly chart of adverse events in {study}, {experimental} versus {reference}.",
    "ae_reported_note": "Open bars: a percentage reported without counts.",
    "ae_omitted": (
        "Showing the first {shown} of {total} adverse events in the evidence file; the safety table lists them all."
    ),
    "timeline_title": "{drug}: development and regulatory timeline",
    "timeline_caption": (
        "Regulatory decisions (exact dates) and publications of the studies summarised here (by year). "
        "Sources: {sources}."
    ),
    "timeline_regulatory": "regulatory event (exact date)",
    "timeline_publication": "publication (year)",
    "timeline_year_note": "Publications known only by year are drawn across that whole year.",
    "timeline_alt": "Timeline. Regulatory events: {events}. Publications: {publications}.",
    "flow_count": "n = {n}",
    "flow_randomized": "Randomized, N = {n}",
    "flow_enrolled": "Enrolled, N = {n}",
    "flow_title": "{study}: participant flow",
    "flow_caption": (
        "Participant flow in {study} as reported; an arrow joins each stage to the earlier stage whose counts "
        "contain it. Sources: {sources}."
    ),
    "flow_alt": "Participant flow diagram of {study}. {top}.",
}
