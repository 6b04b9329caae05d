"""Texts for team actions ("you said, we did"): `/pulse action`, its modal and list, the digest, the pulse DM."""

EN: dict[str, str] = {
    "core.help.cmd.action": (
        "`/pulse action`: commit to an action on a need, with an owner and a due date (`list`, `done <number>`)"
    ),
    "actions.modal.title": "Commit to an action",
    "actions.modal.submit": "Commit",
    "actions.modal.close": "Cancel",
    "actions.modal.team": "For the team {team}. The team sees it in the digest and in the next pulse.",
    "actions.field.need": "Which need?",
    "actions.field.text": "What will we do?",
    "actions.field.owner": "Owner",
    "actions.field.due": "Due date",
    "actions.error.need": "Pick the need the action is for.",
    "actions.error.text_empty": "Say what will be done.",
    "actions.error.text_too_long": "That is {count} characters; the limit is {limit}.",
    "actions.error.owner": "Pick who owns the action.",
    "actions.error.due": "Pick a due date.",
    "actions.error.due_past": "The due date is in the past.",
    "actions.committed": "Committed: {line}",
    "actions.title": "You said, we did",
    "actions.line": "{need}: {text}, {owner}, due {due} ({status})",
    "actions.status.open": "in progress",
    "actions.status.done": "done",
    "actions.none": "No actions yet. `/pulse action` commits to one.",
    "actions.done_button": "Mark done",
    "actions.marked_done": "Marked done: {line}",
    "actions.gone": "There is no action {number}.",
    "actions.no_team": "Type this in your team's channel, or be a manager of a team.",
    "actions.since_last_time": ":seedling: Since last time: {actions}",
}

FI: dict[str, str] = {
    "core.help.cmd.action": (
        "`/pulse action`: sitoudu toimenpiteeseen tarpeen parantamiseksi, vastuuhenkilö ja määräpäivä mukaan "
        "(`list`, `done <numero>`)"
    ),
    "actions.modal.title": "Sitoudu toimenpiteeseen",
    "actions.modal.submit": "Sitoudu",
    "actions.modal.close": "Peru",
    "actions.modal.team": "Tiimille {team}. Tiimi näkee sen koosteessa ja seuraavassa pulssissa.",
    "actions.field.need": "Mikä tarve?",
    "actions.field.text": "Mitä teemme?",
    "actions.field.owner": "Vastuuhenkilö",
    "actions.field.due": "Määräpäivä",
    "actions.error.need": "Valitse tarve, jota toimenpide koskee.",
    "actions.error.text_empty": "Kerro, mitä tehdään.",
    "actions.error.text_too_long": "Tekstissä on {count} merkkiä; raja on {limit}.",
    "actions.error.owner": "Valitse vastuuhenkilö.",
    "actions.error.due": "Valitse määräpäivä.",
    "actions.error.due_past": "Määräpäivä on menneisyydessä.",
    "actions.committed": "Sitouduttu: {line}",
    "actions.title": "Sanoitte, teimme",
    "actions.line": "{need}: {text}, {owner}, määräpäivä {due} ({status})",
    "actions.status.open": "työn alla",
    "actions.status.done": "tehty",
    "actions.none": "Ei vielä toimenpiteitä. `/pulse action` aloittaa.",
    "actions.done_button": "Merkitse tehdyksi",
    "actions.marked_done": "Merkitty tehdyksi: {line}",
    "actions.gone": "Toimenpidettä {number} ei ole.",
    "actions.no_team": "Kirjoita tämä tiimisi kanavalla, tai ole jonkin tiimin esihenkilö.",
    "actions.since_last_time": ":seedling: Viime kerran jälkeen: {actions}",
}
