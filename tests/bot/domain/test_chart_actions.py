"""Actions on the needs' trend: where the marks go, how they look, and a legend only when there are any."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from bot.domain.chart import (
    ActionMarker,
    ActionMarkerLabels,
    ChartLabels,
    ChartPoint,
    NeedPoint,
    add_action_markers,
    build_figure,
    render_trend_chart,
)
from bot.domain.report import ReportSpan, action_markers
from bot.domain.team_actions import ActionView

LABELS = ChartLabels(
    title="Team trend",
    needs_panel="Needs 1–5",
    cx_panel="NPS / eNPS",
    csat_panel="CSAT %",
    autonomy="Autonomy",
    competence="Competence",
    belonging="Belonging",
    nps="NPS",
    enps="eNPS",
    csat="CSAT",
    hidden_gap="n < 5",
    previous_period="previous period",
    no_pulse="No pulse round closed",
    no_cx="No NPS or eNPS data",
    n_row="n",
)
MARKS = ActionMarkerLabels(committed="action committed", done="action done")


def _point(i: int, belonging: float | None) -> ChartPoint:
    need = NeedPoint(belonging, belonging - 0.3, belonging + 0.3, 7) if belonging is not None else None
    return ChartPoint(
        label=f"{i:02d}.01.",
        previous=False,
        hidden=False,
        autonomy=NeedPoint(3.5, 3.2, 3.8, 7),
        competence=None,
        belonging=need,
        pulse_n=7,
        enps=None,
        enps_n=0,
        nps=None,
        nps_n=0,
        csat=None,
        csat_n=0,
    )


def _actions(fig: Any) -> list[Any]:
    return [line for line in fig.axes[0].get_lines() if line.get_gid() == "action"]


def _legend_texts(fig: Any) -> list[str]:
    texts = []
    for artist in [fig.axes[0].get_legend(), *fig.axes[0].artists]:
        if artist is not None and hasattr(artist, "get_texts"):
            texts += [t.get_text() for t in artist.get_texts()]
    return texts


def test_marks_sit_on_the_needs_line_with_a_short_label_and_a_legend() -> None:
    points = [_point(1, 3.0), _point(2, None), _point(3, 4.0)]
    fig = build_figure(points, LABELS)
    markers = [
        ActionMarker("belonging", 0, False, "Weekly one-to-ones with everyone in the team"),
        ActionMarker("belonging", 2, True, ""),
        ActionMarker("belonging", 1, True, ""),  # in the line's gap: at the panel's foot
    ]
    add_action_markers(fig, markers, MARKS)
    drawn = _actions(fig)
    assert [(float(line.get_xdata()[0]), float(line.get_ydata()[0])) for line in drawn] == [
        (0.0, 3.0),
        (2.0, 4.0),
        (1.0, 1.3),
    ]
    assert [line.get_marker() for line in drawn] == ["D", "*", "*"]
    labels = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "action-label"]
    assert labels == ["Weekly one-to-one…"]
    legend = _legend_texts(fig)
    assert "action committed" in legend and "action done" in legend and "Belonging" in legend


def test_no_actions_no_marks_and_no_legend_entry() -> None:
    fig = build_figure([_point(1, 3.0), _point(2, 3.5)], LABELS)
    add_action_markers(fig, [], MARKS)
    assert not _actions(fig)
    assert not any(text.startswith("action") for text in _legend_texts(fig))
    only_done = build_figure([_point(1, 3.0)], LABELS)
    add_action_markers(only_done, [ActionMarker("belonging", 0, True, "")], MARKS)
    assert "action committed" not in _legend_texts(only_done) and "action done" in _legend_texts(only_done)


def test_the_png_differs_only_when_there_are_marks() -> None:
    points = [_point(1, 3.0), _point(2, 3.5)]
    plain = render_trend_chart(points, LABELS)
    assert render_trend_chart(points, LABELS, (), MARKS) == plain
    assert render_trend_chart(points, LABELS, [ActionMarker("belonging", 1, True, "")], MARKS) != plain


END = date(2026, 3, 29)  # a Sunday: 4 weekly chart periods in the report, 4 in the previous period


def _action(created: date, done: date | None, need: str = "autonomy") -> ActionView:
    return ActionView(1, 1, need, "Plan together", "U1", END, done is not None, created_on=created, done_on=done)


@pytest.mark.parametrize(
    ("created", "done", "chart_length", "expected"),
    [
        # Both days in the report's period: periods 4..7 of 8, counted back from the end.
        (END - timedelta(days=20), END, 8, [(5, False), (7, True)]),
        # The empty previous period was dropped from the chart: indexes shift by its 4 periods.
        (END - timedelta(days=20), END, 4, [(1, False), (3, True)]),
        # Committed before the chart began, not yet done: nothing to show.
        (END - timedelta(days=200), None, 8, []),
        # In the previous period, which was dropped: no mark.
        (END - timedelta(days=40), None, 4, []),
    ],
)
def test_action_markers_fall_in_their_days_chart_periods(
    created: date, done: date | None, chart_length: int, expected: list[tuple[int, bool]]
) -> None:
    span = ReportSpan(END - timedelta(weeks=4) + timedelta(days=1), END, 1)
    found = action_markers(span, chart_length, [_action(created, done)])
    assert [(m.x, m.done) for m in found] == expected
    assert all(m.need == "autonomy" and (m.label == "" if m.done else m.label == "Plan together") for m in found)


def test_dollar_signs_in_an_action_or_a_team_name_are_drawn_as_typed() -> None:
    """Attack: a manager commits to `$\\undefined$ costs` (or an admin names the team so): matplotlib would read
    `$…$` as mathtext, fail on it, and no chart of the team would be drawn for the report's whole span."""
    from dataclasses import replace

    points = [_point(1, 3.0), _point(2, 3.5)]
    labels = replace(LABELS, title=r"Team $\undefined$ $5 to $10")
    markers = [ActionMarker("belonging", 0, False, r"$\undefined$ costs")]
    assert render_trend_chart(points, labels, markers, MARKS).startswith(b"\x89PNG")
    fig = build_figure(points, labels)
    add_action_markers(fig, markers, MARKS)
    [label] = [t for t in fig.axes[0].texts if t.get_gid() == "action-label"]
    assert label.get_text() == r"$\undefined$ costs" and not label.get_parse_math()
