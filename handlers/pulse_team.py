"""`/pulse setup|rename|managers|move|schedule|now|close|status|mute|unmute|winschannel|delete-my-data`."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks import actions, button, escape, mention, mentions, mrkdwn
from bot.blocks.audience import audience_text
from bot.deps import Deps
from bot.domain import schedule as schedule_domain
from bot.domain.anonymity import is_reportable
from bot.domain.people import TeamView
from bot.domain.policy import Action
from bot.domain.schedule import schedule_of
from bot.services import privacy, pulse_schedule, rounds, teams
from bot.services.teams import NotAllowed, NoTeam
from handlers import pulse
from handlers.common import ephemeral_or_dm, translator_before_ack, translator_for, user_id_of, workspace_id_of
from handlers.delivery import after_close
from handlers.pulse import PulseCommand, reply, subcommand
from handlers.registry import MANAGERS

logger = logging.getLogger(__name__)


def mention_list(user_ids: tuple[str, ...] | list[str], t: Any) -> str:
    return mentions(user_ids) or t("core.none")


def refusal_text(t: Any, error: NotAllowed) -> str:
    if error.org_admins_only:
        return str(t("core.refusal.org_admins_only"))
    if error.admins_only:
        return str(t("core.refusal.admins_only"))
    return str(t("core.refusal.admins_or_managers", managers=mention_list(error.managers, t)))


def refuse(command: PulseCommand, error: NotAllowed) -> None:
    reply(command, refusal_text(command.t, error))


def local_time(deps: Deps, user_id: str, moment: datetime) -> str:
    zone = schedule_domain.zone(deps.users.get(user_id).tz, deps.settings.default_timezone)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def team_of_channel(deps: Deps, command: PulseCommand) -> TeamView | None:
    try:
        return teams.team_for_channel(deps, command.workspace_id, command.channel_id)
    except NoTeam:
        reply(command, command.t("core.error.not_in_team"))
        return None


@subcommand("setup", audience=MANAGERS, order=10)
def setup(deps: Deps, command: PulseCommand) -> None:
    if not command.channel_id.startswith(("C", "G")):
        reply(command, command.t("pulsecmd.setup.not_channel"))
        return
    try:
        team, created, audience = teams.setup_team(
            deps, command.workspace_id, command.channel_id, command.channel_name, command.user_id
        )
    except NotAllowed as error:
        refuse(command, error)
        return
    except teams.ChannelNotReady as error:
        reply(command, command.t(f"slackerr.setup.{error.reason}", channel=error.channel_id))
        return
    key = "pulsecmd.setup.created" if created else "pulsecmd.setup.exists"
    text = command.t(
        key,
        channel=team.channel_name,
        name=escape(team.name),
        members=len(audience.pulsed),
        schedule=schedule_domain.render_schedule(schedule_of(team), command.t),
    )
    reply(command, text + "\n" + audience_text(command.t, audience))


@subcommand("rename", audience=MANAGERS, order=20)
def rename(deps: Deps, command: PulseCommand) -> None:
    team = team_of_channel(deps, command)
    if team is None:
        return
    if not command.args:
        reply(command, command.t("pulsecmd.rename.usage"))
        return
    try:
        teams.rename_team(deps, command.workspace_id, team.id, command.user_id, command.args)
    except NotAllowed as error:
        refuse(command, error)
        return
    reply(command, command.t("pulsecmd.rename.done", name=escape(command.args.strip()[:200])))


@subcommand("managers", audience=MANAGERS, order=30)
def managers(deps: Deps, command: PulseCommand) -> None:
    team = team_of_channel(deps, command)
    if team is None:
        return
    user_ids = teams.user_ids_from_mentions(command.args)
    if not user_ids:
        reply(command, command.t("pulsecmd.managers.usage"))
        return
    try:
        managers = teams.set_managers(deps, command.workspace_id, team.id, command.user_id, user_ids)
    except NotAllowed as error:
        refuse(command, error)
        return
    reply(
        command, command.t("pulsecmd.managers.done", team=escape(team.name), managers=mention_list(managers, command.t))
    )


@subcommand("move", audience=MANAGERS, order=40)
def move(deps: Deps, command: PulseCommand) -> None:
    people = teams.user_ids_from_mentions(command.args)
    channel = teams.channel_id_from_mention(command.args)
    if len(people) != 1 or channel is None:
        reply(command, command.t("pulsecmd.move.usage"))
        return
    try:
        team = teams.move_person(deps, command.workspace_id, command.user_id, people[0], channel)
    except NotAllowed as error:
        refuse(command, error)
        return
    except NoTeam:
        reply(command, command.t("core.error.not_in_team"))
        return
    reply(command, command.t("pulsecmd.move.done", person=mention(people[0]), team=escape(team.name)))


@subcommand("schedule", audience=MANAGERS, order=50)
def schedule(deps: Deps, command: PulseCommand) -> None:
    team = team_of_channel(deps, command)
    if team is None:
        return
    try:
        teams.require_team_manager(deps, command.workspace_id, team.id, command.user_id, Action.SET_SCHEDULE)
    except NotAllowed as error:
        refuse(command, error)
        return
    if not command.args:
        deps.client.views_open(trigger_id=command.trigger_id, view=schedule_modal(command.t, team))
        return
    try:
        new = schedule_domain.parse_schedule(command.args, schedule_of(team))
    except schedule_domain.ScheduleError as error:
        reply(command, command.t(error.key, **{key: escape(str(value)) for key, value in error.params.items()}))
        return
    save_schedule(deps, command.workspace_id, team, command.user_id, new, command.t, lambda text: reply(command, text))


def save_schedule(
    deps: Deps, workspace_id: str, team: TeamView, actor: str, new: schedule_domain.Schedule, t: Any, say: Any
) -> None:
    first = pulse_schedule.set_schedule(deps, workspace_id, team.id, actor, new)
    say(
        t(
            "pulsecmd.schedule.done",
            team=escape(team.name),
            schedule=schedule_domain.render_schedule(new, t),
            next=first.isoformat(),
        )
    )


def schedule_modal(t: Any, team: TeamView) -> dict[str, Any]:
    def option(text: str, value: str) -> dict[str, Any]:
        return {"text": {"type": "plain_text", "text": text}, "value": value}

    cadences = [option(t(f"pulsecmd.schedule.every_{n}"), str(n)) for n in (1, 2, 4)]
    weekdays = [option(t(f"schedule.weekday.{d}"), str(d)) for d in range(7)]
    return {
        "type": "modal",
        "callback_id": "pulse_schedule_modal",
        "private_metadata": str(team.id),
        "title": {"type": "plain_text", "text": t("pulsecmd.schedule.modal_title")},
        "submit": {"type": "plain_text", "text": t("pulsecmd.schedule.save")},
        "close": {"type": "plain_text", "text": t("pulsecmd.schedule.cancel")},
        "blocks": [
            {
                "type": "input",
                "block_id": "cadence",
                "label": {"type": "plain_text", "text": t("pulsecmd.schedule.cadence")},
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": cadences,
                    "initial_option": cadences[[1, 2, 4].index(team.every_weeks)],
                },
            },
            {
                "type": "input",
                "block_id": "weekday",
                "label": {"type": "plain_text", "text": t("pulsecmd.schedule.weekday")},
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": weekdays,
                    "initial_option": weekdays[team.weekday],
                },
            },
            {
                "type": "input",
                "block_id": "time",
                "label": {"type": "plain_text", "text": t("pulsecmd.schedule.time")},
                "element": {"type": "plain_text_input", "action_id": "value", "initial_value": team.at_time},
            },
        ],
    }


@subcommand("now", "start", audience=MANAGERS, order=60)
def start_now(deps: Deps, command: PulseCommand) -> None:
    team = team_of_channel(deps, command)
    if team is None:
        return
    try:
        teams.require_team_manager(deps, command.workspace_id, team.id, command.user_id, Action.START_ROUND)
        started = rounds.start_round(deps, command.workspace_id, team.id, manual=True)
    except NotAllowed as error:
        refuse(command, error)
        return
    except rounds.RoundAlreadyOpen:
        reply(command, command.t("pulsecmd.now.already_open", team=escape(team.name)))
        return
    except rounds.TeamPaused as paused:
        since = local_time(deps, command.user_id, paused.since)
        reply(command, command.t("pulsecmd.now.paused", team=escape(team.name), since=since))
        return
    if started is None or started.invited == 0:
        reply(command, command.t("pulsecmd.now.nobody", team=escape(team.name)))
        return
    reply(
        command,
        command.t(
            "pulsecmd.now.done",
            number=started.number,
            team=escape(team.name),
            invited=started.invited,
            closes=local_time(deps, command.user_id, started.closes_at),
        ),
    )
    # Send at once rather than waiting for the next tick.
    from bot.services import outbox

    outbox.send_due_pulses(deps)


@subcommand("close", audience=MANAGERS, help_key="now", order=61)
def close(deps: Deps, command: PulseCommand) -> None:
    team = team_of_channel(deps, command)
    if team is None:
        return
    try:
        teams.require_team_manager(deps, command.workspace_id, team.id, command.user_id, Action.CLOSE_ROUND)
        closed = rounds.close_open_round(deps, command.workspace_id, team.id)
    except NotAllowed as error:
        refuse(command, error)
        return
    except rounds.NoOpenRound:
        reply(command, command.t("pulsecmd.close.none", team=escape(team.name)))
        return
    k = deps.settings.anonymity_min
    if is_reportable(closed.answered, k):
        reply(
            command,
            command.t("pulsecmd.close.done", team=escape(team.name), answered=closed.answered, invited=closed.invited),
        )
    else:
        reply(command, command.t("pulsecmd.close.done_suppressed", team=escape(team.name), k=k))
    deps.run_later(after_close, deps, closed)  # the digest draws a chart: after ack


@subcommand("status", order=10)
def status(deps: Deps, command: PulseCommand) -> None:
    team = team_of_channel(deps, command)
    if team is None:
        team = teams.home_team_of(deps, command.workspace_id, command.user_id)
        if team is None:
            return
    if not teams.may(deps, command.workspace_id, command.user_id, Action.TEAM_STATUS, team.id):
        reply(command, command.t("pulsecmd.status.refused", team=escape(team.name)))
        return
    t = command.t
    k = deps.settings.anonymity_min
    status = pulse_schedule.team_status(deps, command.workspace_id, team.id)
    lines = [
        t("pulsecmd.status.title", name=escape(team.name), channel=team.channel_name),
        t("pulsecmd.status.schedule", schedule=schedule_domain.render_schedule(schedule_of(team), t)),
        t("pulsecmd.status.next", next=status.next_date.isoformat()),
    ]
    open_round = status.open_round
    if open_round is None:
        lines.append(t("pulsecmd.status.no_open"))
    else:
        # A live count below k could let a manager watch who answered; the service hands it only from k up.
        participation = (
            t("pulsecmd.status.participation", answered=open_round.answered, invited=open_round.invited)
            if open_round.answered is not None
            else t("pulsecmd.status.participation_low", k=k, invited=open_round.invited)
        )
        lines.append(
            t(
                "pulsecmd.status.open",
                number=open_round.number,
                participation=participation,
                closes=local_time(deps, command.user_id, open_round.closes_at),
            )
        )
    lines.append(t("pulsecmd.status.managers", managers=mention_list(team.managers, t)))
    if team.wins_channel_id:
        lines.append(t("pulsecmd.status.wins_channel", channel=f"<#{team.wins_channel_id}>"))
    reply(command, lines[0], [mrkdwn("\n".join(lines))])


@subcommand("mute", "pause", order=20)
def mute(deps: Deps, command: PulseCommand) -> None:
    rounds.set_muted(deps, command.workspace_id, command.user_id, True)
    reply(command, command.t("pulsecmd.mute.done"))


@subcommand("unmute", "resume", help_key="mute", order=21)
def unmute(deps: Deps, command: PulseCommand) -> None:
    rounds.set_muted(deps, command.workspace_id, command.user_id, False)
    reply(command, command.t("pulsecmd.unmute.done"))


@subcommand("winschannel", audience=MANAGERS, order=70)
def winschannel(deps: Deps, command: PulseCommand) -> None:
    team = team_of_channel(deps, command)
    if team is None:
        return
    channel = teams.channel_id_from_mention(command.args)
    turn_off = command.args.strip().lower() in ("off", "pois", "none")
    if channel is None and not turn_off:
        reply(command, command.t("pulsecmd.winschannel.usage"))
        return
    try:
        teams.set_wins_channel(deps, command.workspace_id, team.id, command.user_id, channel)
    except NotAllowed as error:
        refuse(command, error)
        return
    if channel is None:
        reply(command, command.t("pulsecmd.winschannel.off", team=escape(team.name)))
    else:
        reply(command, command.t("pulsecmd.winschannel.done", team=escape(team.name), channel=f"<#{channel}>"))


@subcommand("delete-my-data", "forget-me", help_key="delete", order=30)
def delete_my_data(deps: Deps, command: PulseCommand) -> None:  # noqa: ARG001 (a subcommand's signature)
    t = command.t
    reply(
        command,
        t("pulsecmd.delete.confirm"),
        [
            mrkdwn(t("pulsecmd.delete.confirm")),
            actions(
                "delete_my_data",
                [
                    button(t("pulsecmd.delete.keep_wins"), "delete_my_data_keep_wins", "keep", style="danger"),
                    button(t("pulsecmd.delete.with_wins"), "delete_my_data_with_wins", "all", style="danger"),
                ],
            ),
        ],
    )


def register(app: App, deps: Deps) -> None:
    assert pulse is not None  # the /pulse dispatcher owns the command; this module adds subcommands

    @app.action("delete_my_data_keep_wins")
    @app.action("delete_my_data_with_wins")
    def confirm_delete(ack: Ack, body: dict[str, Any], respond: Respond, action: dict[str, Any]) -> None:
        ack()
        user_id = user_id_of(body)
        t = translator_for(deps, workspace_id_of(body), user_id)
        deleted = privacy.delete_my_data(
            deps, workspace_id_of(body), user_id, include_wins=action.get("action_id") == "delete_my_data_with_wins"
        )
        respond(
            text=t("pulsecmd.delete.done", **deleted.__dict__),
            response_type="ephemeral",
            replace_original=True,
        )

    @app.view("pulse_schedule_modal")
    def schedule_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user_id = user_id_of(body)
        values = view["state"]["values"]
        raw_time = str(values["time"]["value"].get("value") or "").strip()
        try:
            at = schedule_domain.parse_time(raw_time)
        except schedule_domain.ScheduleError:
            t = translator_before_ack(deps, workspace_id_of(body), user_id)  # no Slack call before ack()
            ack(response_action="errors", errors={"time": t("pulsecmd.schedule.bad_time")})
            return
        t = translator_before_ack(deps, workspace_id_of(body), user_id)  # refusals go out with ack()
        workspace_id = workspace_id_of(body)
        team_id = int(view.get("private_metadata") or 0)
        team = teams.team_view(deps, workspace_id, team_id)
        if team is None:  # e.g. another workspace's team id
            ack(response_action="errors", errors={"time": t("core.error.not_in_team")})
            return
        if deps.users.cached(user_id) is not None:  # known without asking Slack: the refusal goes in the modal
            try:
                teams.require_team_manager(deps, workspace_id, team_id, user_id, Action.SET_SCHEDULE)
            except NotAllowed as error:
                ack(response_action="errors", errors={"time": refusal_text(t, error)})
                return
        ack()  # otherwise the role check (a users.info call) runs after ack(), and a refusal is sent, never swallowed
        t = translator_for(deps, workspace_id, user_id)
        try:
            teams.require_team_manager(deps, workspace_id, team_id, user_id, Action.SET_SCHEDULE)
        except NotAllowed as error:
            ephemeral_or_dm(deps, team.channel_id, user_id, refusal_text(t, error))
            return
        new = schedule_domain.Schedule(
            every_weeks=int(values["cadence"]["value"]["selected_option"]["value"]),  # type: ignore[arg-type]
            weekday=int(values["weekday"]["value"]["selected_option"]["value"]),
            at=at,
        )
        try:
            save_schedule(
                deps,
                workspace_id,
                team,
                user_id,
                new,
                t,
                lambda text: ephemeral_or_dm(deps, team.channel_id, user_id, text),
            )
        except NotAllowed:
            ephemeral_or_dm(deps, team.channel_id, user_id, t("core.refusal.admins_only"))
