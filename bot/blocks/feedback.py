"""Block Kit and text for open feedback: the team's pulse comments (escaped, clipped, in the order they were
shuffled) and customers' own words beside NPS (masked already, escaped here)."""

from __future__ import annotations

from bot.blocks import Block, clip, context, escape, mrkdwn
from bot.blocks.conversations import reply_button
from bot.domain.cxelements import ElementComparison
from bot.domain.cxwords import CustomerWords, Voice
from bot.domain.feedback import Comment, PulseComments, clip_comment
from bot.domain.questions import NEEDS
from bot.domain.wins import CX_ELEMENTS
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


def _tag(t: Translator, comment: Comment) -> str:
    return f"[{t(f'win.need.{comment.need}')}] " if comment.need in NEEDS else ""


def comment_blocks(
    t: Translator, comments: PulseComments | None, k: int, *, title: str | None = None, replies: bool = False
) -> list[Block]:
    """The comments as sections (people's text escaped), or one line saying when they appear. With `replies`
    (the viewer manages the team), a comment whose writer allowed replies gets its own section with a Reply
    button, in its place in the shuffled order."""
    heading = title or f"*{t('feedback.comments.title')}*"
    if comments is None or comments.suppressed:
        return [mrkdwn(heading + "\n" + t("feedback.comments.hidden", k=k))]
    blocks: list[Block] = [mrkdwn(heading)]
    lines: list[str] = []
    for comment in comments.shown:
        line = f"• {_tag(t, comment)}{escape(clip_comment(comment.text))}"
        if not (replies and comment.route):
            lines.append(line)
            continue
        blocks += [mrkdwn(text) for text in _packed(lines)]
        lines = []
        section = mrkdwn(f"{line}\n_{t('convo.reply_marker')}_")
        section["accessory"] = reply_button(t, comment.route)
        blocks.append(section)
    blocks += [mrkdwn(text) for text in _packed(lines)]
    blocks.append(context(t("feedback.comments.intro", shown=len(comments.shown), total=comments.total)))
    return blocks


def comment_lines(t: Translator, comments: PulseComments | None, k: int) -> list[str]:
    """The same for plain text (the shell): people's text as written, clipped."""
    lines = [t("feedback.comments.title")]
    if comments is None or comments.suppressed:
        return [*lines, t("feedback.comments.hidden", k=k)]
    lines += [f"- {_tag(t, comment)}{clip_comment(comment.text)}" for comment in comments.shown]
    lines.append(t("feedback.comments.intro", shown=len(comments.shown), total=comments.total))
    return lines


def digest_blocks(t: Translator, comments: PulseComments | None) -> list[Block]:
    """The channel sees how many comments there are and where managers read them, never the comments."""
    if comments is None or comments.suppressed:
        return []
    return [context(t("feedback.comments.digest", total=comments.total))]


def _voice_lines(t: Translator, voices: tuple[Voice, ...], *, markup: bool) -> list[str]:
    if not voices:
        return [t("feedback.cx.none_side")]
    return [
        ("• " if markup else "- ") + t("feedback.cx.line", text=escape(v.text) if markup else v.text, score=v.score)
        for v in voices
    ]


def customer_words_blocks(t: Translator, words: CustomerWords | None) -> list[Block]:
    """Promoters and detractors side by side; nothing when the period has no NPS comments at all."""
    if words is None or not (words.promoters or words.detractors):
        return []
    promoters = "\n".join([f"*{t('feedback.cx.promoters')}*", *_voice_lines(t, words.promoters, markup=True)])
    detractors = "\n".join([f"*{t('feedback.cx.detractors')}*", *_voice_lines(t, words.detractors, markup=True)])
    return [
        mrkdwn(f"*{t('feedback.cx.title')}*"),
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": clip(promoters, 2000)},
                {"type": "mrkdwn", "text": clip(detractors, 2000)},
            ],
        },
        context(t("feedback.cx.masked")),
    ]


def customer_words_lines(t: Translator, words: CustomerWords | None) -> list[str]:
    if words is None or not (words.promoters or words.detractors):
        return []
    return [
        t("feedback.cx.title"),
        t("feedback.cx.promoters"),
        *_voice_lines(t, words.promoters, markup=False),
        t("feedback.cx.detractors"),
        *_voice_lines(t, words.detractors, markup=False),
        "",
    ]


def element_lines(t: Translator, comparison: ElementComparison | None) -> list[str]:
    """The comparison as lines: counts per element, wins per need, one sentence on the largest gap."""
    if comparison is None:
        return []
    title = t("feedback.elements.title")
    if not any(comparison.wins.values()) and not any(comparison.detractors.values()):
        return [title, t("feedback.elements.none")]
    lines = [title, t("feedback.elements.header")]
    for element in CX_ELEMENTS:
        lines.append(
            t(
                "feedback.elements.row",
                element=t(f"win.element.{element}"),
                wins=comparison.wins[element],
                detractors=comparison.detractors[element],
                promoters=comparison.promoters[element],
            )
        )
    needs = ", ".join(f"{t(f'win.need.{need}')} {count}" for need, count in comparison.win_needs.items())
    lines.append(t("feedback.elements.needs", needs=needs))
    if comparison.gap is not None:
        customers, team = comparison.gap
        lines.append(
            t(
                "feedback.elements.gap",
                customers=t(f"win.element.{customers}").lower(),
                team=t(f"win.element.{team}").lower(),
            )
        )
    lines.append(t("feedback.elements.lexicon"))
    return lines


def element_blocks(t: Translator, comparison: ElementComparison | None) -> list[Block]:
    lines = element_lines(t, comparison)
    if not lines:
        return []
    return [mrkdwn(clip(f"*{lines[0]}*\n" + "\n".join(lines[1:]), 2900))]
