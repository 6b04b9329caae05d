"""The Home tab: your own round, your team's latest numbers (from k answers up), wins, settings."""

from __future__ import annotations

from bot.blocks import Block, actions, button, clip, context, divider, escape, header, mention, mrkdwn
from bot.blocks.cxfeed import reason_text
from bot.blocks.feedback import comment_blocks
from bot.blocks.language import language_choice_blocks, whoami_lines
from bot.blocks.pulse import pulse_message_blocks
from bot.blocks.tough import home_button as tough_home_button
from bot.domain.home import HomeModel
from bot.i18n import Translator

MAX_HOME_BLOCKS = 100
PRIVACY_URL = "https://github.com/pulssi/pulssi#privacy-model"


def home_view(t: Translator, model: HomeModel) -> dict[str, object]:
    k = model.anonymity_min
    blocks: list[Block] = [header(t("home.title"))]
    if model.team is None:
        blocks.append(mrkdwn(t("home.no_team")))
    else:
        blocks.append(context(t("home.your_team", team=escape(model.team.name))))
    if model.who is not None:
        blocks.append(mrkdwn("\n".join(whoami_lines(t, model.who))))
        blocks += language_choice_blocks(model.who.language.chosen)
    # What Slack refused, shown only to those who can fix it (counts and channels, never a person).
    blocks += [mrkdwn(clip(t(notice.key, **notice.params), 2900)) for notice in model.slack_notices[:5]]
    # Your open round, answerable right here; only you see this view.
    if model.open_round is not None:
        blocks.append(divider())
        blocks.append(mrkdwn(t("home.open_round")))
        state = model.open_round
        blocks += pulse_message_blocks(
            t,
            round_id=state.round_id,
            statements=state.statements,
            asks_enps=state.asks_enps,
            is_open=state.is_open,
            anonymity_min=k,
        )[1:]
    blocks.append(divider())
    if model.latest is not None:
        latest = model.latest
        if latest.means:
            numbers = "  ·  ".join(f"*{t('pulse.need.' + need)}* {mean:.1f}" for need, mean in latest.means.items())
            blocks.append(mrkdwn(t("home.latest", number=latest.number, date=latest.closed_on) + "\n" + numbers))
        else:
            blocks.append(
                mrkdwn(t("home.latest", number=latest.number, date=latest.closed_on) + "\n" + t("core.suppressed", k=k))
            )
    if model.wins:
        lines = [f"• {mention(w.author_id)}: {escape(clip(w.text, 180))} ({w.reactions} :tada:)" for w in model.wins]
        blocks.append(mrkdwn(t("home.team_wins") + "\n" + "\n".join(lines)))
    blocks.append(
        actions(
            "home_actions",
            [
                button(t("home.share_win"), "home_share_win", style="primary"),
                button(
                    t("home.unmute") if model.muted else t("home.mute"),
                    "home_toggle_mute",
                    "unmute" if model.muted else "mute",
                ),
                button(t("home.delete_my_data"), "home_delete_my_data", style="danger"),
            ],
        )
    )
    blocks.append(tough_home_button(t))
    if model.own_wins:
        blocks.append(mrkdwn(t("home.own_wins")))
        for win in model.own_wins:
            blocks.append(
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": escape(clip(win.text, 300))},
                    "accessory": {
                        "type": "overflow",
                        "action_id": "win_overflow",
                        "options": [
                            {"text": {"type": "plain_text", "text": t("win.edit")}, "value": f"edit:{win.id}"},
                            {"text": {"type": "plain_text", "text": t("win.delete")}, "value": f"delete:{win.id}"},
                        ],
                    },
                }
            )
    if model.is_admin or model.is_manager or model.may_set_up or model.may_run_team:
        blocks.append(divider())
        blocks.append(header(t("home.manager_title")))
        manager_buttons = [button(t("home.open_report"), "home_open_report")]
        if model.team is not None and (model.is_admin or model.is_manager or model.may_run_team):
            manager_buttons += [
                button(t("home.settings_schedule"), "home_settings_schedule", str(model.team.id)),
                button(t("home.settings_managers"), "home_settings_managers", str(model.team.id)),
                button(t("home.settings_winschannel"), "home_settings_winschannel", str(model.team.id)),
            ]
        if model.is_admin:
            manager_buttons.append(button(t("home.settings_cxfeed"), "home_settings_cxfeed"))
        if model.is_admin or model.may_set_up:
            manager_buttons.append(button(t("home.settings_setup"), "home_settings_setup"))
        blocks.append(actions("home_manager_actions", manager_buttons))
        if model.comments is not None:
            title = t("feedback.comments.home_title", weeks=model.comments_weeks)
            blocks += comment_blocks(t, model.comments, k, title=title, replies=model.can_reply)
        if model.participation:
            rows: list[str] = []
            for row in model.participation:
                if row.answered is None:
                    key = "home.participation_low" if row.is_open else "home.participation_closed_low"
                    rows.append(t(key, number=row.number, k=k, invited=row.invited))
                else:
                    rows.append(t("home.participation", number=row.number, answered=row.answered, invited=row.invited))
            blocks.append(mrkdwn(t("home.participation_title") + "\n" + "\n".join(rows)))
        if model.is_admin and model.cx_feed is not None:
            feed = model.cx_feed
            text = t(
                "home.cx_feed",
                source=escape((feed.source or t("core.none")).split("?", 1)[0]),
                last=feed.last_pull_at.strftime("%Y-%m-%d %H:%M UTC") if feed.last_pull_at else t("core.none"),
            )
            if feed.summary:
                text += "\n" + t(
                    "home.cx_feed_summary",
                    imported=feed.summary.get("imported", 0),
                    rejected=feed.summary.get("rejected", 0),
                )
                reasons = feed.summary.get("reasons") or []
                # (rows, first line, code, detail) since reasons are grouped; (line, code, detail) before.
                grouped = [
                    tuple(r) if len(r) == 4 else (1, *r)
                    for r in (reasons if isinstance(reasons, list) else [])[:5]
                    if isinstance(r, list | tuple) and len(r) in (3, 4)
                ]
                lines = [
                    t(
                        "cxfeed.summary.reason_line",
                        rows=t("cxfeed.count.rows.one" if r[0] == 1 else "cxfeed.count.rows.other", n=r[0]),
                        line=r[1],
                        reason=reason_text(t, str(r[2]), str(r[3])),  # Slack: the reason, never the cell
                    )
                    for r in grouped
                ]
                if lines:
                    text += "\n" + "\n".join(clip(line, 200) for line in lines)
            blocks.append(mrkdwn(text))
    blocks.append(divider())
    blocks.append(context(":lock: " + t("home.privacy", k=k, url=PRIVACY_URL)))
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}
