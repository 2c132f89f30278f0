"""What goals look like to people: the names of metrics, statuses and scopes (pages, reports, exports)."""

from __future__ import annotations

from tajriba.i18n import N_

METRIC_LABELS = {
    "nps": N_("NPS"),
    "csat": N_("CSAT (mean, 1-5)"),
    "csat_top2": N_("CSAT top-2-box (%%)"),
    "ces": N_("Customer effort (mean, 1-7)"),
    "ces_easy": N_("Customers finding it easy (%%)"),
    "first_response_median": N_("Median first response (minutes)"),
    "resolution_median": N_("Median resolution time (hours)"),
    "first_response_within": N_("First responses within target (%%)"),
    "resolution_within": N_("Resolutions within target (%%)"),
    "response_rate": N_("Survey response rate (%%)"),
}
STATUS_LABELS = {
    "on_track": N_("On track"),
    "at_risk": N_("At risk"),
    "off_track": N_("Off track"),
    "uncertain": N_("Too early to tell"),
    "achieved": N_("Achieved"),
    "missed": N_("Missed"),
    "no_data": N_("Not enough data"),
}
STATUS_REASONS = {
    "on_track": N_("The projection at the due date meets the target."),
    "at_risk": N_("The projection misses the target, but its 95%% interval reaches it."),
    "off_track": N_("Even the favourable end of the projection's 95%% interval misses the target."),
    "uncertain": N_(
        "Not enough data to project to the due date: the projection's 95%% interval spans most of the possible values."
    ),
    "achieved": N_("The due date has passed and the target was met."),
    "missed": N_("The due date has passed and the target was not met."),
    "no_data": N_("Fewer than 10 answers in the last 28 days: no status yet."),
}
SCOPE_LABELS = {
    "company": N_("Whole company"),
    "journey": N_("Journey"),
    "stage": N_("Stage"),
    "touchpoint": N_("Touchpoint"),
    "persona": N_("Persona"),
}
