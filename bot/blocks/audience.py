"""Who is pulsed, in words: "9 in the channel: 7 pulsed, 1 guest, 1 from another organisation."."""

from __future__ import annotations

from bot.domain.audience import Audience, LeftOut
from bot.i18n import Translator


def audience_text(t: Translator, audience: Audience) -> str:
    parts = [t("audience.pulsed", count=len(audience.pulsed))]
    for reason in LeftOut:
        count = audience.left_out.get(reason, 0)
        if count:
            parts.append(
                t(f"audience.{reason.value}.one") if count == 1 else t(f"audience.{reason.value}.other", count=count)
            )
    return t("audience.summary", total=audience.total, parts=", ".join(parts))
