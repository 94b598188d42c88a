"""Group commit: concurrent requests' writes in one transaction, each answered after it.

A phone sends one visit per request; stored one transaction each, a visit pays a
begin, a commit and every statement of the ingest alone. Here the requests that arrive
while a group is being written wait, and the next group takes them all: one of the
waiting request threads (the leader) runs `work` over the whole group in one
transaction, and every request returns only after that commit, so nothing is
acknowledged that is not stored. No thread of its own: a request that finds no leader
becomes one.

`work` answers one outcome per job, an exception instance for a job it refuses (that
job must have written nothing). When the group's transaction fails as a whole (a
unique violation from a racing request, a full disk), each job is run again alone, so
one job's trouble never fails the others.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine

from server.store.db import run_transaction

J = TypeVar("J")
R = TypeVar("R")

MAX_GROUP = 200


@dataclass
class _Ticket(Generic[J]):
    job: J
    done: bool = False
    outcome: Any = None
    error: BaseException | None = field(default=None, repr=False)


class GroupCommit(Generic[J, R]):
    """Jobs of concurrent callers on one engine, written in groups (see the module)."""

    def __init__(self, engine: Engine,
                 work: Callable[[Connection, list[J]], list[R | Exception]],
                 max_group: int = MAX_GROUP):
        self.engine = engine
        self.work = work
        self.max_group = max_group
        self._pending: list[_Ticket[J]] = []
        self._leading = False
        self._turn = threading.Condition()

    def run(self, job: J) -> R:
        """`job`'s outcome once the transaction holding it has committed; raises the
        exception `work` answered for it, or the one its own transaction raised."""
        ticket: _Ticket[J] = _Ticket(job)
        with self._turn:
            self._pending.append(ticket)
            while not ticket.done:
                if not self._leading:
                    self._leading = True
                    break
                self._turn.wait()
        while not ticket.done:
            with self._turn:
                group, self._pending = (self._pending[:self.max_group],
                                        self._pending[self.max_group:])
            try:
                self._write(group)
            finally:
                with self._turn:
                    if ticket.done:
                        self._leading = False
                    self._turn.notify_all()
        if ticket.error is not None:
            raise ticket.error
        return ticket.outcome

    def _write(self, group: list[_Ticket[J]]) -> None:
        try:
            outcomes = run_transaction(self.engine,
                                       lambda conn: self.work(conn, [t.job for t in group]))
        except Exception:  # noqa: BLE001 - each job alone tells whose trouble it was
            for ticket in group:
                self._alone(ticket)
            return
        for ticket, outcome in zip(group, outcomes, strict=True):
            self._settle(ticket, outcome)

    def _alone(self, ticket: _Ticket[J]) -> None:
        for attempt in (1, 2):  # twice: a racing request's row is seen on the second
            try:
                [outcome] = run_transaction(self.engine,
                                            lambda conn: self.work(conn, [ticket.job]))
            except Exception as error:  # noqa: BLE001 - handed to the job's own request
                if attempt == 2:
                    ticket.error, ticket.done = error, True
                continue
            self._settle(ticket, outcome)
            return

    @staticmethod
    def _settle(ticket: _Ticket[J], outcome: Any) -> None:
        if isinstance(outcome, Exception):
            ticket.error = outcome
        else:
            ticket.outcome = outcome
        ticket.done = True
