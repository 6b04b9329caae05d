"""Pulse statements (one per need per pulse), the 1–5 agreement scale, the eNPS question and need names.

Keys of the statements are listed in bot/domain/questions.py (BANK). Statements are first person and
short (≤ 150 characters) so they read well on a phone; the Finnish is written, not translated.
"""

EN: dict[str, str] = {
    # Needs: names and one-line meanings.
    "pulse.need.autonomy": "Autonomy",
    "pulse.need.competence": "Competence",
    "pulse.need.belonging": "Belonging",
    "pulse.need.autonomy.description": "I decide how I work",
    "pulse.need.competence.description": "I can do it and I grow",
    "pulse.need.belonging.description": "I am connected and cared for",
    # Autonomy: I decide how I work.
    "pulse.q.autonomy.1": "I can decide how I solve a customer's problem.",
    "pulse.q.autonomy.2": "I can bend our usual way of working when a customer needs something different.",
    "pulse.q.autonomy.3": "I have a say in how my working day is planned.",
    "pulse.q.autonomy.4": "I can put things right for a customer without first asking anyone for permission.",
    "pulse.q.autonomy.5": "I can try out new ways of serving our customers.",
    "pulse.q.autonomy.6": "I do my work because I want to, not only because I have to.",
    # Competence: I can do it and I grow.
    "pulse.q.competence.1": "I know how to help the customers I work with.",
    "pulse.q.competence.2": "I have learned something new in my work in the past few weeks.",
    "pulse.q.competence.3": "I get useful feedback on how I'm doing.",
    "pulse.q.competence.4": "I can handle even difficult customer situations.",
    "pulse.q.competence.5": "I have the tools and information I need to do my job well.",
    "pulse.q.competence.6": "My work lets me use my strengths.",
    # Belonging: I am connected and cared for.
    "pulse.q.belonging.1": "I feel I belong in this team.",
    "pulse.q.belonging.2": "I can ask my colleagues for help when a customer case gets tricky.",
    "pulse.q.belonging.3": "Someone at work cares about how I'm doing.",
    "pulse.q.belonging.4": "My work is noticed and appreciated in our team.",
    "pulse.q.belonging.5": "I can be myself at work.",
    "pulse.q.belonging.6": "When things go well with a customer, my team celebrates with me.",
    # The 1–5 agreement scale.
    "pulse.scale.1": "strongly disagree",
    "pulse.scale.2": "disagree",
    "pulse.scale.3": "neither agree nor disagree",
    "pulse.scale.4": "agree",
    "pulse.scale.5": "strongly agree",
    # eNPS, every 4th round.
    "pulse.enps.question": "How likely are you to recommend this team as a place to work? (0 = not at all likely, 10 = extremely likely)",
    "pulse.enps.low": "not at all likely",
    "pulse.enps.high": "extremely likely",
}

FI: dict[str, str] = {
    "pulse.need.autonomy": "Autonomia",
    "pulse.need.competence": "Osaaminen",
    "pulse.need.belonging": "Yhteisöllisyys",
    "pulse.need.autonomy.description": "Päätän itse, miten teen työni",
    "pulse.need.competence.description": "Osaan ja kehityn",
    "pulse.need.belonging.description": "Kuulun joukkoon, ja minusta välitetään",
    "pulse.q.autonomy.1": "Saan itse päättää, miten ratkaisen asiakkaan ongelman.",
    "pulse.q.autonomy.2": "Voin poiketa totutusta tavasta, kun asiakas tarvitsee jotain muuta.",
    "pulse.q.autonomy.3": "Voin vaikuttaa siihen, miten työpäiväni rakentuu.",
    "pulse.q.autonomy.4": "Voin hoitaa asiakkaan asian kuntoon kysymättä ensin keneltäkään lupaa.",
    "pulse.q.autonomy.5": "Voin kokeilla uusia tapoja palvella asiakkaitamme.",
    "pulse.q.autonomy.6": "Teen työtäni, koska haluan, enkä vain siksi, että on pakko.",
    "pulse.q.competence.1": "Osaan auttaa asiakkaita, joiden kanssa teen töitä.",
    "pulse.q.competence.2": "Olen oppinut työssäni jotain uutta viime viikkoina.",
    "pulse.q.competence.3": "Saan hyödyllistä palautetta siitä, miten onnistun.",
    "pulse.q.competence.4": "Pärjään hankalissakin asiakastilanteissa.",
    "pulse.q.competence.5": "Minulla on työkalut ja tiedot, joita tarvitsen tehdäkseni työni hyvin.",
    "pulse.q.competence.6": "Pääsen käyttämään vahvuuksiani työssäni.",
    "pulse.q.belonging.1": "Tunnen kuuluvani tähän tiimiin.",
    "pulse.q.belonging.2": "Voin pyytää kollegoilta apua, kun asiakkaan asia menee hankalaksi.",
    "pulse.q.belonging.3": "Töissä joku välittää siitä, miten minulla menee.",
    "pulse.q.belonging.4": "Tiimissämme huomataan ja arvostetaan työtäni.",
    "pulse.q.belonging.5": "Voin olla töissä oma itseni.",
    "pulse.q.belonging.6": "Kun onnistun asiakkaan kanssa, tiimi iloitsee kanssani.",
    "pulse.scale.1": "täysin eri mieltä",
    "pulse.scale.2": "jokseenkin eri mieltä",
    "pulse.scale.3": "ei samaa eikä eri mieltä",
    "pulse.scale.4": "jokseenkin samaa mieltä",
    "pulse.scale.5": "täysin samaa mieltä",
    "pulse.enps.question": "Kuinka todennäköisesti suosittelisit tätä tiimiä työpaikkana? (0 = en lainkaan todennäköisesti, 10 = erittäin todennäköisesti)",
    "pulse.enps.low": "en lainkaan todennäköisesti",
    "pulse.enps.high": "erittäin todennäköisesti",
}
