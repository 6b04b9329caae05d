"""Texts for manager nudges: the DM, the snooze, and the bank of suggested actions (five per need)."""

EN: dict[str, str] = {
    "nudge.drop.text": "A nudge for {team}: *{need}* dropped by {change} in the last round, beyond noise.",
    "nudge.detractor_rise.text": (
        "A nudge for {team}: the share of NPS detractors rose in the last four weeks, beyond noise."
    ),
    "nudge.no_win_noticed.text": (
        "A nudge for {team}: no win of the team has had a reaction from its managers in four weeks."
    ),
    "nudge.tough_waiting.text": (
        "A nudge for {team}: a request for a talk after a tough customer moment is still waiting for"
        " your acknowledgement. Its DM has the buttons."
    ),
    "nudge.suggest.label": "One thing to try:",
    "nudge.commit": "Commit to an action",
    "nudge.snooze": "Snooze nudges for 4 weeks",
    "nudge.snoozed": "No nudges for {team} until {until}.",
    "nudge.suggest.autonomy.1": "Ask the team which rule or approval slows them down most, and drop one.",
    "nudge.suggest.autonomy.2": "Let each person choose how to handle one recurring customer case type.",
    "nudge.suggest.autonomy.3": "Agree on a refund or goodwill limit people can use without asking.",
    "nudge.suggest.autonomy.4": "Let the team plan next week's schedule themselves.",
    "nudge.suggest.autonomy.5": "Ask 'what would you do?' before giving your answer in the next tricky case.",
    "nudge.suggest.competence.1": "Go through one hard customer case together and write down what worked.",
    "nudge.suggest.competence.2": "Pair newer people with experienced ones for an afternoon of shadowing.",
    "nudge.suggest.competence.3": "Tell each person one specific thing they did well this week.",
    "nudge.suggest.competence.4": "Set aside an hour for learning a tool or product area people ask about.",
    "nudge.suggest.competence.5": "Ask what the team lacks to solve cases on the first contact.",
    "nudge.suggest.belonging.1": "Start the next team meeting with a round of customer wins.",
    "nudge.suggest.belonging.2": "Have a one-to-one with each person within two weeks, just to listen.",
    "nudge.suggest.belonging.3": "Thank a colleague's help in public, naming what they did.",
    "nudge.suggest.belonging.4": "Make sure nobody handles the hardest queue alone this week.",
    "nudge.suggest.belonging.5": "Ask the team what would make them feel more part of it, and act on one idea.",
}

FI: dict[str, str] = {
    "nudge.drop.text": "Tuuppaus tiimille {team}: *{need}* laski viime kierroksella {change}, kohinaa enemmän.",
    "nudge.detractor_rise.text": (
        "Tuuppaus tiimille {team}: NPS-arvostelijoiden osuus kasvoi neljässä viikossa, kohinaa enemmän."
    ),
    "nudge.no_win_noticed.text": (
        "Tuuppaus tiimille {team}: yksikään tiimin onnistuminen ei ole saanut esihenkilöiltä reaktiota neljään viikkoon."
    ),
    "nudge.tough_waiting.text": (
        "Tuuppaus tiimille {team}: pyyntö keskustelusta vaikean asiakastilanteen jälkeen odottaa yhä"
        " kuittaustasi. Sen viestissä ovat painikkeet."
    ),
    "nudge.suggest.label": "Yksi kokeiltava asia:",
    "nudge.commit": "Sitoudu toimenpiteeseen",
    "nudge.snooze": "Hiljennä tuuppaukset 4 viikoksi",
    "nudge.snoozed": "Ei tuuppauksia tiimistä {team} ennen {until}.",
    "nudge.suggest.autonomy.1": "Kysy tiimiltä, mikä sääntö tai hyväksyntä hidastaa eniten, ja poista yksi.",
    "nudge.suggest.autonomy.2": "Anna jokaisen päättää, miten hän hoitaa yhden toistuvan asiakastapauksen.",
    "nudge.suggest.autonomy.3": "Sopikaa hyvitysraja, jota voi käyttää kysymättä.",
    "nudge.suggest.autonomy.4": "Anna tiimin suunnitella ensi viikon vuorot itse.",
    "nudge.suggest.autonomy.5": "Kysy seuraavassa hankalassa tapauksessa ensin: 'mitä sinä tekisit?'",
    "nudge.suggest.competence.1": "Käykää yksi vaikea asiakastapaus yhdessä läpi ja kirjatkaa, mikä toimi.",
    "nudge.suggest.competence.2": "Pariuta uudet kokeneiden kanssa iltapäiväksi seuraamaan työtä.",
    "nudge.suggest.competence.3": "Kerro jokaiselle yksi asia, jonka hän teki tällä viikolla hyvin.",
    "nudge.suggest.competence.4": "Varaa tunti työkalun tai tuotealueen opetteluun, josta kysytään paljon.",
    "nudge.suggest.competence.5": "Kysy, mitä tiimiltä puuttuu, jotta tapaukset ratkeaisivat ensimmäisellä yhteydellä.",
    "nudge.suggest.belonging.1": "Aloita seuraava tiimipalaveri kierroksella asiakasonnistumisia.",
    "nudge.suggest.belonging.2": "Pidä jokaisen kanssa kahdenkeskinen kahden viikon sisällä, vain kuunnellen.",
    "nudge.suggest.belonging.3": "Kiitä kollegan apua julkisesti ja kerro, mitä hän teki.",
    "nudge.suggest.belonging.4": "Varmista, ettei kukaan hoida vaikeinta jonoa yksin tällä viikolla.",
    "nudge.suggest.belonging.5": "Kysy tiimiltä, mikä lisäisi yhteenkuuluvuutta, ja toteuta yksi ajatus.",
}
