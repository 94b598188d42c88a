"""What the form and `verivali-agent households`/`flags` read of the pulled copy.

A base of `sync_agent.store.Store` (same connection): the assigned households with
their verification state and local survey state, the villages a new household may lie
in, the open flags.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlcipher3

from schemas.verification import verification_after

if TYPE_CHECKING:
    from sqlite_utils import Database

OPEN_FLAG_STATES = ("open", "revisit")


def named(
    conn: sqlcipher3.Connection, sql: str, params: Sequence[Any] = ()
) -> sqlcipher3.Cursor:
    """`conn.execute` with rows read by column name; the connection's own rows stay tuples
    (sqlite-utils shares it)."""
    cursor = conn.cursor()
    cursor.row_factory = sqlcipher3.Row
    return cursor.execute(sql, params)


class PulledReads:
    conn: Any

    if TYPE_CHECKING:
        @property
        def db(self) -> Database: ...

    def assigned_households(self) -> list[dict[str, Any]]:
        """Households with an open assignment (or none known), with local survey state."""
        rows = self.db.query(
            """
            SELECT h.household_id, h.version, h.region_code, h.body, h.verification,
                   (SELECT group_concat(DISTINCT a.status) FROM assignments a
                     WHERE a.household_id = h.household_id AND a.status != 'cancelled')
                     AS assignment,
                   (SELECT o.state FROM outbox o WHERE o.household_id = h.household_id
                     ORDER BY o.device_seq DESC LIMIT 1) AS local_state,
                   h.pulled_at,
                   (SELECT json_array(o.answered_at, o.outcome, o.result_state, o.survey_id,
                                      json_extract(o.body, '$.completed_at'))
                      FROM outbox o WHERE o.household_id = h.household_id
                       AND o.state = 'acknowledged' AND o.answered_at > h.pulled_at
                     ORDER BY o.device_seq DESC LIMIT 1) AS answer
            FROM households h
            WHERE NOT EXISTS (SELECT 1 FROM assignments a WHERE a.household_id = h.household_id)
               OR EXISTS (SELECT 1 FROM assignments a WHERE a.household_id = h.household_id
                          AND a.status != 'cancelled')
            ORDER BY h.household_id
            """
        )
        out = []
        for row in rows:
            body = json.loads(row.pop("body"))
            row["verification"] = _verification(
                json.loads(row["verification"] or "null") or {}, json.loads(row.pop("answer") or "null")
            )
            row.pop("pulled_at")
            row["address"] = body.get("address")
            row["head_name"] = next(
                (m.get("name") for m in body.get("members", []) if m.get("relationship") == "head"),
                None,
            )
            out.append(row)
        return out

    def assigned_count(self) -> int:
        return named(
            self.conn,
            "SELECT count(*) AS n FROM households h WHERE NOT EXISTS (SELECT 1 FROM assignments "
            "a WHERE a.household_id = h.household_id) OR EXISTS (SELECT 1 FROM assignments a "
            "WHERE a.household_id = h.household_id AND a.status != 'cancelled')",
        ).fetchone()["n"]

    def assigned_villages(self) -> list[str]:
        """Villages where this enumerator has an assignment: where a new household may lie."""
        rows = named(
            self.conn,
            "SELECT DISTINCT h.region_code FROM households h JOIN assignments a "
            "ON a.household_id = h.household_id WHERE a.status != 'cancelled' "
            "AND h.region_code IS NOT NULL ORDER BY h.region_code",
        ).fetchall()
        return [r["region_code"] for r in rows]

    def open_flags(self) -> list[dict[str, Any]]:
        marks = ",".join("?" * len(OPEN_FLAG_STATES))
        rows = named(
            self.conn,
            f"SELECT body FROM flags WHERE status IN ({marks}) ORDER BY household_id, flag_id",
            list(OPEN_FLAG_STATES),
        ).fetchall()
        return [json.loads(r["body"]) for r in rows]


def _verification(pulled: dict[str, Any], answer: list[Any] | None) -> dict[str, Any]:
    """The verification state as the server last told us, in the pull or in a newer push answer.

    The server changes a household's verification when a survey lands but does not put
    the household in the pull feed for that, so a push answer received after the last
    pull is the freshest word, read by the server's own rule (`schemas.verification`).
    """
    if not answer:
        return pulled
    _answered_at, outcome, result_state, survey_id, completed_at = answer
    state = verification_after(outcome, result_state)
    if state is None:
        return pulled
    return {"state": state, "survey_id": survey_id, "at": completed_at}
