"""Texts for CX feed parse problems: why a row (cxfeed.reason.<code>) or a whole file (cxfeed.rejected.<code>)
was not imported. Codes come from bot.domain.cxcsv (ROW_REJECTION_CODES and FILE_REJECTION_CODES)."""

EN: dict[str, str] = {
    "cxfeed.reason.missing_date": "the date is missing",
    "cxfeed.reason.date_unparseable": "“{detail}” is not a date I can read (use 2026-03-01 or 1.3.2026)",
    "cxfeed.reason.missing_score": "the score is missing",
    "cxfeed.reason.score_not_a_number": "the score “{detail}” is not a number",
    "cxfeed.reason.score_not_integer": "the score “{detail}” is not a whole number",
    "cxfeed.reason.score_out_of_range": "the score {detail} is out of range (NPS 0–10, CSAT 1–5)",
    "cxfeed.reason.missing_metric": "the metric is missing (nps or csat)",
    "cxfeed.reason.metric_unknown": "unknown metric “{detail}” (use nps or csat)",
    "cxfeed.reason.missing_value": "the value is missing",
    "cxfeed.reason.value_not_a_number": "the value “{detail}” is not a number",
    "cxfeed.reason.value_out_of_range": "the value {detail} is out of range (NPS −100…100, CSAT 0…100 %)",
    "cxfeed.reason.count_invalid": "the response count “{detail}” is not a positive whole number",
    "cxfeed.reason.row_malformed": "the row could not be read as CSV ({detail})",
    "cxfeed.rejected.empty": "the file is empty.",
    "cxfeed.rejected.no_header": "the file has no header row; the first row should name the columns. Found: {columns}",
    "cxfeed.rejected.no_date": "no date column was recognised. Found columns: {columns}. Name the column with `/pulse cxfeed columns date=COLUMN`.",
    "cxfeed.rejected.no_score": "no score column (NPS or CSAT) was recognised. Found columns: {columns}. Name the column with `/pulse cxfeed columns score=COLUMN`.",
    "cxfeed.rejected.mapped_column_missing": "a column named in the column mapping is not in the file. Found columns: {columns}",
}

FI: dict[str, str] = {
    "cxfeed.reason.missing_date": "päivämäärä puuttuu",
    "cxfeed.reason.date_unparseable": "”{detail}” ei ole tunnistettava päivämäärä (käytä muotoa 1.3.2026 tai 2026-03-01)",
    "cxfeed.reason.missing_score": "arvosana puuttuu",
    "cxfeed.reason.score_not_a_number": "arvosana ”{detail}” ei ole luku",
    "cxfeed.reason.score_not_integer": "arvosana ”{detail}” ei ole kokonaisluku",
    "cxfeed.reason.score_out_of_range": "arvosana {detail} on sallitun alueen ulkopuolella (NPS 0–10, CSAT 1–5)",
    "cxfeed.reason.missing_metric": "mittari puuttuu (nps tai csat)",
    "cxfeed.reason.metric_unknown": "tuntematon mittari ”{detail}” (käytä arvoa nps tai csat)",
    "cxfeed.reason.missing_value": "arvo puuttuu",
    "cxfeed.reason.value_not_a_number": "arvo ”{detail}” ei ole luku",
    "cxfeed.reason.value_out_of_range": "arvo {detail} on sallitun alueen ulkopuolella (NPS −100…100, CSAT 0…100 %)",
    "cxfeed.reason.count_invalid": "vastausmäärä ”{detail}” ei ole positiivinen kokonaisluku",
    "cxfeed.reason.row_malformed": "riviä ei voitu lukea CSV-muodossa ({detail})",
    "cxfeed.rejected.empty": "tiedosto on tyhjä.",
    "cxfeed.rejected.no_header": "tiedostosta puuttuu otsikkorivi; ensimmäisellä rivillä pitää olla sarakkeiden nimet. Löytyi: {columns}",
    "cxfeed.rejected.no_date": "päivämääräsaraketta ei tunnistettu. Löydetyt sarakkeet: {columns}. Nimeä sarake komennolla `/pulse cxfeed columns date=SARAKE`.",
    "cxfeed.rejected.no_score": "arvosanasaraketta (NPS tai CSAT) ei tunnistettu. Löydetyt sarakkeet: {columns}. Nimeä sarake komennolla `/pulse cxfeed columns score=SARAKE`.",
    "cxfeed.rejected.mapped_column_missing": "sarakemäärityksessä nimettyä saraketta ei ole tiedostossa. Löydetyt sarakkeet: {columns}",
}
