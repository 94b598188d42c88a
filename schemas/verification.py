"""Which verification state a household shows after a visit (docs/protocol.md §2).

One rule for the server, which sets the state when a survey lands, and the field agent,
which shows the state from a push answer newer than its last pull.
"""

from __future__ import annotations

# Outcomes that mean nobody was there to verify.
ABSENT_OUTCOMES = ("not_found", "moved")


def verification_after(outcome: str, survey_state: str | None) -> str | None:
    """The household's state after a visit with this outcome and survey state.

    None: the visit changes nothing, because it was superseded by its correction, the
    family refused, or (on the agent) the answer carried no state. Otherwise
    `not_found` when the family was absent, `verified` when reconciliation left nothing
    to decide, `flagged` when it did.
    """
    if survey_state == "superseded":
        return None
    if outcome in ABSENT_OUTCOMES:
        return "not_found"
    if outcome == "refused" or survey_state is None:
        return None
    return "verified" if survey_state == "verified" else "flagged"
