"""Block Kit and text for the team's pulse comments: escaped, clipped, in the order they were shuffled."""

from __future__ import annotations

from bot.blocks import Block, context, escape, mrkdwn
from bot.domain.feedback import PulseComments, clip_comment
from bot.i18n import Translator

SECTION_CHARS = 2900


def _packed(lines: list[str]) -> list[str]:
    """Bullet lines joined into as few section texts as fit Slack's 3000-character limit."""
    texts: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + 1 + len(line) > SECTION_CHARS:
            texts.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        texts.append(current)
    return texts


def comment_blocks(t: Translator, comments: PulseComments | None, k: int, *, title: str | None = None) -> list[Block]:
    """The comments as sections (people's text escaped), or one line saying when they appear."""
    heading = title or f"*{t('feedback.comments.title')}*"
    if comments is None or comments.suppressed:
        return [mrkdwn(heading + "\n" + t("feedback.comments.hidden", k=k))]
    lines = [f"• {escape(clip_comment(text))}" for text in comments.shown]
    blocks: list[Block] = [mrkdwn(heading)]
    blocks += [mrkdwn(text) for text in _packed(lines)]
    blocks.append(context(t("feedback.comments.intro", shown=len(comments.shown), total=comments.total)))
    return blocks


def comment_lines(t: Translator, comments: PulseComments | None, k: int) -> list[str]:
    """The same for plain text (the shell): people's text as written, clipped."""
    lines = [t("feedback.comments.title")]
    if comments is None or comments.suppressed:
        return [*lines, t("feedback.comments.hidden", k=k)]
    lines += [f"- {clip_comment(text)}" for text in comments.shown]
    lines.append(t("feedback.comments.intro", shown=len(comments.shown), total=comments.total))
    return lines


def digest_blocks(t: Translator, comments: PulseComments | None) -> list[Block]:
    """The channel sees how many comments there are and where managers read them, never the comments."""
    if comments is None or comments.suppressed:
        return []
    return [context(t("feedback.comments.digest", total=comments.total))]
