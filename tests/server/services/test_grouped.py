"""Group commit on a real database: concurrent jobs share a transaction, and one job's
refusal or failure never fails the others."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from server.services.grouped import GroupCommit
from server.store import phones as phone_store
from server.store.db import reading
from server.store.tables import phone_nonces


def stored(engine) -> set[str]:
    with reading(engine) as conn:
        return set(conn.execute(select(phone_nonces.c.nonce)).scalars())


def run_all(group: GroupCommit, jobs: list[str]) -> dict[str, object]:
    answers: dict[str, object] = {}
    gate = threading.Barrier(len(jobs))

    def one(job: str) -> None:
        gate.wait()
        try:
            answers[job] = group.run(job)
        except Exception as error:  # noqa: BLE001 - what the caller would see
            answers[job] = error

    threads = [threading.Thread(target=one, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


def test_concurrent_jobs_share_transactions_and_a_refusal_spoils_none(engine):
    sizes: list[int] = []

    def work(conn, jobs):
        sizes.append(len(jobs))
        time.sleep(0.05)  # a slow group: the others queue behind it
        outcomes: list[object] = []
        for job in jobs:
            if job.startswith("bad"):
                outcomes.append(ValueError(job))  # refused: writes nothing
                continue
            phone_store.add_nonce(conn, job, time.time(), 3600)
            outcomes.append(f"ok {job}")
        return outcomes

    jobs = [f"job-{n}" for n in range(12)] + ["bad-1"]
    answers = run_all(GroupCommit(engine, work), jobs)
    assert max(sizes) > 1 and sum(sizes) == len(jobs)
    assert {j: a for j, a in answers.items() if j != "bad-1"} == {j: f"ok {j}" for j in jobs[:-1]}
    assert isinstance(answers["bad-1"], ValueError)
    assert stored(engine) == set(jobs[:-1])


def test_a_group_that_fails_is_run_again_job_by_job(engine):
    def work(conn, jobs):
        time.sleep(0.02)
        for job in jobs:
            if job == "boom":
                raise RuntimeError("disk trouble")  # the whole transaction fails
            phone_store.add_nonce(conn, job, time.time(), 3600)
        return [f"ok {job}" for job in jobs]

    jobs = [f"job-{n}" for n in range(8)] + ["boom"]
    answers = run_all(GroupCommit(engine, work), jobs)
    assert isinstance(answers["boom"], RuntimeError)
    assert {j: a for j, a in answers.items() if j != "boom"} == {j: f"ok {j}" for j in jobs[:-1]}
    assert stored(engine) == set(jobs[:-1])  # each committed once, "boom" never
