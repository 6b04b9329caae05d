"""Texts shared by every feature: help, generic errors, refusals."""

EN: dict[str, str] = {
    "core.help.title": "Pulssi: look after the people who make customer experience happen",
    "core.help.intro": (
        "Good customer experience starts inside. Pulssi asks short, anonymous pulse questions about "
        "*autonomy*, *competence* and *belonging*, celebrates customer wins, and shows both next to "
        "your NPS and CSAT."
    ),
    "core.help.everyone": "*For everyone*",
    "core.help.managers": "*For team managers and workspace admins*",
    "core.help.cmd.help": "`/pulse help`: this help",
    "core.help.cmd.status": "`/pulse status`: the team's schedule, next round, participation and managers",
    "core.help.cmd.mute": "`/pulse mute` / `/pulse unmute`: pause or resume pulse questions for you",
    "core.help.cmd.delete": "`/pulse delete-my-data`: remove everything Pulssi holds that names you",
    "core.help.cmd.win": "`/win [story]`: share a customer win and thank the colleagues behind it",
    "core.help.cmd.setup": "`/pulse setup`: make this channel a team (its members get the pulses)",
    "core.help.cmd.rename": "`/pulse rename NAME`: rename the team used in reports and the CX feed",
    "core.help.cmd.managers": "`/pulse managers @a @b`: set the team's managers",
    "core.help.cmd.move": "`/pulse move @person #channel`: move a person's home team (admins)",
    "core.help.cmd.schedule": (
        "`/pulse schedule [every 2 weeks mon 09:00]`: when pulses go out (without text: a form)"
    ),
    "core.help.cmd.now": "`/pulse now` / `/pulse close`: start a round now, or close the open one",
    "core.help.cmd.winschannel": "`/pulse winschannel #channel`: where the team's wins are celebrated",
    "core.help.cmd.cxfeed": (
        "`/pulse cxfeed <url-or-path>` / `/pulse cxfeed refresh` / `/pulse cxfeed alias NAME = TEAM`: "
        "the NPS/CSAT feed (admins)"
    ),
    "core.help.cmd.export": "`/pulse export`: a CSV of aggregates (admins; never individual answers)",
    "core.help.cmd.cxreport": "`/cxreport [#channel|team] [weeks]`: the team report beside NPS/CSAT",
    "core.help.privacy": (
        "Your answers are anonymous: they are stored without your Slack id, and no group result is shown "
        "until at least {k} people have answered."
    ),
    "core.help.unknown": "Unknown command: `{command}`. Here is what I can do:",
    "core.error.generic": "Sorry, something went wrong on our side. Nothing was lost; please try again in a moment.",
    "core.error.database": (
        "Sorry, Pulssi can't reach its database right now. Nothing you did was lost; please try again in a minute."
    ),
    "core.error.not_in_team": (
        "This channel isn't a Pulssi team yet. A workspace admin can make it one with `/pulse setup`."
    ),
    "core.refusal.admins_or_managers": (
        "Only workspace admins and this team's managers can do that. Managers here: {managers}."
    ),
    "core.refusal.admins_only": "Only workspace admins and owners can do that.",
    "core.refusal.org_admins_only": "This spans the whole Enterprise Grid org: only the org's admins and owners can do that.",
    "core.none": "none yet",
    "core.suppressed": "not enough answers yet (n < {k})",
}

FI: dict[str, str] = {
    "core.help.title": "Pulssi: pidä huolta ihmisistä, jotka tekevät asiakaskokemuksen",
    "core.help.intro": (
        "Hyvä asiakaskokemus syntyy sisältä. Pulssi kysyy lyhyitä, nimettömiä pulssikysymyksiä "
        "*autonomiasta*, *osaamisesta* ja *yhteisöllisyydestä*, juhlii onnistumisia asiakkaiden kanssa "
        "ja näyttää molemmat NPS:n ja CSAT:n rinnalla."
    ),
    "core.help.everyone": "*Kaikille*",
    "core.help.managers": "*Tiimien esihenkilöille ja työtilan ylläpitäjille*",
    "core.help.cmd.help": "`/pulse help`: tämä ohje",
    "core.help.cmd.status": "`/pulse status`: tiimin aikataulu, seuraava kierros, osallistuminen ja esihenkilöt",
    "core.help.cmd.mute": "`/pulse mute` / `/pulse unmute`: keskeytä tai jatka pulssikysymyksiä itsellesi",
    "core.help.cmd.delete": "`/pulse delete-my-data`: poista kaikki, mitä Pulssi säilyttää sinusta nimeltä",
    "core.help.cmd.win": "`/win [tarina]`: jaa onnistuminen asiakkaan kanssa ja kiitä sen tehneitä kollegoita",
    "core.help.cmd.setup": "`/pulse setup`: tee tästä kanavasta tiimi (sen jäsenet saavat pulssit)",
    "core.help.cmd.rename": "`/pulse rename NIMI`: nimeä tiimi uudelleen raportteja ja CX-syötettä varten",
    "core.help.cmd.managers": "`/pulse managers @a @b`: aseta tiimin esihenkilöt",
    "core.help.cmd.move": "`/pulse move @henkilö #kanava`: vaihda henkilön kotitiimi (ylläpitäjät)",
    "core.help.cmd.schedule": (
        "`/pulse schedule [joka toinen viikko ma 9.00]`: milloin pulssit lähtevät (ilman tekstiä: lomake)"
    ),
    "core.help.cmd.now": "`/pulse now` / `/pulse close`: aloita kierros heti tai sulje avoin kierros",
    "core.help.cmd.winschannel": "`/pulse winschannel #kanava`: missä tiimin onnistumisia juhlitaan",
    "core.help.cmd.cxfeed": (
        "`/pulse cxfeed <osoite-tai-polku>` / `/pulse cxfeed refresh` / `/pulse cxfeed alias NIMI = TIIMI`: "
        "NPS/CSAT-syöte (ylläpitäjät)"
    ),
    "core.help.cmd.export": "`/pulse export`: CSV-tiedosto koosteista (ylläpitäjät; ei koskaan yksittäisiä vastauksia)",
    "core.help.cmd.cxreport": "`/cxreport [#kanava|tiimi] [viikot]`: tiimin raportti NPS:n ja CSAT:n rinnalla",
    "core.help.privacy": (
        "Vastauksesi ovat nimettömiä: niitä ei tallenneta Slack-tunnuksesi kanssa, eikä ryhmän tuloksia "
        "näytetä ennen kuin vähintään {k} henkilöä on vastannut."
    ),
    "core.help.unknown": "Tuntematon komento: `{command}`. Tässä, mitä osaan:",
    "core.error.generic": "Pahoittelut, jokin meni vikaan meidän päässämme. Mitään ei kadonnut; yritä hetken päästä uudelleen.",
    "core.error.database": (
        "Pahoittelut, Pulssi ei juuri nyt saa yhteyttä tietokantaansa. Mitään ei kadonnut; yritä uudelleen minuutin päästä."
    ),
    "core.error.not_in_team": (
        "Tämä kanava ei ole vielä Pulssi-tiimi. Työtilan ylläpitäjä voi tehdä siitä tiimin komennolla `/pulse setup`."
    ),
    "core.refusal.admins_or_managers": (
        "Vain työtilan ylläpitäjät ja tämän tiimin esihenkilöt voivat tehdä tämän. Esihenkilöt: {managers}."
    ),
    "core.refusal.admins_only": "Vain työtilan ylläpitäjät ja omistajat voivat tehdä tämän.",
    "core.refusal.org_admins_only": "Tämä koskee koko Enterprise Grid -organisaatiota: vain organisaation ylläpitäjät ja omistajat voivat tehdä tämän.",
    "core.none": "ei vielä ketään",
    "core.suppressed": "liian vähän vastauksia (n < {k})",
}
