"""Texts for an org-wide Grid install taken out of some of the org's workspaces (team_access_revoked)."""

EN: dict[str, str] = {
    "teamaccess.revoked": ":warning: *Your org took Pulssi out of some of its workspaces* (since {since}): {workspaces}. Their people are not pulsed or messaged, and teams whose channel is there are paused: {teams}. Nothing is deleted; adding Pulssi back to those workspaces resumes them.",
}

FI: dict[str, str] = {
    "teamaccess.revoked": ":warning: *Organisaatiosi poisti Pulssin osasta työtilojaan* ({since} alkaen): {workspaces}. Niiden ihmiset eivät saa pulsseja eivätkä viestejä, ja tiimit, joiden kanava on siellä, ovat tauolla: {teams}. Mitään ei poisteta; kun Pulssi lisätään takaisin noihin työtiloihin, ne jatkavat.",
}
