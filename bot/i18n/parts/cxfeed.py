"""Texts for CX feed parse problems: why a row (cxfeed.reason.<code>) or a whole file (cxfeed.rejected.<code>)
was not imported. Codes come from bot.domain.cxcsv (ROW_REJECTION_CODES and FILE_REJECTION_CODES).

Row reasons don't quote the cell: Slack is never shown a file's content beyond a table's header
(bot/blocks/cxfeed.py adds the cell for the shell only)."""

EN: dict[str, str] = {
    "cxfeed.reason.missing_date": "the date is missing",
    "cxfeed.reason.date_unparseable": "the date is not one I can read (use 2026-03-01 or 1.3.2026)",
    "cxfeed.reason.missing_score": "the score is missing",
    "cxfeed.reason.score_not_a_number": "the score is not a number",
    "cxfeed.reason.score_not_integer": "the score is not a whole number",
    "cxfeed.reason.score_out_of_range": "the score is out of range (NPS 0–10, CSAT 1–5)",
    "cxfeed.reason.missing_metric": "the metric is missing (nps or csat)",
    "cxfeed.reason.metric_unknown": "the metric is unknown (use nps or csat)",
    "cxfeed.reason.missing_value": "the value is missing",
    "cxfeed.reason.value_not_a_number": "the value is not a number",
    "cxfeed.reason.value_out_of_range": "the value is out of range (NPS −100…100, CSAT 0…100 %)",
    "cxfeed.reason.count_invalid": "the response count is not a positive whole number",
    "cxfeed.reason.row_malformed": "the row could not be read as CSV",
    "cxfeed.rejected.empty": "the file is empty.",
    "cxfeed.rejected.no_header": "the file has no header row; the first row should name the columns. Found: {columns}",
    "cxfeed.rejected.no_date": "no date column was recognised. Found columns: {columns}. Name the column with `/pulse cxfeed columns date=COLUMN`.",
    "cxfeed.rejected.no_score": "no score column (NPS or CSAT) was recognised. Found columns: {columns}. Name the column with `/pulse cxfeed columns score=COLUMN`.",
    "cxfeed.rejected.mapped_column_missing": "a column named in the column mapping is not in the file. Found columns: {columns}",
}

FI: dict[str, str] = {
    "cxfeed.reason.missing_date": "päivämäärä puuttuu",
    "cxfeed.reason.date_unparseable": "päivämäärä ei ole tunnistettava (käytä muotoa 1.3.2026 tai 2026-03-01)",
    "cxfeed.reason.missing_score": "arvosana puuttuu",
    "cxfeed.reason.score_not_a_number": "arvosana ei ole luku",
    "cxfeed.reason.score_not_integer": "arvosana ei ole kokonaisluku",
    "cxfeed.reason.score_out_of_range": "arvosana on sallitun alueen ulkopuolella (NPS 0–10, CSAT 1–5)",
    "cxfeed.reason.missing_metric": "mittari puuttuu (nps tai csat)",
    "cxfeed.reason.metric_unknown": "mittari on tuntematon (käytä arvoa nps tai csat)",
    "cxfeed.reason.missing_value": "arvo puuttuu",
    "cxfeed.reason.value_not_a_number": "arvo ei ole luku",
    "cxfeed.reason.value_out_of_range": "arvo on sallitun alueen ulkopuolella (NPS −100…100, CSAT 0…100 %)",
    "cxfeed.reason.count_invalid": "vastausmäärä ei ole positiivinen kokonaisluku",
    "cxfeed.reason.row_malformed": "riviä ei voitu lukea CSV-muodossa",
    "cxfeed.rejected.empty": "tiedosto on tyhjä.",
    "cxfeed.rejected.no_header": "tiedostosta puuttuu otsikkorivi; ensimmäisellä rivillä pitää olla sarakkeiden nimet. Löytyi: {columns}",
    "cxfeed.rejected.no_date": "päivämääräsaraketta ei tunnistettu. Löydetyt sarakkeet: {columns}. Nimeä sarake komennolla `/pulse cxfeed columns date=SARAKE`.",
    "cxfeed.rejected.no_score": "arvosanasaraketta (NPS tai CSAT) ei tunnistettu. Löydetyt sarakkeet: {columns}. Nimeä sarake komennolla `/pulse cxfeed columns score=SARAKE`.",
    "cxfeed.rejected.mapped_column_missing": "sarakemäärityksessä nimettyä saraketta ei ole tiedostossa. Löydetyt sarakkeet: {columns}",
}
