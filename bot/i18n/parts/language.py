"""Texts for choosing a language (`/pulse language`, Home, the first DM) and "where am I" (`/pulse whoami`)."""

EN: dict[str, str] = {
    "core.help.cmd.language": (
        "`/pulse language fi|en`: the language Pulssi uses with you (`auto` follows Slack and your team); "
        "`/pulse language team fi|en`: the language of your team channel's posts (managers, admins)"
    ),
    "core.help.cmd.whoami": "`/pulse whoami`: your home team, your roles and your language, and how to change each",
    "language.name.en": "English",
    "language.name.fi": "Finnish",
    "language.endonym.en": "English",
    "language.endonym.fi": "Suomi",
    "language.choice.prompt": "Which language should Pulssi use with you?",
    "language.source.chosen": "your choice",
    "language.source.slack": "your Slack language",
    "language.source.team": "your team's language",
    "language.source.default": "the workspace default",
    "language.current": "Pulssi speaks {language} with you ({source}).",
    "language.usage": (
        "`/pulse language fi` or `/pulse language en` sets your language; `/pulse language auto` clears your "
        "choice. `/pulse language team fi` or `/pulse language team en` sets the language of what Pulssi posts "
        "in your team's channel (its managers and workspace admins)."
    ),
    "language.unknown": "Pulssi has no language `{value}`. Choose `en` (English) or `fi` (suomi).",
    "language.set.done": (
        "Pulssi speaks {language} with you from now on. Change it any time with `/pulse language en|fi` "
        "or on the Home tab."
    ),
    "language.reset.done": (
        "Your own choice is cleared: Pulssi follows your Slack language, your team's language or the "
        "workspace default. That is {language} now."
    ),
    "language.team.done": "What Pulssi posts in <#{channel}> for {team} (celebrations, digests) is in {language} now.",
    "language.team.no_team": (
        "This channel is not a team and you have no home team, so there is no team to set. "
        "Run `/pulse language team fi|en` in the team's channel."
    ),
    "whereami.title": "*Where you are in Pulssi*",
    "whereami.home_team": "*Home team:* {team} (<#{channel}>). Your pulses come from this team.",
    "whereami.no_home_team": (
        "*Home team:* none yet. You get one when an admin runs `/pulse setup` in a channel you are in."
    ),
    "whereami.home_team.change": "To change it, a workspace admin runs `/pulse move @you #channel`.",
    "whereami.roles": "*Roles:* {roles}",
    "whereami.role.admin": "workspace admin",
    "whereami.role.manager": "manager of {teams}",
    "whereami.role.member": "team member",
    "whereami.role.none": "none yet",
    "whereami.roles.change": (
        "A team's managers are set with `/pulse managers @a @b` by its managers or an admin; "
        "workspace admins are set in Slack."
    ),
    "whereami.language": "*Language:* {language} ({source}).",
    "whereami.language.change": "Change it with `/pulse language fi` or `/pulse language en`, or on the Home tab.",
    "whereami.team_language": (
        "{team}'s channel posts are in {language}; its managers change that with `/pulse language team fi|en`."
    ),
    "whereami.report.channel_team": "Report for *{team}*, this channel's team. Another team: `/cxreport #channel`.",
    "whereami.report.home_team": "Report for *{team}*, your home team. Another team: `/cxreport #channel`.",
    "whereami.report.managed_team": "Report for *{team}*, a team you manage. Another team: `/cxreport #channel`.",
}

FI: dict[str, str] = {
    "core.help.cmd.language": (
        "`/pulse language fi|en`: kieli, jota Pulssi käyttää kanssasi (`auto` seuraa Slackia ja tiimiäsi); "
        "`/pulse language team fi|en`: tiimikanavan viestien kieli (esihenkilöt, ylläpitäjät)"
    ),
    "core.help.cmd.whoami": "`/pulse whoami`: kotitiimisi, roolisi ja kielesi, ja miten kutakin muutetaan",
    "language.name.en": "englanti",
    "language.name.fi": "suomi",
    "language.endonym.en": "English",
    "language.endonym.fi": "Suomi",
    "language.choice.prompt": "Millä kielellä Pulssi puhuu sinulle?",
    "language.source.chosen": "oma valintasi",
    "language.source.slack": "Slackin kielesi",
    "language.source.team": "tiimisi kieli",
    "language.source.default": "työtilan oletus",
    "language.current": "Pulssi puhuu kanssasi kieltä {language} ({source}).",
    "language.usage": (
        "`/pulse language fi` tai `/pulse language en` asettaa kielesi; `/pulse language auto` poistaa "
        "valintasi. `/pulse language team fi` tai `/pulse language team en` asettaa kielen, jolla Pulssi "
        "kirjoittaa tiimisi kanavalle (tiimin esihenkilöt ja työtilan ylläpitäjät)."
    ),
    "language.unknown": "Pulssissa ei ole kieltä `{value}`. Valitse `fi` (suomi) tai `en` (English).",
    "language.set.done": (
        "Pulssi käyttää kanssasi tästä lähtien kieltä {language}. Voit vaihtaa sen milloin tahansa "
        "komennolla `/pulse language fi|en` tai Koti-välilehdellä."
    ),
    "language.reset.done": (
        "Oma valintasi on poistettu: Pulssi seuraa Slackin kieltäsi, tiimisi kieltä tai työtilan oletusta. "
        "Nyt se on {language}."
    ),
    "language.team.done": (
        "Pulssi kirjoittaa tiimin {team} kanavalle <#{channel}> (onnistumiset, koosteet) nyt kielellä {language}."
    ),
    "language.team.no_team": (
        "Tämä kanava ei ole tiimi, eikä sinulla ole kotitiimiä, joten asetettavaa tiimiä ei ole. "
        "Anna `/pulse language team fi|en` tiimin kanavalla."
    ),
    "whereami.title": "*Missä olet Pulssissa*",
    "whereami.home_team": "*Kotitiimi:* {team} (<#{channel}>). Pulssikysymyksesi tulevat tämän tiimin kautta.",
    "whereami.no_home_team": (
        "*Kotitiimi:* ei vielä. Saat sen, kun ylläpitäjä antaa `/pulse setup` kanavalla, jolla olet."
    ),
    "whereami.home_team.change": "Sen vaihtamiseksi työtilan ylläpitäjä antaa `/pulse move @sinä #kanava`.",
    "whereami.roles": "*Roolit:* {roles}",
    "whereami.role.admin": "työtilan ylläpitäjä",
    "whereami.role.manager": "tiimin {teams} esihenkilö",
    "whereami.role.member": "tiimin jäsen",
    "whereami.role.none": "ei vielä",
    "whereami.roles.change": (
        "Tiimin esihenkilöt asetetaan komennolla `/pulse managers @a @b` (tiimin esihenkilöt tai ylläpitäjä); "
        "työtilan ylläpitäjät asetetaan Slackissa."
    ),
    "whereami.language": "*Kieli:* {language} ({source}).",
    "whereami.language.change": "Vaihda se komennolla `/pulse language fi` tai `/pulse language en`, tai Koti-välilehdellä.",
    "whereami.team_language": (
        "Tiimin {team} kanavaviestit ovat kielellä {language}; sen esihenkilöt vaihtavat sen komennolla "
        "`/pulse language team fi|en`."
    ),
    "whereami.report.channel_team": "Raportti tiimistä *{team}*, tämän kanavan tiimistä. Muu tiimi: `/cxreport #kanava`.",
    "whereami.report.home_team": "Raportti tiimistä *{team}*, kotitiimistäsi. Muu tiimi: `/cxreport #kanava`.",
    "whereami.report.managed_team": "Raportti tiimistä *{team}*, jota johdat. Muu tiimi: `/cxreport #kanava`.",
}
