"""Texts for pulse schedules: weekday names, "every 2 weeks on Monday at 09:00", and parse errors.

Used by bot/domain/schedule.py (render_schedule, ScheduleError keys) and the schedule modal.
"""

EN: dict[str, str] = {
    # Weekday names as labels (the schedule form).
    "schedule.weekday.0": "Monday",
    "schedule.weekday.1": "Tuesday",
    "schedule.weekday.2": "Wednesday",
    "schedule.weekday.3": "Thursday",
    "schedule.weekday.4": "Friday",
    "schedule.weekday.5": "Saturday",
    "schedule.weekday.6": "Sunday",
    # Weekday inside a rendered schedule ("on {day}"); Finnish uses the habitual form "maanantaisin".
    "schedule.weekday_on.0": "Monday",
    "schedule.weekday_on.1": "Tuesday",
    "schedule.weekday_on.2": "Wednesday",
    "schedule.weekday_on.3": "Thursday",
    "schedule.weekday_on.4": "Friday",
    "schedule.weekday_on.5": "Saturday",
    "schedule.weekday_on.6": "Sunday",
    "schedule.time": "{hour:02d}:{minute:02d}",
    "schedule.render.every_1": "every week on {day} at {time}",
    "schedule.render.every_2": "every 2 weeks on {day} at {time}",
    "schedule.render.every_4": "every 4 weeks on {day} at {time}",
    # Parse errors.
    "schedule.error.empty": "Tell me when pulses should go out, e.g. `every 2 weeks mon 09:00`, `weekly tue 9:30` or `every 4 weeks thu 10:00`.",
    "schedule.error.time": "I couldn't read the time '{text}'. Use a 24-hour time from 00:00 to 23:59, e.g. `09:00` or `14:30`.",
    "schedule.error.cadence": "Pulses can go out every week, every 2 weeks or every 4 weeks, so '{text}' won't work. Try e.g. `every 2 weeks mon 09:00`.",
    "schedule.error.monthly": "'{text}' isn't an option: months differ in length, so pulses run in weeks (every week, every 2 weeks or every 4 weeks). `every 4 weeks` is closest to monthly.",
    "schedule.error.unknown": "I didn't understand '{text}'. Give how often, a day and a time, e.g. `every 2 weeks mon 09:00`, `weekly tue 9:30` or `joka toinen viikko ma 9.00`.",
    "schedule.error.conflict": "You gave both '{first}' and '{second}'. Give one cadence, one day and one time, e.g. `every 2 weeks mon 09:00`.",
}

FI: dict[str, str] = {
    "schedule.weekday.0": "Maanantai",
    "schedule.weekday.1": "Tiistai",
    "schedule.weekday.2": "Keskiviikko",
    "schedule.weekday.3": "Torstai",
    "schedule.weekday.4": "Perjantai",
    "schedule.weekday.5": "Lauantai",
    "schedule.weekday.6": "Sunnuntai",
    "schedule.weekday_on.0": "maanantaisin",
    "schedule.weekday_on.1": "tiistaisin",
    "schedule.weekday_on.2": "keskiviikkoisin",
    "schedule.weekday_on.3": "torstaisin",
    "schedule.weekday_on.4": "perjantaisin",
    "schedule.weekday_on.5": "lauantaisin",
    "schedule.weekday_on.6": "sunnuntaisin",
    "schedule.time": "{hour}.{minute:02d}",
    "schedule.render.every_1": "joka viikko {day} klo {time}",
    "schedule.render.every_2": "joka toinen viikko {day} klo {time}",
    "schedule.render.every_4": "joka neljäs viikko {day} klo {time}",
    "schedule.error.empty": "Kerro, milloin pulssit lähtevät, esimerkiksi `joka toinen viikko ma 9.00`, `joka viikko ti 9.30` tai `4 viikon välein to 10.00`.",
    "schedule.error.time": "En ymmärtänyt kellonaikaa '{text}'. Anna aika väliltä 0.00–23.59, esimerkiksi `9.00` tai `14.30`.",
    "schedule.error.cadence": "Pulssit voivat lähteä joka viikko, joka toinen viikko tai joka neljäs viikko, joten '{text}' ei käy. Kokeile esimerkiksi `joka toinen viikko ma 9.00`.",
    "schedule.error.monthly": "'{text}' ei käy, koska kuukaudet ovat eripituisia. Pulssit kulkevat viikkorytmissä: joka viikko, joka toinen viikko tai joka neljäs viikko. Kuukausittaista lähimpänä on `4 viikon välein`.",
    "schedule.error.unknown": "En ymmärtänyt kohtaa '{text}'. Kerro, kuinka usein, minä päivänä ja mihin aikaan, esimerkiksi `joka toinen viikko ma 9.00`, `joka viikko ti 9.30` tai `every 2 weeks mon 09:00`.",
    "schedule.error.conflict": "Annoit sekä '{first}' että '{second}'. Anna yksi rytmi, yksi päivä ja yksi kellonaika, esimerkiksi `joka toinen viikko ma 9.00`.",
}
