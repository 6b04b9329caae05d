"""Render a Report: Block Kit (quality and energy side by side, chart note, lag view, ending on the top
win), plain text for the shell, and the chart PNG. Only values present in the model are shown; suppressed
numbers read "not enough answers (n < k)"."""

from __future__ import annotations

import re
from typing import Any

from bot.blocks import Block, clip, context, divider, escape, header, mention, mrkdwn
from bot.blocks.feedback import (
    comment_blocks,
    comment_lines,
    customer_words_blocks,
    customer_words_lines,
    element_blocks,
    element_lines,
)
from bot.blocks.feedback import digest_blocks as comment_digest_blocks
from bot.blocks.team_actions import action_line
from bot.blocks.team_actions import digest_blocks as action_digest_blocks
from bot.blocks.tough import report_lines as tough_report_lines
from bot.domain.chart import ActionMarkerLabels, ChartLabels, add_action_markers, build_figure, render_trend_chart
from bot.domain.report import MIN_LAG_PAIRS, NeedResult, Report
from bot.i18n import Translator


def _nps_value(value: float | None) -> str:
    return "–" if value is None else (f"+{value:.1f}" if value > 0 else f"{value:.1f}")


def _suppressed(t: Translator, report: Report) -> str:
    return t("report.suppressed", k=report.anonymity_min)


_MENTION = re.compile(r"<@(\w+)>")


def need_line(t: Translator, report: Report, need: NeedResult) -> str:
    name = t(f"win.need.{need.need}")
    if need.suppressed:
        return f"*{name}*: {_suppressed(t, report)}"
    line = t(
        "report.need",
        name=name,
        mean=f"{need.mean:.2f}",
        low="–" if need.ci_low is None else f"{need.ci_low:.2f}",
        high="–" if need.ci_high is None else f"{need.ci_high:.2f}",
        n=need.n,
    )
    if need.change is not None:
        key = "report.change.beyond_noise" if need.beyond_noise else "report.change.within_noise"
        line += " " + t(key, change=f"{need.change:+.2f}")
    return line


def _quality_lines(t: Translator, report: Report) -> list[str]:
    nps, csat = report.nps, report.csat
    lines = [f"*{t('report.quality')}*"]
    if nps.n and nps.score is not None:
        if nps.promoters is not None and nps.detractors is not None:
            lines.append(
                t(
                    "report.nps.counts",
                    value=_nps_value(round(nps.score, 1)),
                    n=nps.n,
                    promoters=nps.promoters,
                    passives=nps.passives,
                    detractors=nps.detractors,
                )
            )
        else:
            lines.append(t("report.nps", value=_nps_value(round(nps.score, 1)), n=nps.n))
    else:
        lines.append(t("report.nps.none"))
    lines.extend(tough_report_lines(t, report.tough, report.anonymity_min))
    if csat.n and csat.percent is not None:
        lines.append(t("report.csat", value=f"{csat.percent:.1f}", n=csat.n))
    else:
        lines.append(t("report.csat.none"))
    lines.extend(need_line(t, report, need) for need in report.needs)
    if report.enps.suppressed:
        lines.append(f"*eNPS*: {_suppressed(t, report)}")
    else:
        lines.append(t("report.enps", value=_nps_value(report.enps.value), n=report.enps.n))
    part = report.participation
    if report.round_open and (part.suppressed or part.invited == 0):
        lines.append(t("report.participation.round_open"))
    elif part.suppressed:
        lines.append(t("report.participation.suppressed", k=report.anonymity_min))
    elif part.invited == 0:
        lines.append(t("report.participation.no_round"))
    else:
        lines.append(
            t(
                "report.participation",
                answered=part.answered,
                invited=part.invited,
                rate=f"{part.rate or 0:.0f}",
                k=report.anonymity_min,
            )
        )
    if report.round_open and part.invited:
        lines.append(t("report.round_open_note"))
    return lines


def _energy_lines(t: Translator, report: Report) -> list[str]:
    wins = report.wins
    lines = [
        f"*{t('report.energy')}*",
        t("report.wins", count=wins.count),
        t("report.thanked", count=wins.colleagues_thanked),
    ]
    if wins.count:
        not_scored = wins.count - wins.scored
        if wins.mean_polarity is not None:
            lines.append(
                t("report.tone", polarity=f"{wins.mean_polarity:+.2f}", scored=wins.scored, not_scored=not_scored)
            )
        else:
            lines.append(t("report.tone.none", not_scored=not_scored))
    if wins.top is not None:
        lines.append(t("report.top_win_short", reactions=wins.top.reactions, author=mention(wins.top.author_id)))
    return lines


def lag_sentence(t: Translator, report: Report) -> str:
    """One sentence: the lag that stands out from noise after the correction for the lags tested, worded as
    association, never cause; or that none does."""
    analysis = report.lag
    if not analysis.lags:
        return t("report.lag.too_few", paired=analysis.weeks_paired, needed=MIN_LAG_PAIRS + 1)
    best = analysis.standout
    if best is None:
        return t("report.lag.none", tested=analysis.tested, paired=analysis.weeks_paired)
    key = {"pulse": "report.lag.pulse_leads", "nps": "report.lag.nps_leads"}.get(best.leader, "report.lag.same_week")
    return t(
        key,
        weeks=best.lag_weeks,
        r=f"{best.r:+.2f}",
        low=f"{best.low:+.2f}",
        high=f"{best.high:+.2f}",
        n=best.n,
        n_eff=f"{best.n_eff:.0f}",
    )


def _lag_table(t: Translator, report: Report) -> str:
    rows = []
    for lag in report.lag.lags:
        who = {"pulse": t("report.lag.row_pulse"), "nps": t("report.lag.row_nps")}.get(
            lag.leader, t("report.lag.row_same")
        )
        rows.append(
            f"{who} {lag.lag_weeks}: r {lag.r:+.2f} [{lag.low:+.2f}, {lag.high:+.2f}] n={lag.n} n_eff={lag.n_eff:.0f}"
        )
    return "\n".join(rows)


def _title(t: Translator, report: Report, *, markup: bool = False) -> str:
    """The title; `markup` for Slack's mrkdwn and a message's `text`, where the team's name is escaped. The
    header (plain_text, which Slack shows as it is: an entity would read `&lt;`), the shell and the chart get it
    as typed."""
    who = (escape(report.team_name) if markup else report.team_name) if report.team_name else t("report.workspace")
    return t("report.title", team=who, start=report.start.strftime("%d.%m.%Y"), end=report.end.strftime("%d.%m.%Y"))


def report_blocks(
    t: Translator, report: Report, *, chart_note: str | None = None, in_channel: bool = False, replies: bool = False
) -> list[Block]:
    """The report; `in_channel` for the team channel's digest, which counts the comments and doesn't show them;
    `replies` when the reader manages the team (Reply buttons on comments that allow replies)."""
    blocks: list[Block] = [header(_title(t, report))]
    quality = "\n".join(_quality_lines(t, report))
    energy = "\n".join(_energy_lines(t, report))
    blocks.append(
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": clip(quality, 2000)}, {"type": "mrkdwn", "text": clip(energy, 2000)}],
        }
    )
    if chart_note:
        blocks.append(context(chart_note))
    if not in_channel:  # customers' words are for managers, not the team channel
        blocks.extend(customer_words_blocks(t, report.cx_comments))
        blocks.extend(element_blocks(t, report.elements))
    blocks.append(divider())
    lag_text = f"*{t('report.lag.title')}*\n{lag_sentence(t, report)}"
    blocks.append(mrkdwn(lag_text))
    if report.lag.lags:
        blocks.append(context(clip("```" + _lag_table(t, report) + "```", 3000)))
    blocks.append(context(t("report.lag.caveat")))
    blocks.append(divider())
    if in_channel:
        blocks.extend(comment_digest_blocks(t, report.comments))
    else:
        blocks.extend(comment_blocks(t, report.comments, report.anonymity_min, replies=replies))
        blocks.append(divider())
        # You said, we did (the digest adds the same section after the report, under its own heading).
        if report.actions:
            blocks.extend(action_digest_blocks(t, report.actions, report.anonymity_min))
            blocks.append(divider())
    blocks.extend(_ending(t, report))
    return blocks


def _ending(t: Translator, report: Report) -> list[Block]:
    """Peak-end: the report ends on the period's story "from a tough moment to a win" if there is one (its
    author linked it), else on the most celebrated win."""
    top = report.wins.top
    if top is None:
        return [mrkdwn(t("report.end.no_wins"))]
    tone = (
        t("win.sentiment.not_scored")
        if top.polarity is None
        else t("win.sentiment.scored", polarity=f"{top.polarity:+.2f}")
    )
    title = "report.end.from_tough" if top.from_tough else "report.end.title"
    return [
        mrkdwn(t(title, author=mention(top.author_id), reactions=top.reactions)),
        mrkdwn(escape(clip(top.text, 2900))),
        context(tone),
    ]


def report_text(t: Translator, report: Report) -> str:
    """The same report as plain text (shell, notification fallback)."""
    lines = [_title(t, report), ""]
    lines += [*_quality_lines(t, report), "", *_energy_lines(t, report), ""]
    lines += customer_words_lines(t, report.cx_comments)
    if report.elements is not None:
        lines += [*element_lines(t, report.elements), ""]
    lines += [t("report.lag.title"), lag_sentence(t, report)]
    if report.lag.lags:
        lines.append(_lag_table(t, report))
    lines.append(t("report.lag.caveat"))
    lines.append("")
    lines += [*comment_lines(t, report.comments, report.anonymity_min), ""]
    if report.actions:
        lines.append(t("actions.title"))
        lines += [action_line(t, action, report.anonymity_min) for action in report.actions]
        lines.append("")
    top = report.wins.top
    if top is None:
        lines.append(t("report.end.no_wins"))
    else:
        title = "report.end.from_tough" if top.from_tough else "report.end.title"
        lines.append(t(title, author=top.author_id, reactions=top.reactions))
        lines.append(top.text)
        lines.append(
            t("win.sentiment.not_scored")
            if top.polarity is None
            else t("win.sentiment.scored", polarity=f"{top.polarity:+.2f}")
        )
    return _MENTION.sub(r"\1", "\n".join(lines).replace("*", ""))


def chart_labels(t: Translator, report: Report) -> ChartLabels:
    return ChartLabels(
        title=_title(t, report),
        needs_panel=t("report.chart.needs_panel"),
        cx_panel=t("report.chart.cx_panel"),
        csat_panel=t("report.chart.csat_panel"),
        autonomy=t("win.need.autonomy"),
        competence=t("win.need.competence"),
        belonging=t("win.need.belonging"),
        nps="NPS",
        enps="eNPS",
        csat="CSAT",
        hidden_gap=f"n < {report.anonymity_min}",
        previous_period=t("report.chart.previous"),
        no_pulse=t("report.chart.no_pulse"),
        no_cx=t("report.chart.no_cx"),
        n_row="n",
    )


def _marker_labels(t: Translator) -> ActionMarkerLabels:
    return ActionMarkerLabels(committed=t("report.chart.action_committed"), done=t("report.chart.action_done"))


def chart_png(t: Translator, report: Report) -> bytes:
    return render_trend_chart(report.chart, chart_labels(t, report), report.action_markers, _marker_labels(t))


def chart_figure(t: Translator, report: Report) -> Any:
    """The figure `chart_png` saves, for tests that read what was drawn."""
    figure = build_figure(report.chart, chart_labels(t, report))
    add_action_markers(figure, report.action_markers, _marker_labels(t))
    return figure


def notification_text(t: Translator, report: Report) -> str:
    return _title(t, report, markup=True)
