"""Texts for open feedback: the team's pulse comments and customers' own words in reports, Home and digests."""

EN: dict[str, str] = {
    "feedback.comments.title": "What the team wrote",
    "feedback.comments.intro": "{shown} of {total} comments from pulse rounds of this period, in random order, without dates or statements.",
    "feedback.comments.hidden": "The team's comments appear here when rounds with at least {k} respondents have at least {k} comments together.",
    "feedback.comments.digest": ":speech_balloon: The team wrote {total} comments in this period. Managers read them in `/cxreport` and on Pulssi's Home tab.",
    "feedback.comments.home_title": "*Your team's comments* (last {weeks} weeks, random order)",
    "feedback.cx.title": "Customers' own words (NPS comments, newest first)",
    "feedback.cx.promoters": "Promoters (9–10)",
    "feedback.cx.detractors": "Detractors (0–6)",
    "feedback.cx.none_side": "no comments in this period",
    "feedback.cx.line": "“{text}” ({score})",
    "feedback.cx.masked": "Addresses, phone numbers, IBANs and card numbers are masked.",
}

FI: dict[str, str] = {
    "feedback.comments.title": "Mitä tiimi kirjoitti",
    "feedback.comments.intro": "{shown}/{total} kommenttia jakson pulssikierroksilta, satunnaisessa järjestyksessä, ilman päivämääriä ja väittämiä.",
    "feedback.comments.hidden": "Tiimin kommentit näkyvät tässä, kun kierroksilla, joihin vastasi vähintään {k} henkeä, on yhteensä vähintään {k} kommenttia.",
    "feedback.comments.digest": ":speech_balloon: Tiimi kirjoitti tällä jaksolla {total} kommenttia. Esihenkilöt lukevat ne komennolla `/cxreport` ja Pulssin Koti-välilehdellä.",
    "feedback.comments.home_title": "*Tiimisi kommentit* (viimeiset {weeks} viikkoa, satunnainen järjestys)",
    "feedback.cx.title": "Asiakkaiden omin sanoin (NPS-kommentit, uusimmat ensin)",
    "feedback.cx.promoters": "Suosittelijat (9–10)",
    "feedback.cx.detractors": "Arvostelijat (0–6)",
    "feedback.cx.none_side": "ei kommentteja tällä jaksolla",
    "feedback.cx.line": "”{text}” ({score})",
    "feedback.cx.masked": "Sähköpostiosoitteet, puhelinnumerot, IBAN-tilinumerot ja korttinumerot on peitetty.",
}
