"""Chart.js configurations for the dashboard, built from the same figures as its tables.

The tables are the source of truth; the charts only draw them (and are hidden from screen readers).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from processes.metrics import Dashboard
from processes.metrics_office import BACKLOG_BUCKETS

PALETTE = ("#0b5cad", "#f5a524", "#067647", "#b42318", "#6941c6", "#667085")


def bar(labels: list[str], datasets: list[tuple[str, list[float | None]]], *, stacked: bool = False,
        axis: str = "", maximum: float | None = None) -> dict[str, Any]:
    """A bar chart: one dataset per (label, values), colours from the palette in order."""
    scale: dict[str, Any] = {"beginAtZero": True, "stacked": stacked, "title": {"display": bool(axis), "text": axis}}
    if maximum is not None:
        scale["max"] = maximum
    return {
        "type": "bar",
        "data": {"labels": labels, "datasets": [
            {"label": label, "data": values, "backgroundColor": PALETTE[i % len(PALETTE)]}
            for i, (label, values) in enumerate(datasets)]},
        "options": {
            "responsive": True, "maintainAspectRatio": False, "animation": False,
            "plugins": {"legend": {"position": "bottom"}},
            "scales": {"x": {"stacked": stacked}, "y": scale},
        },
    }


def backlog_labels() -> list[str]:
    labels, low = [], 0
    for high in BACKLOG_BUCKETS:
        labels.append(_("%(low)s–%(high)s days", low=low, high=high) if high is not None
                      else _("over %(days)s days", days=low - 1))
        low = (high or 0) + 1
    return labels


def charts(board: Dashboard, office_label: dict[str, str], channel_label: dict[str, str]) -> dict[str, Any]:
    """{chart id: Chart.js config} for every chart on the page."""
    front = board.front
    channel_sets: list[tuple[str, list[float | None]]] = [
        (_("Requests"), [float(r.requests) for r in front.channels])]
    if front.first_contact_rate is not None:
        channel_sets.append((_("Resolved at first contact"), [float(r.first_contact) for r in front.channels]))
    offices = [office_label.get(r.office, r.office) for r in board.handoff]
    answered = [office_label.get(r.office, r.office) for r in board.answers]
    backlog = [office_label.get(r.office, r.office) for r in board.backlog]
    return {
        "chart-channels": bar([channel_label.get(r.channel, r.channel) for r in front.channels], channel_sets,
                              axis=_("requests")),
        "chart-pickup": bar(offices, [
            (_("Median"), [r.pickup_median_hours for r in board.handoff]),
            (_("90th percentile"), [r.pickup_p90_hours for r in board.handoff])], axis=_("hours")),
        "chart-answer": bar(answered, [
            (_("Median"), [r.median_days for r in board.answers]),
            (_("90th percentile"), [r.p90_days for r in board.answers]),
            (_("Deadline (median)"), [r.promised_days for r in board.answers])], axis=_("working days")),
        "chart-backlog": bar(backlog, [
            (label, [float(r.buckets[i]) for r in board.backlog]) for i, label in enumerate(backlog_labels())],
            stacked=True, axis=_("open requests")),
        "chart-survey": bar([office_label.get(r.office, r.office) for r in board.surveys], [
            (_("Average score"), [r.average for r in board.surveys])], axis=_("score (1-5)"), maximum=5),
    }
