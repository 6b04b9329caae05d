"""How long a test waits for work it expects (a Slack call, a DM, a stored row) before calling it a hang.

A deadline only bounds a hang: a passing test goes on the moment its condition holds, so a generous one costs a
green run nothing. CI is a loaded 2-core machine, often 5-10x slower than a developer's, and a wait of a few
seconds there failed correct runs (a setup's reply waited on for 5 s). Waits that expect *nothing* to happen
(a duplicate that must not come) keep their short grace periods: they can never fail a correct run.
"""

WAIT_SECONDS = 60.0
